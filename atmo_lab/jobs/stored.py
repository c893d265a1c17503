"""The stored notebooks in the code bucket (``jobs/<identifier>/<file>``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from ..aws import aws_call, error_code
from ..core import Core
from ..errors import NotFound
from .notebooks import NOTEBOOK_CONTENT_TYPE, Notebook


def put_notebook(
    core: Core,
    key: str,
    notebook: Notebook,
    only_if_absent: bool = False,
) -> bool:
    """Upload a notebook (streamed from its file when it has one); False when
    `only_if_absent` and an object is already there."""
    kwargs: dict[str, Any] = {
        "Bucket": core.settings.code_bucket,
        "Key": key,
        "ContentType": NOTEBOOK_CONTENT_TYPE,
        "ContentLength": notebook.size,
    }
    if only_if_absent:
        kwargs["IfNoneMatch"] = "*"
    with aws_call("PutObject"), notebook.open() as body:
        try:
            core.aws.s3.put_object(Body=body, **kwargs)
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
