"""Notebook intake: names, sizes and nbformat 4 validation, streamed a cell at a time.

A notebook file is never held in memory whole: the reader parses it one top-level value (and one
cell) at a time, keeps the structure nbformat's schema checks but not the bulk of sources and
outputs, and the upload streams the file. Memory stays near the size of the largest cell.
"""

from __future__ import annotations

import codecs
import io
import json
import os
import re
import unicodedata
import urllib.parse
import warnings
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from ..errors import TooLarge, ValidationFailed
from ..validation import (
    CONTROL_CHARS,
    SURROGATE_ESCAPE,
    SURROGATE_ESCAPE_TEXT,
    LoneSurrogate,
    refuse_lone_surrogates,
)

NOTEBOOK_SUFFIX = ".ipynb"
MAX_NAME_BYTES = 255
NOTEBOOK_CONTENT_TYPE = "application/x-ipynb+json"
# Notebooks are read 256 KiB at a time: a 1 MiB window was no faster to parse (1 MB: 3.05 →
# 2.61 ms validating, 50 MB: 157 → 125 ms) and held twice the memory (1.99 → 1.06 MB at 1 MB).
READ_CHARS = 1 << 18
READ_PIECE_BYTES = 1 << 18  # the most an upload's body gives at a time (see _FileRange)
NOT_JSON = "The notebook is not valid JSON."
NOT_UNICODE = (
    "The notebook holds text that is not valid Unicode (a \\uD800-\\uDFFF escape on its own)."
)
# A body read around its notebook: the members after it are looked for in its last bytes.
TAIL_BYTES = 64 * 1024
_SPACES = re.compile(r"[ \t\r\n]*")
_DECODER = json.JSONDecoder()
BinaryFile = IO[bytes] | io.RawIOBase


class NotebookNotRead(Exception):
    """A body read around its notebook (:func:`read_body_around_notebook`) must be read whole:
    the range taken for its notebook is not one JSON value, or holds a lone surrogate escape.
    Nothing a client sent is wrong yet; the whole reading answers."""


@dataclass(frozen=True)
class NotebookSource:
    """A notebook handed to the core: a file name and its content, a file to read, or the
    notebook of a request body.

    The REST handler builds one from ``notebook_path`` through the Jupyter contents manager
    (a local ``path`` when the contents live on this machine's disk, else the text);
    ``name_field`` names the request field that errors about the name refer to.
    """

    name: str
    content: str | bytes | Mapping[str, Any] = ""
    path: str | None = None
    name_field: str = "notebook_name"
    sent: SentNotebook | None = None


@dataclass(frozen=True)
class CleanNotebook:
    """A notebook whose name and size were checked: its bytes, or the file that holds them.

    :meth:`validate` checks the content; :func:`read_notebook` does both.
    """

    name: str
    size: int
    data: bytes = b""
    path: str | None = None
    offset: int | None = None  # where the notebook starts in `data` or `path` (None: at 0)
    skeleton: Any = None  # its structure, when it was read on the way in (a request body)
    read_around: bool = False  # a body's notebook whose end was found from the body's tail

    @contextmanager
    def open(self) -> Iterator[BinaryFile]:
        """The notebook's bytes as a binary file, for streaming uploads."""
        file: BinaryFile
        if self.path is None:
            file = io.BytesIO(self.data)  # (shares the bytes, copies nothing)
        else:
            with _readable():  # only opening it: errors while uploading are AWS's, not the file's
                file = open(self.path, "rb")  # noqa: SIM115 - closed below, after the upload
        with file:
            yield _FileRange(file, self.offset or 0, self.size)

    def validate(self) -> None:
        """400 ``errors.notebook`` unless the content is a valid nbformat 4 notebook."""
        if self.skeleton is not None:
            check_nbformat(self.skeleton)
            return
        if self.read_around:
            check_nbformat(self._read_range())
            return
        with _readable(), self.open() as file:
            _check_content(_utf8_file_reader(file))

    def _read_range(self) -> Any:
        """The structure of a body's notebook read around: NotebookNotRead unless its range
        holds exactly one JSON value (it is then the value the whole body's reading finds)."""
        try:
            with _readable(), self.open() as file:
                return _NotebookReader(_utf8_file_reader(file)).skeleton()
        except (UnicodeDecodeError, ValueError, RecursionError) as exc:
            raise NotebookNotRead(str(exc)) from None


