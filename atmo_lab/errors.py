"""Errors raised by the core; adapters map them to HTTP codes, widget messages or exit codes."""

from __future__ import annotations

from collections.abc import Mapping


class AtmoError(Exception):
    """Base class: a message for people plus per-field messages."""

    status = 500

    def __init__(self, message: str, errors: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors: dict[str, str] = dict(errors or {})


class ValidationFailed(AtmoError):
    """The input is invalid; `errors` names each bad field."""

    status = 400

    def __init__(self, errors: Mapping[str, str], message: str | None = None) -> None:
        errors = dict(errors)
        if message is None:
            message = "; ".join(f"{field}: {text}" for field, text in errors.items())
        super().__init__(message, errors)


class NotFound(AtmoError):
    """No such object, or it belongs to someone else."""

    status = 404


class Conflict(AtmoError):
    """The request conflicts with the current state."""

    status = 409


class TooLarge(AtmoError):
    """The request body is larger than allowed."""

    status = 413


class AwsFailure(AtmoError):
    """AWS refused or failed; `code` is AWS's error code."""

    status = 502

    def __init__(self, operation: str, code: str, text: str) -> None:
        super().__init__(f"AWS {operation} failed: {code}: {text}")
        self.operation = operation
        self.code = code
        self.text = text
