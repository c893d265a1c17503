"""The boto3 clients' request hooks, against the moto server."""

from __future__ import annotations

import io
import threading

import pytest
from botocore.exceptions import EndpointConnectionError

from atmo_lab.aws import AwsClients, WatchedBody

from .conftest import REGION


class _EndSpy(io.BytesIO):
    """Notes whether `sent` was already set each time the body was read to its end."""

    def __init__(self, data: bytes, sent: threading.Event) -> None:
        super().__init__(data)
        self.sent = sent
        self.ends: list[bool] = []

    def read(self, size: int | None = -1) -> bytes:
        piece = super().read(size)
        if not piece:
            self.ends.append(self.sent.is_set())
        return piece


def test_watched_body_is_sent_after_botocores_checksum_reads(aws):
    """botocore reads a file body for its checksums and seeks back before sending it: only
    the read that sends it sets `sent`."""
    data = b"{}" + b" " * 300_000
    sent = threading.Event()
    body = _EndSpy(data, sent)
    s3 = AwsClients(REGION).s3
    s3.put_object(Bucket="atmo-lab-code", Key="k", Body=WatchedBody(body, sent))
    assert sent.is_set()
    assert len(body.ends) >= 2 and not any(body.ends), body.ends  # (set after the last end)
    assert aws.client("s3").get_object(Bucket="atmo-lab-code", Key="k")["Body"].read() == data


def test_watched_body_is_not_sent_when_the_request_fails_before_sending(aws, monkeypatch):
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    sent = threading.Event()
    s3 = AwsClients(REGION, {"total_max_attempts": 1}).s3
    body = WatchedBody(io.BytesIO(b"{}"), sent)
    with pytest.raises(EndpointConnectionError):
        s3.put_object(Bucket="atmo-lab-code", Key="k", Body=body)
    assert not sent.is_set()
