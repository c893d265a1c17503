"""Test helpers: a real identity provider for several users, key material, a REST client."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jupyter_server.auth.authorizer import Authorizer
from jupyter_server.auth.identity import IdentityProvider, User
from tornado.httpclient import HTTPClientError

# Why a group of tests was skipped, and how to run it (`make test` starts both servers).
NO_POSTGRES = "PostgreSQL tests: set ATMO_LAB_TEST_POSTGRES_URL (make test starts a local server)"
NO_REDIS = "Redis tests: set ATMO_LAB_TEST_REDIS_URL (make test starts a local server)"

# token -> username; the server's own token (jp_auth_header) maps to the default owner.
USER_TOKENS = {"tok-alice": "alice", "tok-bob": "bob", "tok-mia": "mia"}


class TokenUsers(IdentityProvider):
    """An identity provider with named users, as JupyterHub gives a multi-user server."""

    def get_user(self, handler: Any) -> User | None:
        header = handler.request.headers.get("Authorization", "")
        token = header[len("token ") :] if header.startswith("token ") else ""
        username = "alice" if token and token == self.token else USER_TOKENS.get(token)
        if username is None:
            return None
        handler._token_authenticated = True  # token requests need no XSRF cookie
        return User(username=username)


class ReadOnlyClusters(Authorizer):
    """A deployment's authorizer that lets people look at clusters but not change them."""

    def is_authorized(self, handler: Any, user: User, action: str, resource: str) -> bool:
        return not (resource == "atmo_lab:clusters" and action == "write")


def public_key(kind: str = "ed25519", comment: str = "me@laptop") -> str:
    """A fresh OpenSSH public key line."""
    if kind == "rsa":
        private: Any = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    elif kind == "ecdsa":
        private = ec.generate_private_key(ec.SECP256R1())
    else:
        private = ed25519.Ed25519PrivateKey.generate()
    line = private.public_key().public_bytes(
        serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH
    )
    return f"{line.decode()} {comment}".strip()


def private_key_pem() -> str:
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    ).decode()


def private_key_openssh() -> str:
    private = ed25519.Ed25519PrivateKey.generate()
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.OpenSSH,
        serialization.NoEncryption(),
    ).decode()


@dataclass
class Reply:
    code: int
    body: bytes
    headers: Any

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Api:
    """Calls the REST API like a client would, returning every status instead of raising."""

    def __init__(self, jp_fetch: Any) -> None:
        self._fetch = jp_fetch

    async def __call__(
        self,
        method: str,
        path: str,
        body: Any = None,
        user: str | None = None,
        params: dict[str, Any] | None = None,
        raw_body: str | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> Reply:
        hdrs = dict(headers or {})
        if user is not None:
            token = {v: k for k, v in USER_TOKENS.items()}[user]
            hdrs["Authorization"] = f"token {token}"
        payload: Any = raw_body
        if payload is None and method in ("POST", "PUT", "PATCH"):
            payload = json.dumps(body if body is not None else {})
        try:
            response = await self._fetch(
                "atmo-lab", "api", *path.split("/"), method=method, body=payload,
                headers=hdrs or None, params=params,
            )  # fmt: skip
        except HTTPClientError as exc:
            assert exc.response is not None
            return Reply(exc.code, exc.response.body, exc.response.headers)
        return Reply(response.code, response.body, response.headers)
