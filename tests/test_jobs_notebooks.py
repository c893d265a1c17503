"""Notebook intake: a file that is no notebook is refused naming ``notebook``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from atmo_lab.errors import TooLarge, ValidationFailed
from atmo_lab.jobs.notebooks import NotebookSource, read_notebook


def test_a_file_that_is_not_a_notebook_names_the_notebook_field(tmp_path: Path) -> None:
    path = tmp_path / "x.ipynb"
    for text, words in [("{nope", "not valid JSON"), ("[1]", "not a Jupyter notebook")]:
        path.write_text(text)
        with pytest.raises(ValidationFailed) as caught:
            read_notebook(NotebookSource("x.ipynb", path=str(path)), 10**6)
        assert words in caught.value.errors["notebook"]
    lone = new_notebook(cells=[new_code_cell("x = '\udfff'")])
    path.write_text(json.dumps(lone))  # ("\udfff" escaped, as JSON writes it)
    with pytest.raises(ValidationFailed) as caught:
        read_notebook(NotebookSource("x.ipynb", path=str(path)), 10**6)
    assert "not valid Unicode" in caught.value.errors["notebook"]
    path.write_bytes(b'{"nbformat": 4, "x": "\xff"}')
    with pytest.raises(ValidationFailed, match="notebook"):
        read_notebook(NotebookSource("x.ipynb", path=str(path)), 10**6)
    with pytest.raises(ValidationFailed) as caught:
        read_notebook(NotebookSource("x.ipynb", path=str(tmp_path / "gone.ipynb")), 10**6)
    assert "could not be read" in caught.value.errors["notebook"]


def test_a_notebook_is_checked_for_size_then_name(tmp_path: Path) -> None:
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps(new_notebook()))
    read_notebook(NotebookSource("x.ipynb", path=str(path)), 10**6)
    with pytest.raises(TooLarge):
        read_notebook(NotebookSource("x.txt", path=str(path)), 10)
    with pytest.raises(ValidationFailed) as caught:
        read_notebook(NotebookSource("x.txt", path=str(path)), 10**6)
    assert "notebook_name" in caught.value.errors
    lone = {**new_notebook(), "metadata": {"title": "\udfff"}}
    with pytest.raises(ValidationFailed, match="notebook"):
        read_notebook(NotebookSource("x.ipynb", content=lone), 10**6)


def _code(source: Any = "", outputs: list[Any] | None = None) -> dict[str, Any]:
    return {
        "cell_type": "code",
        "metadata": {},
        "source": source,
        "execution_count": None,
        "outputs": outputs or [],
    }


@pytest.mark.parametrize(
    "cell",
    [
        _code(["x = 1\n", 2]),
        {"cell_type": "markdown", "metadata": {}, "source": ["# A\n", None]},
        _code(outputs=[{"output_type": "stream", "name": "stdout", "text": ["1\n", 2]}]),
        _code(
            outputs=[
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"text/plain": ["a", {"b": 1}]},
                }
            ]
        ),
    ],
    ids=["number in a source", "null in a source", "number in a stream", "object in a bundle"],
)
def test_texts_holding_a_non_string_are_kept_for_the_schema_to_refuse(
    tmp_path: Path, cell: dict[str, Any]
) -> None:
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps({**new_notebook(), "cells": [cell]}))
    with pytest.raises(ValidationFailed, match="not valid nbformat 4"):
        read_notebook(NotebookSource("x.ipynb", path=str(path)), 10**6)
