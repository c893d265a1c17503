"""Notebook intake: the file name, the size limit and nbformat 4 validation.

A notebook comes as a file on this machine (``notebook_path`` through the contents manager), as
text, or as the parsed ``notebook`` of a request body. Its name and size are checked first
(:func:`take_notebook`), its content by :meth:`Notebook.validate`; the upload sends the file
or the bytes.
"""

from __future__ import annotations

import io
import json
import os
import re
import unicodedata
import urllib.parse
import warnings
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from ..errors import TooLarge, ValidationFailed
from ..validation import CONTROL_CHARS, SURROGATE_ESCAPE, LoneSurrogate, refuse_lone_surrogates

NOTEBOOK_SUFFIX = ".ipynb"
MAX_NAME_BYTES = 255
NOTEBOOK_CONTENT_TYPE = "application/x-ipynb+json"
NOT_JSON = "The notebook is not valid JSON."
NOT_UNICODE = (
    "The notebook holds text that is not valid Unicode (a \\uD800-\\uDFFF escape on its own)."
)


@dataclass(frozen=True)
class NotebookSource:
    """A notebook handed to the core: a local file (`path`), text or bytes, or the parsed
    ``notebook`` of a request body. ``name_field`` names the field errors about the name
    refer to."""

    name: str
    content: str | bytes | Mapping[str, Any] = b""
    path: str | None = None
    name_field: str = "notebook_name"


@dataclass(frozen=True)
class Notebook:
    """A notebook whose name and size were checked: its bytes, or the file that holds them."""

    name: str
    size: int
    data: bytes = b""
    path: str | None = None
    parsed: Mapping[str, Any] | None = None  # the body's notebook, already parsed and checked

    @contextmanager
    def open(self) -> Iterator[IO[bytes]]:
        """The notebook's bytes as a binary file, for the upload."""
        if self.path is None:
            yield io.BytesIO(self.data)
            return
        with readable():  # only opening it: errors while uploading are AWS's, not the file's
            file = open(self.path, "rb")  # noqa: SIM115 - closed below, after the upload
        with file:
            yield file

    def validate(self) -> None:
        """400 ``errors.notebook`` unless the content is a valid nbformat 4 notebook."""
        if self.parsed is not None:
            check_nbformat(self.parsed)
            return
        if self.path is None:
            data = self.data
        else:
            with readable(), open(self.path, "rb") as file:
                data = file.read()
        try:
            node = json.loads(data)
            if SURROGATE_ESCAPE.search(data):  # escaped pairs are fine; a lone one can't be run
                refuse_lone_surrogates(node)
        except LoneSurrogate:
            raise ValidationFailed({"notebook": NOT_UNICODE}) from None
        except (ValueError, RecursionError):  # (UnicodeDecodeError is a ValueError)
            raise ValidationFailed({"notebook": NOT_JSON}) from None
        check_nbformat(node)


@contextmanager
def readable() -> Iterator[None]:
    """A file that vanished or can't be read while it is used: 400 ``errors.notebook``."""
    try:
        yield
    except OSError as exc:
        message = f"The notebook could not be read ({exc.strerror or exc})."
        raise ValidationFailed({"notebook": message}) from None


def check_notebook_name(value: object, field: str = "notebook_name") -> str:
    """A plain file name ending in .ipynb (no folders, no control characters)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed({field: "Name the notebook (a file name ending in .ipynb)."})
    name = unicodedata.normalize("NFC", value)
    if not name.endswith(NOTEBOOK_SUFFIX) or len(name) == len(NOTEBOOK_SUFFIX):
        raise ValidationFailed({field: "Only Jupyter notebooks (.ipynb files) can be scheduled."})
    if "/" in name or "\\" in name or CONTROL_CHARS.search(name) or name != name.strip():
        raise ValidationFailed(
            {field: "Use a plain file name without folders or control characters."}
        )
    if name.startswith(".") or len(name.encode()) > MAX_NAME_BYTES:
        raise ValidationFailed(
            {field: f"Use a visible file name of at most {MAX_NAME_BYTES} bytes."}
        )
    return name


def check_size(size: int, limit: int) -> None:
    if size > limit:
        message = f"The notebook is {size:,} bytes; the limit is {limit:,} bytes."
        raise TooLarge(message, {"notebook": message})


def take_notebook(source: NotebookSource, max_bytes: int) -> Notebook:
    """Check a notebook's size (413) and name (400); its content is left to ``validate()``.

    A parsed body notebook is stored as nbformat writes a file (indented by one space)."""
    parsed = None
    if source.path is not None:
        with readable():
            size = os.stat(source.path).st_size
        data = b""
    elif isinstance(source.content, Mapping):
        parsed = source.content
        try:
            data = json.dumps(parsed, ensure_ascii=False, indent=1).encode("utf-8")
        except UnicodeEncodeError:
            raise ValidationFailed({"notebook": NOT_UNICODE}) from None
        size = len(data)
    else:
        content = source.content
        data = content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content
        size = len(data)
    check_size(size, max_bytes)
    name = check_notebook_name(source.name, source.name_field)
    return Notebook(name, size, data, source.path, parsed)


def read_notebook(source: NotebookSource, max_bytes: int) -> Notebook:
    """:func:`take_notebook`, then the content validated."""
    notebook = take_notebook(source, max_bytes)
    notebook.validate()
    return notebook


def check_nbformat(node: Any) -> None:
    """400 ``errors.notebook`` unless `node` is a valid nbformat 4 notebook."""
    if not isinstance(node, Mapping) or "nbformat" not in node:
        raise ValidationFailed({"notebook": "This is not a Jupyter notebook (no nbformat field)."})
    version = node.get("nbformat")
    if version != 4 or isinstance(version, bool):
        raise ValidationFailed(
            {
                "notebook": f"Only nbformat 4 notebooks can be scheduled (this one says "
                f"{version!r}); open and save it in JupyterLab to convert it."
            }
        )
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(node)  # (a plain dict: a NotebookNode copy would cost more)
    except Exception as exc:  # noqa: BLE001 - nbformat raises ValidationError, NBFormatError …
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationFailed(
            {"notebook": f"The notebook is not valid nbformat 4: {detail}"}
        ) from None


def notebook_key(identifier: str, name: str) -> str:
    return f"jobs/{identifier}/{name}"


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", ascii_name).strip() or "notebook.ipynb"
    if ascii_name.startswith("."):
        ascii_name = "notebook" + ascii_name
    quoted = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"
