"""AWS faults for the tests (no tests here): a botocore ``before-send`` hook on one of the
core's clients that answers the first N calls of an operation with an error, as AWS would,
without the request reaching the emulator. boto3's retry handler sees a real error response
(ThrottlingException, HTTP 500, S3 SlowDown …) and backs off and retries as in production."""

from __future__ import annotations

import time
from typing import Any

from botocore.awsrequest import AWSResponse

_S3_ERROR = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    "<Error><Code>{code}</Code><Message>{message}</Message><RequestId>injected</RequestId></Error>"
)
# kind -> (HTTP status, AWS error code, message)
KINDS = {
    "throttle": (400, "ThrottlingException", "Rate exceeded"),
    "500": (500, "InternalServerError", "Injected internal error"),
    "s3-500": (500, "InternalError", "We encountered an internal error. Please try again."),
    "s3-slowdown": (503, "SlowDown", "Please reduce your request rate."),
}


class _Body:
    def __init__(self, data: bytes) -> None:
        self.data = data

    def stream(self, **_: Any) -> Any:
        yield self.data


class Fault:
    """Fail the next `times` calls of `operation` on `client` (``times=None``: every call).

    ``attempts`` records when each attempt of the operation was made (failed or not).
    """

    def __init__(self, client: Any, operation: str, kind: str, times: int | None = None) -> None:
        self.client, self.operation, self.kind = client, operation, kind
        self.remaining = times
        self.attempts: list[float] = []
        self.injected = 0
        service = client.meta.service_model.service_id.hyphenize()
        self.event = f"before-send.{service}.{operation}"
        client.meta.events.register_first(self.event, self._send)

    def _send(self, request: Any, **_: Any) -> AWSResponse | None:
        self.attempts.append(time.monotonic())
        if self.remaining is not None:
            if self.remaining <= 0:
                return None
            self.remaining -= 1
        self.injected += 1
        status, code, message = KINDS[self.kind]
        if self.kind.startswith("s3"):
            body = _S3_ERROR.format(code=code, message=message).encode()
            headers = {"Content-Type": "application/xml"}
        else:
            body = f'{{"__type": "{code}", "message": "{message}"}}'.encode()
            headers = {"x-amzn-ErrorType": code, "Content-Type": "application/x-amz-json-1.1"}
        return AWSResponse(request.url, status, headers, _Body(body))

    def remove(self) -> None:
        self.client.meta.events.unregister(self.event, self._send)

    def backoff_seconds(self) -> float:
        """Time between the first and the last attempt (boto3's backoff, plus the calls)."""
        return self.attempts[-1] - self.attempts[0] if len(self.attempts) > 1 else 0.0


def max_attempts(client: Any) -> int:
    """The total attempts boto3 makes for one call on `client` (its retry configuration)."""
    retries = client.meta.config.retries or {}
    return int(retries.get("total_max_attempts") or retries.get("max_attempts", 2) + 1)
