"""What the schedule form starts from, read from a notebook on the server: a suggested job
identifier, the parameters papermill finds in it, and its first heading."""

from __future__ import annotations

import json
import os
import re
import tempfile
from typing import Any

from ..errors import ValidationFailed
from .notebooks import NotebookSource, check_notebook_name, readable

HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)


def notebook_facts(source: NotebookSource) -> dict[str, Any]:
    """What the schedule form starts from: a job ``identifier`` from the file name, the
    notebook's ``parameters`` (the cell tagged ``parameters``, read by papermill's
    ``inspect_notebook``; the values that are Python literals JSON can carry), the names left
    out (``skipped``: other values, and names a job can't take), and its first Markdown
    heading (``title``, or None)."""
    from .fields import identifier_from_file_name

    name = check_notebook_name(source.name, source.name_field)
    facts = {"identifier": identifier_from_file_name(name)}
    if source.path is not None:
        return {**facts, **_read_facts(source.path)}
    content = source.content
    data = content.encode("utf-8") if isinstance(content, str) else content
    with tempfile.TemporaryDirectory(prefix="atmo-lab-") as folder:  # papermill reads paths
        path = os.path.join(folder, name)
        with open(path, "wb") as file:
            file.write(data if isinstance(data, bytes) else json.dumps(data).encode())
        return {**facts, **_read_facts(path)}


def _read_facts(path: str) -> dict[str, Any]:
    import nbformat
    from papermill import inspect_notebook

    from .fields import parameter_name_problem

    with readable():
        try:
            node = nbformat.read(path, as_version=4)
            found = inspect_notebook(path)
        except (ValueError, RecursionError, nbformat.reader.NotJSONError) as exc:
            raise ValidationFailed({"notebook_path": f"This is not a notebook: {exc}"}) from None
    parameters: dict[str, Any] = {}
    skipped: list[str] = []
    for name, parameter in found.items():
        value = _literal(parameter.get("default"))
        if parameter_name_problem(name) is None and value is not _NOT_LITERAL:
            parameters[name] = value
        else:
            skipped.append(name)
    return {"parameters": parameters, "skipped": skipped, "title": _first_heading(node)}


_NOT_LITERAL = object()


def _literal(text: object) -> Any:
    """A Python literal's value when JSON can carry it (else _NOT_LITERAL)."""
    import ast

    try:
        value = ast.literal_eval(str(text))
        json.dumps(value, allow_nan=False)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return _NOT_LITERAL
    return value


def _first_heading(node: Any) -> str | None:
    for cell in node.get("cells", []):
        if cell.get("cell_type") == "markdown":
            found = HEADING.search(cell.get("source", ""))
            if found:
                return found.group(1).strip()
    return None