class _FileRange(io.RawIOBase):
    """`length` bytes of a binary file from `offset`, as a seekable file of their own.

    ``read(n)`` returns at most :data:`READ_PIECE_BYTES`, read straight into the bytes returned:
    botocore reads an upload's body twice in 1 MB pieces for its checksums, and with
    ``RawIOBase.read`` (a buffer filled, then copied) a 1 MB notebook was held twice more.
    """

    def __init__(self, file: IO[bytes], offset: int, length: int) -> None:
        super().__init__()
        self._file = file
        self._offset = offset
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def read(self, size: int | None = -1) -> bytes:
        left = self._length - self._pos
        want = left if size is None or size < 0 else min(size, left, READ_PIECE_BYTES)
        if want <= 0:
            return b""
        self._file.seek(self._offset + self._pos)
        piece = self._file.read(want)
        self._pos += len(piece)
        return piece

    def readinto(self, buffer: Any) -> int:
        want = min(len(buffer), self._length - self._pos)
        if want <= 0:
            return 0
        self._file.seek(self._offset + self._pos)
        got = self._file.readinto(memoryview(buffer)[:want])  # type: ignore[attr-defined]
        self._pos += got
        return int(got)


@contextmanager
def _readable() -> Iterator[None]:
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


def read_notebook(source: NotebookSource, max_bytes: int) -> CleanNotebook:
    """Validate a notebook: size (413), then JSON and nbformat 4 (400 ``errors.notebook``)."""
    notebook = prepare_notebook(source, max_bytes)
    notebook.validate()
    return notebook


def prepare_notebook(source: NotebookSource, max_bytes: int) -> CleanNotebook:
    """Check a notebook's size (413) and name (400); its content is left to ``validate()``."""
    sent = source.sent
    if sent is not None:
        check_size(sent.length, max_bytes)
        name = check_notebook_name(source.name, source.name_field)
        return CleanNotebook(
            name,
            sent.length,
            sent.body,
            sent.path,
            sent.offset,
            skeleton=sent.skeleton,
            read_around=sent.skeleton is None,
        )
    if source.path is not None:
        with _readable():
            size = os.stat(source.path).st_size
        check_size(size, max_bytes)
        name = check_notebook_name(source.name, source.name_field)
        return CleanNotebook(name, size, path=source.path)
    content = source.content
    if isinstance(content, Mapping):  # already parsed (the request body): serialise it once
        data = json.dumps(content, ensure_ascii=False).encode("utf-8")
    else:
        data = content.encode("utf-8") if isinstance(content, str) else content
    check_size(len(data), max_bytes)
    return CleanNotebook(check_notebook_name(source.name, source.name_field), len(data), data=data)


