"""Validation and fingerprints of OpenSSH public keys."""

from __future__ import annotations

import base64
import binascii
import hashlib
import warnings
from dataclasses import dataclass

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.serialization import load_ssh_public_key

from ..errors import ValidationFailed
from ..validation import CONTROL_CHARS

MAX_KEY_LENGTH = 100_000
MAX_TITLE_LENGTH = 100
VALID_PREFIXES = (
    "ssh-rsa",
    "ssh-dss",
    "ecdsa-sha2-nistp256",
    "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521",
    "ssh-ed25519",
)

TOO_LARGE = "The submitted key was larger than 100kB, please submit a smaller one"
INVALID = "The submitted key is invalid or misformatted."
UNSUPPORTED = (
    "The submitted key is not supported. It should start with one of the following prefixes: "
    + ", ".join(VALID_PREFIXES)
    + "."
)
PRIVATE = (
    "This is a private key. Never share it: paste the matching public key instead "
    "(the .pub file, for example ~/.ssh/id_ed25519.pub)."
)
PRIVATE_MARKERS = ("PRIVATE KEY", "PuTTY-User-Key-File", "OPENSSH PRIVATE")


@dataclass(frozen=True)
class ParsedKey:
    """A validated public key line."""

    key: str
    prefix: str
    fingerprint: str
    fingerprint_sha256: str
    comment: str


def md5_fingerprint(blob: bytes) -> str:
    """The legacy OpenSSH MD5 fingerprint, ``50:a2:…``."""
    digest = hashlib.md5(blob, usedforsecurity=False).hexdigest()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def sha256_fingerprint(blob: bytes) -> str:
    """The OpenSSH ``SHA256:…`` fingerprint."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def parse_public_key(text: object) -> ParsedKey:
    """Validate an OpenSSH public key line; raise ValidationFailed naming ``key``."""
    if not isinstance(text, str) or not text.strip():
        raise ValidationFailed(
            {"key": "Paste an OpenSSH public key (the contents of a .pub file)."}
        )
    key = text.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed({"key": TOO_LARGE})
    if any(marker in key for marker in PRIVATE_MARKERS):
        raise ValidationFailed({"key": PRIVATE})
    if CONTROL_CHARS.search(key):  # one line
        raise ValidationFailed({"key": INVALID})
    parts = key.split()
    if len(parts) < 2:
        raise ValidationFailed({"key": INVALID})
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # DSA keys are deprecated but still accepted
            load_ssh_public_key(key.encode())
    except UnsupportedAlgorithm:
        raise ValidationFailed({"key": UNSUPPORTED}) from None
    except (ValueError, TypeError):
        raise ValidationFailed({"key": INVALID}) from None
    if parts[0] not in VALID_PREFIXES:
        raise ValidationFailed({"key": UNSUPPORTED})
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise ValidationFailed({"key": INVALID}) from None
    return ParsedKey(
        key=key,
        prefix=parts[0],
        fingerprint=md5_fingerprint(blob),
        fingerprint_sha256=sha256_fingerprint(blob),
        comment=" ".join(parts[2:]),
    )


def validate_title(title: object) -> str:
    """A non-empty title of at most 100 characters."""
    if not isinstance(title, str) or not title.strip():
        raise ValidationFailed({"title": "Give the key a title."})
    title = title.strip()
    if CONTROL_CHARS.search(title):
        raise ValidationFailed({"title": "Use a one-line title without control characters."})
    if len(title) > MAX_TITLE_LENGTH:
        raise ValidationFailed(
            {"title": f"The title is longer than {MAX_TITLE_LENGTH} characters."}
        )
    return title


def duplicate_message(fingerprint: str) -> str:
    return (
        f"There is already a SSH key with the fingerprint {fingerprint}. "
        "Please try a different one or use the one already uploaded."
    )
