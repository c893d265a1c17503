"""Notebook intake read a piece at a time: same answers as ``json.loads``, bounded memory."""

from __future__ import annotations

import copy
import json
import tracemalloc
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from atmo_lab.errors import ValidationFailed
from atmo_lab.jobs.notebooks import (
    READ_PIECE_BYTES,
    CleanNotebook,
    NotebookSource,
    _empty_bulk,
    _NotebookReader,
    read_notebook,
)


def pieces(text: str, size: int) -> Any:
    """``read(n)`` that hands out at most `size` characters per call."""
    offset = 0

    def read(n: int) -> str:
        nonlocal offset
        piece = text[offset : offset + min(n, size)]
        offset += len(piece)
        return piece

    return read


def sample() -> dict[str, Any]:
    nb = new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "P"}})
    nb.cells = [
        new_markdown_cell("# Title ünïcode ✓"),
        new_code_cell(
            ["x = 12345\n", "print(x)"],
            execution_count=12345,
            outputs=[
                new_output("stream", name="stdout", text=["12345\n", "more\n"]),
                new_output(
                    "display_data", data={"image/png": "aGk=", "application/json": {"a": [1.5]}}
                ),
            ],
        ),
    ]
    return dict(nb)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 1000])
def test_any_piece_size_gives_the_skeleton_json_would(size: int) -> None:
    text = json.dumps(sample(), indent=1, ensure_ascii=False)
    expected = json.loads(text)
    expected["cells"] = [_empty_bulk(cell) for cell in expected["cells"]]
    skeleton = _NotebookReader(pieces(text, size)).skeleton()
    assert skeleton == expected
    code = skeleton["cells"][1]
    assert code["source"] == [] and code["execution_count"] == 12345  # numbers split across pieces
    assert code["outputs"][1]["data"] == {"image/png": "", "application/json": {"a": [1.5]}}
    nbformat.validate(nbformat.from_dict(copy.deepcopy(skeleton)))


BROKEN = ["{", '{"a": 1} x', '{"a" 1}', '{"a": 12', '{"cells": [1,]}', '{"cells": [', "{1: 2}", ""]


@pytest.mark.parametrize("size", [1, 4, 1000])
@pytest.mark.parametrize("text", BROKEN)
def test_broken_json_is_refused_at_any_piece_size(text: str, size: int) -> None:
    with pytest.raises(ValueError):
        _NotebookReader(pieces(text, size)).skeleton()


def test_non_object_documents_come_back_as_they_are() -> None:
    assert _NotebookReader(pieces(" [1, 2] ", 1)).skeleton() == [1, 2]


def test_memory_follows_the_largest_cell_not_the_file(tmp_path: Path) -> None:
    nbformat.validate(new_notebook())  # load nbformat's schema before measuring
    small, small_size = _peak_reading(tmp_path, cells=16)
    large, large_size = _peak_reading(tmp_path, cells=64)  # 4 times the size, same cells
    assert large_size > 3.5 * small_size
    assert large < 1.25 * small, f"peak {large:,} bytes vs {small:,} for a quarter of the file"
    assert large < large_size / 2


def _peak_reading(tmp_path: Path, cells: int) -> tuple[int, int]:
    line = "row | 0.123456 | abcdefghijkl\n"
    output = new_output("stream", name="stdout", text=line * 10_000)
    nb = new_notebook(cells=[new_code_cell("print(rows)", outputs=[output]) for _ in range(cells)])
    path = tmp_path / f"{cells}.ipynb"
    path.write_text(json.dumps(nb))  # 400 kB cells: 6.4 and 25.6 MB
    size = path.stat().st_size
    tracemalloc.start()
    try:
        clean = read_notebook(NotebookSource(path.name, path=str(path)), 10**8)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert clean.size == size and clean.path == str(path) and clean.data == b""
    with clean.open() as file:
        assert file.read() == path.read_bytes()
    return peak, size


def test_an_upload_reads_a_notebook_in_pieces_however_much_is_asked(tmp_path: Path) -> None:
    # botocore asks for 1 MB at a time, twice (its checksums), before sending
    data = b"0123456789abcdef" * (3 * READ_PIECE_BYTES // 16 + 5)
    path = tmp_path / "x.ipynb"
    path.write_bytes(b"head" + data + b"tail")
    for clean in (
        CleanNotebook("x.ipynb", len(data), path=str(path), offset=4),
        CleanNotebook("x.ipynb", len(data), data=b"head" + data + b"tail", offset=4),
    ):
        with clean.open() as file:
            pieces = list(iter(lambda: file.read(1 << 20), b""))
            assert b"".join(pieces) == data
            assert max(map(len, pieces)) == READ_PIECE_BYTES and len(pieces) == 4
            file.seek(0)
            assert file.read() == data and file.read(10) == b""  # read() is still everything
            file.seek(-4, 2)
            assert file.read(100) == data[-4:]


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
    assert _empty_bulk(copy.deepcopy(cell)) == cell  # (nothing emptied: the schema sees it all)