def _utf8_file_reader(file: BinaryFile) -> Callable[[int], str]:
    """``read(n)`` over a binary file of UTF-8, decoding a piece at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()

    def read(n: int) -> str:
        piece = file.read(n)
        return decoder.decode(piece, final=not piece)

    return read


def _check_content(read: Callable[[int], str]) -> None:
    """400 ``errors.notebook`` unless the text `read` returns is a valid nbformat 4 notebook."""
    try:
        skeleton = _NotebookReader(read).skeleton()
    except LoneSurrogate:
        raise ValidationFailed({"notebook": NOT_UNICODE}) from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # (nested too deeply)
        raise ValidationFailed({"notebook": NOT_JSON}) from None
    check_nbformat(skeleton)


@dataclass(frozen=True)
class _ByteSpan:
    offset: int
    length: int
    skeleton: Any


@dataclass(frozen=True)
class SentNotebook:
    """The notebook object of a request body, kept as the bytes it was sent as: a byte range
    of the body (in memory, or in the file it was spooled to), and its structure as read on
    the way (cells emptied), which is what validation checks. A body read around its notebook
    has no structure yet (``skeleton`` None): validation reads the range."""

    skeleton: Any
    offset: int
    length: int
    body: bytes = b""
    path: str | None = None


def read_body(body: bytes) -> Any:
    """A JSON request body read without building its notebook: an object ``notebook``
    becomes a :class:`SentNotebook` (ValueError when the body isn't UTF-8 JSON)."""
    return _read_body(io.BytesIO(body), body=body)


def read_body_file(path: str) -> Any:
    """:func:`read_body` for a body in a file (read a piece at a time)."""
    with open(path, "rb") as file:
        return _read_body(file, path=path)


def read_body_around_notebook(body: bytes) -> dict[str, Any] | None:
    """The fields of a JSON body without reading its notebook object: only the members before
    it (in its first :data:`READ_PIECE_BYTES`) and after it (in its last :data:`TAIL_BYTES`)
    are read, and its :class:`SentNotebook` has no structure until ``validate()`` reads its
    range (:class:`NotebookNotRead` when the range proves wrong). None when the body is to be
    read whole (:func:`read_body`): no notebook object near its start, no clear end for it, a
    second ``notebook`` after it, or a surrogate escape outside it."""
    return _read_around(io.BytesIO(body), len(body), body=body)


def read_body_file_around_notebook(path: str) -> dict[str, Any] | None:
    """:func:`read_body_around_notebook` for a body in a file."""
    with open(path, "rb") as file:
        return _read_around(file, os.fstat(file.fileno()).st_size, path=path)


def _read_around(
    file: BinaryFile, size: int, body: bytes = b"", path: str | None = None
) -> dict[str, Any] | None:
    head = file.read(READ_PIECE_BYTES)
    try:
        found = _NotebookReader(_utf8_file_reader(io.BytesIO(head))).members_before_notebook()
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None  # (the whole reading names what is wrong)
    if found is None:
        return None
    fields, start = found
    file.seek(max(start + 1, size - TAIL_BYTES))
    window = file.read()
    tail = _tail_start(window)
    after = _members_after_notebook(window[tail:])
    if after is None:
        return None
    closed, members = after  # (`closed`: just after the notebook's closing brace, in the tail)
    # (the members before it were read by _NotebookReader, which refuses lone surrogates)
    if "notebook" in members or SURROGATE_ESCAPE.search(window, tail + closed):
        return None
    end = size - len(window) + tail + closed
    fields["notebook"] = SentNotebook(None, start, end - start, body, path)
    fields.update(members)  # (a repeated key counts as its last value, as for json.loads)
    return fields


def _tail_start(window: bytes) -> int:
    """Where a tail's first character starts (past UTF-8 continuation bytes)."""
    at = 0
    while at < len(window) and 0x80 <= window[at] < 0xC0:
        at += 1
    return at


def same_reading(whole: Any, around: Mapping[str, Any]) -> bool:
    """Whether a body's whole reading (:func:`read_body`) is the one read around its notebook."""
    if not isinstance(whole, dict) or whole.keys() != around.keys():
        return False
    sent, taken = whole["notebook"], around["notebook"]
    if not isinstance(sent, SentNotebook) or (sent.offset, sent.length) != (
        taken.offset,
        taken.length,
    ):
        return False
    return all(whole[key] == around[key] for key in whole if key != "notebook")


def _members_after_notebook(tail: bytes) -> tuple[int, dict[str, Any]] | None:
    """Where the notebook object ends in the last bytes of a body, and the members after it.

    Its closing brace is the leftmost "}" in `tail` after which the body reads as the end of an
    object: "}", or "," and members then "}", and nothing else. From a "}" nested deeper in the
    notebook the body closes one object too many; from one inside a string, every quote swaps
    strings and the rest, so the body's last "}" falls inside a string: neither reads so. (Only
    the members after the notebook may hold more such braces, right of the real one.) None when
    `tail` holds no such brace, or the search would read too much.
    """
    try:
        text = tail.decode("utf-8")
    except UnicodeDecodeError:
        return None
    last = len(text.rstrip(" \t\r\n"))
    if not text.endswith("}", 0, last):
        return None
    found: tuple[int, dict[str, Any]] | None = None
    effort = 0
    brace = text.rfind("}", 0, last - 1)
    while brace >= 0:
        members, reached = _end_of_object(text, brace + 1, last)
        if members is not None:
            found = (brace, members)
        effort += reached - brace
        if effort > 4 * TAIL_BYTES:
            return None
        brace = text.rfind("}", 0, brace)
    if found is None:
        return None
    brace, members = found
    return _utf8_length(text[: brace + 1]), members


def _end_of_object(text: str, pos: int, last: int) -> tuple[dict[str, Any] | None, int]:
    """The members from `pos` to the end of an object closing at ``text[last - 1]``, or None;
    and how far the reading got."""
    pos = _skip_space(text, pos)
    if text.startswith("}", pos):
        return ({} if pos == last - 1 else None), pos
    members: dict[str, Any] = {}
    while text.startswith(",", pos):
        pos = _skip_space(text, pos + 1)
        if not text.startswith('"', pos):
            return None, pos
        try:
            key, pos = _DECODER.raw_decode(text, pos)
            pos = _skip_space(text, pos)
            if not text.startswith(":", pos):
                return None, pos
            members[key], pos = _DECODER.raw_decode(text, _skip_space(text, pos + 1))
        except json.JSONDecodeError as exc:
            return None, exc.pos
        pos = _skip_space(text, pos)
        if pos == last - 1:
            return members, pos
    return None, pos


def _skip_space(text: str, pos: int) -> int:
    return _SPACES.match(text, pos).end()  # type: ignore[union-attr]


def _read_body(file: BinaryFile, body: bytes = b"", path: str | None = None) -> Any:
    try:
        fields = _NotebookReader(_utf8_file_reader(file)).body_fields()
    except (UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(str(exc)) from None
    span = fields.get("notebook") if isinstance(fields, dict) else None
    if isinstance(span, _ByteSpan):
        fields["notebook"] = SentNotebook(span.skeleton, span.offset, span.length, body, path)
    return fields


def check_nbformat(node: Any) -> None:
    """400 ``errors.notebook`` unless `node` is a valid nbformat 4 notebook."""
    invalid = "notebook"
    if not isinstance(node, Mapping) or "nbformat" not in node:
        raise ValidationFailed({invalid: "This is not a Jupyter notebook (no nbformat field)."})
    version = node.get("nbformat")
    if version != 4 or isinstance(version, bool):
        raise ValidationFailed(
            {
                invalid: f"Only nbformat 4 notebooks can be scheduled (this one says {version!r}); "
                "open and save it in JupyterLab to convert it."
            }
        )
    import nbformat

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nbformat.from_dict(node))
    except Exception as exc:  # noqa: BLE001 - nbformat raises ValidationError, NBFormatError …
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationFailed(
            {invalid: f"The notebook is not valid nbformat 4: {detail}"}
        ) from None


class _NotebookStart(Exception):
    def __init__(self, offset: int) -> None:
        self.offset = offset


class _NotebookReader:
    """Parses a notebook's JSON from ``read(n)`` one value at a time.

    Top-level values are decoded whole (they are small) except ``cells``, whose elements are
    decoded one by one and emptied (:func:`_empty_bulk`) before the next is read. A value
    holding a lone surrogate escape raises LoneSurrogate (a ValueError): papermill could not
    write such a notebook out.
    """

    def __init__(self, read: Callable[[int], str]) -> None:
        self._read = read
        self._text = ""
        self._pos = 0
        self._eof = False
        self._decoder = json.JSONDecoder()
        self._dropped_bytes = 0

    def skeleton(self, member: Callable[[str], Any] | None = None) -> Any:
        """The document, its cells emptied (any other JSON value is returned as it is)."""
        value = self._object(member) if self._peek() == "{" else self._value()
        self._expect_end()
        return value

    def body_fields(self) -> Any:
        """A request body's fields; an object ``notebook`` is read (cells emptied) and kept
        with its (offset, length) in bytes, for the upload to send its bytes as they were."""
        return self.skeleton(self._body_member)

    def _body_member(self, key: str) -> Any:
        if key != "notebook" or self._peek() != "{":
            return self._value()
        start = self.byte_offset()
        skeleton = self._object()
        return _ByteSpan(start, self.byte_offset() - start, skeleton)

    def byte_offset(self) -> int:
        """UTF-8 bytes read before the current position."""
        return self._dropped_bytes + _utf8_length(self._text[: self._pos])

    def members_before_notebook(self) -> tuple[dict[str, Any], int] | None:
        """The members of a body before an object ``notebook``, and the byte offset where that
        object starts; None when the body is no object or has no such member."""
        if self._peek() != "{":
            return None
        members: dict[str, Any] = {}
        try:
            self._object(self._stop_at_notebook, into=members)
        except _NotebookStart as start:
            return members, start.offset
        return None

    def _stop_at_notebook(self, key: str) -> Any:
        if key == "notebook" and self._peek() == "{":
            raise _NotebookStart(self.byte_offset())
        return self._value()

    def _object(
        self, member: Callable[[str], Any] | None = None, into: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """An object (its members added to `into`, if given); `member` reads each value (by
        default: cells streamed, the rest whole). A repeated key counts as its last value, as
        for json.loads."""
        member = member or self._notebook_member
        top: dict[str, Any] = {} if into is None else into
        self._expect("{")
        if self._peek() == "}":
            self._pos += 1
            return top
        while True:
            if self._peek() != '"':
                raise ValueError("expected a key")
            key = self._value()
            self._expect(":")
            top[key] = member(key)
            if self._next_of(",}") == "}":
                return top

    def _notebook_member(self, key: str) -> Any:
        return self._cells() if key == "cells" and self._peek() == "[" else self._value()

    def _expect_end(self) -> None:
        if self._peek() != "":
            raise ValueError("extra data after the notebook")

    def _cells(self) -> list[Any]:
        cells: list[Any] = []
        self._expect("[")
        if self._peek() == "]":
            self._pos += 1
            return cells
        while True:
            cells.append(_empty_bulk(self._value()))
            if self._next_of(",]") == "]":
                return cells

    def _value(self) -> Any:
        """The JSON value at the current position (reading more until it is complete)."""
        self._peek()
        if not self._eof and len(self._text) - self._pos < READ_CHARS:
            self._fill(READ_CHARS)  # most values then decode at the first attempt
        want = READ_CHARS
        while True:
            try:
                value, end = self._decoder.raw_decode(self._text, self._pos)
            except ValueError:
                if self._eof:
                    raise
            else:
                # A number at the end of the text may continue in the next piece.
                if end < len(self._text) or self._eof:
                    if SURROGATE_ESCAPE_TEXT.search(self._text, self._pos, end):
                        refuse_lone_surrogates(value)  # (escaped pairs are fine)
                    self._pos = end
                    return value
            self._fill(want)
            want *= 2  # doubling keeps re-decoding a large value linear overall

    def _peek(self) -> str:
        """The next non-space character ("" at the end), without consuming it."""
        while True:
            while self._pos < len(self._text) and self._text[self._pos] in " \t\n\r":
                self._pos += 1
            if self._pos < len(self._text) or self._eof:
                return self._text[self._pos : self._pos + 1]
            self._fill(READ_CHARS)

    def _expect(self, char: str) -> None:
        if self._peek() != char:
            raise ValueError(f"expected {char!r}")
        self._pos += 1

    def _next_of(self, chars: str) -> str:
        found = self._peek()
        if not found or found not in chars:
            raise ValueError(f"expected one of {chars!r}")
        self._pos += 1
        return found

    def _fill(self, want: int) -> None:
        if self._pos > len(self._text) // 2:  # drop what was consumed
            self._dropped_bytes += _utf8_length(self._text[: self._pos])
            self._text, self._pos = self._text[self._pos :], 0
        piece = self._read(want)
        if not piece:
            self._eof = True
        self._text += piece


def _utf8_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8"))


def _empty_bulk(cell: Any) -> Any:
    """`cell` with its source, output texts and data emptied; the structure stays as sent,
    so the schema still checks every field's type (a list holding a non-string is kept)."""
    if not isinstance(cell, dict):
        return cell
    _empty_text(cell, "source")
    outputs = cell.get("outputs")
    for output in outputs if isinstance(outputs, list) else ():
        if isinstance(output, dict):
            _empty_text(output, "text")
            _empty_bundle(output.get("data"))
    attachments = cell.get("attachments")
    if isinstance(attachments, dict):
        for bundle in attachments.values():
            _empty_bundle(bundle)
    return cell


def _empty_bundle(bundle: Any) -> None:
    if isinstance(bundle, dict):
        for mime in list(bundle):
            if not mime.endswith("json"):  # JSON mimetypes hold any JSON value
                _empty_text(bundle, mime)


def _empty_text(node: dict[str, Any], key: str) -> None:
    value = node.get(key)
    if isinstance(value, str):
        node[key] = ""
    elif isinstance(value, list) and _all_strings(value):
        node[key] = []


def _all_strings(values: list[Any]) -> bool:
    """Whether every item is a string (joining them is four times faster than checking types
    one by one, and the decoder makes no str subclasses)."""
    try:
        "".join(values)
    except TypeError:
        return False
    return True


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
