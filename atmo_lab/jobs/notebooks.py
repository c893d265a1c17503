"""Notebook intake (nbformat 4 only) and the stored notebooks in the code bucket."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
import urllib.parse
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import nbformat
from botocore.exceptions import ClientError

from ..aws import aws_call, error_code
from ..core import Core
from ..errors import NotFound, TooLarge, ValidationFailed
from .rules import DEFAULT_KERNEL

NOTEBOOK_SUFFIX = ".ipynb"
MAX_NAME_BYTES = 255
NOTEBOOK_CONTENT_TYPE = "application/x-ipynb+json"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class NotebookSource:
    """A notebook handed to the core: a file name and its content (text, bytes or JSON).

    The REST handler builds one from ``notebook_path`` through the Jupyter contents manager
    (so the core never reads the server's files); ``name_field`` names the request field that
    errors about the name refer to.
    """

    name: str
    content: str | bytes | Mapping[str, Any]
    name_field: str = "notebook_name"


@dataclass(frozen=True)
class CleanNotebook:
    """A validated notebook: what is uploaded, and the kernel it asks for."""

    name: str
    data: bytes
    kernel: str


def check_notebook_name(value: object, field: str = "notebook_name") -> str:
    """A plain file name ending in .ipynb (no folders, no control characters)."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationFailed({field: "Name the notebook (a file name ending in .ipynb)."})
    name = unicodedata.normalize("NFC", value)
    if not name.endswith(NOTEBOOK_SUFFIX) or len(name) == len(NOTEBOOK_SUFFIX):
        raise ValidationFailed({field: "Only Jupyter notebooks (.ipynb files) can be scheduled."})
    if "/" in name or "\\" in name or _CONTROL.search(name) or name != name.strip():
        raise ValidationFailed(
            {field: "Use a plain file name without folders or control characters."}
        )
    if name.startswith(".") or len(name.encode()) > MAX_NAME_BYTES:
        raise ValidationFailed(
            {field: f"Use a visible file name of at most {MAX_NAME_BYTES} bytes."}
        )
    return name


def notebook_bytes(source: NotebookSource) -> bytes:
    content = source.content
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return json.dumps(content, ensure_ascii=False).encode("utf-8")


def check_size(size: int, limit: int) -> None:
    if size > limit:
        message = f"The notebook is {size:,} bytes; the limit is {limit:,} bytes."
        raise TooLarge(message, {"notebook": message})


def read_notebook(source: NotebookSource, max_bytes: int) -> CleanNotebook:
    """Validate a notebook: size (413), then JSON and nbformat 4 (400 ``errors.notebook``)."""
    data = notebook_bytes(source)
    check_size(len(data), max_bytes)
    name = check_notebook_name(source.name, source.name_field)
    invalid = "notebook"
    try:
        text = data.decode("utf-8")
        parsed = json.loads(text) if not isinstance(source.content, Mapping) else source.content
    except (UnicodeDecodeError, ValueError, RecursionError):  # (nested too deeply)
        raise ValidationFailed({invalid: "The notebook is not valid JSON."}) from None
    if not isinstance(parsed, Mapping) or "nbformat" not in parsed:
        raise ValidationFailed({invalid: "This is not a Jupyter notebook (no nbformat field)."})
    version = parsed.get("nbformat")
    if version != 4 or isinstance(version, bool):
        raise ValidationFailed(
            {
                invalid: f"Only nbformat 4 notebooks can be scheduled (this one says {version!r}); "
                "open and save it in JupyterLab to convert it."
            }
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            node = nbformat.reads(text, as_version=nbformat.NO_CONVERT)
            nbformat.validate(node)
    except Exception as exc:  # noqa: BLE001 - nbformat raises ValidationError, NBFormatError …
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValidationFailed(
            {invalid: f"The notebook is not valid nbformat 4: {detail}"}
        ) from None
    if isinstance(source.content, Mapping):
        data = nbformat.writes(node).encode("utf-8")
        check_size(len(data), max_bytes)
    return CleanNotebook(name=name, data=data, kernel=kernel_name(node))


def kernel_name(node: Mapping[str, Any]) -> str:
    """The kernel a notebook asks for (its kernelspec), ``python3`` when it names none."""
    metadata = node.get("metadata") or {}
    spec = metadata.get("kernelspec") if isinstance(metadata, Mapping) else None
    name = spec.get("name") if isinstance(spec, Mapping) else None
    return name if isinstance(name, str) and name else DEFAULT_KERNEL


def notebook_key(identifier: str, name: str) -> str:
    return f"jobs/{identifier}/{name}"


# --- the code bucket ---------------------------------------------------------------------------


def put_notebook(core: Core, key: str, data: bytes, only_if_absent: bool = False) -> bool:
    """Upload a notebook; False when `only_if_absent` and an object is already there."""
    kwargs: dict[str, Any] = {
        "Bucket": core.settings.code_bucket,
        "Key": key,
        "Body": data,
        "ContentType": NOTEBOOK_CONTENT_TYPE,
    }
    if only_if_absent:
        kwargs["IfNoneMatch"] = "*"
    with aws_call("PutObject"):
        try:
            core.aws.s3.put_object(**kwargs)
        except ClientError as exc:
            if only_if_absent and error_code(exc) in ("PreconditionFailed", "412"):
                return False
            raise
    return True


def notebook_age_seconds(core: Core, key: str) -> float | None:
    """How long ago the stored object was written (None when there is none)."""
    with aws_call("HeadObject"):
        try:
            head = core.aws.s3.head_object(Bucket=core.settings.code_bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
    modified = head["LastModified"]
    return (dt.datetime.now(dt.timezone.utc) - modified).total_seconds()


def delete_notebook(core: Core, key: str) -> None:
    with aws_call("DeleteObject"):
        core.aws.s3.delete_object(Bucket=core.settings.code_bucket, Key=key)


@dataclass
class NotebookDownload:
    """An open stored notebook: read ``body`` in chunks (blocking) and close it."""

    filename: str
    length: int | None
    body: Any

    def read(self, size: int) -> bytes:
        with aws_call("GetObject"):
            return bytes(self.body.read(size))

    def close(self) -> None:
        self.body.close()


def open_stored_notebook(core: Core, key: str, name: str) -> NotebookDownload:
    with aws_call("GetObject"):
        try:
            response = core.aws.s3.get_object(Bucket=core.settings.code_bucket, Key=key)
        except ClientError as exc:
            if error_code(exc) in ("NoSuchKey", "404"):
                raise NotFound(f"The stored notebook {name} is missing.") from None
            raise
    length = response.get("ContentLength")
    return NotebookDownload(name, int(length) if length is not None else None, response["Body"])


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the RFC 5987 UTF-8 name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9._ ()+-]", "_", ascii_name).strip() or "notebook.ipynb"
    if ascii_name.startswith("."):
        ascii_name = "notebook" + ascii_name
    quoted = urllib.parse.quote(name, safe="")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quoted}"
