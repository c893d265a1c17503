"""The identity provider of the live-server tests: named token users plus real cookie login.

``Authorization: token tok-<name>`` identifies alice, bob or mia (as tests/support.py's
TokenUsers does). Everything else goes through jupyter_server's own IdentityProvider: the
server's token (header or ``?token=``) and the login cookie it sets, so cookie-authenticated
requests are subject to jupyter_server's XSRF check exactly as in a browser. The server's
token identifies "carol" (instead of a random anonymous name), so what a cookie session
creates has a stable owner.
"""

from __future__ import annotations

from typing import Any

from jupyter_server.auth.identity import IdentityProvider, User

USER_TOKENS = {"tok-alice": "alice", "tok-bob": "bob", "tok-mia": "mia"}
COOKIE_USER = "carol"


class SecUsers(IdentityProvider):
    def get_user(self, handler: Any) -> Any:
        header = handler.request.headers.get("Authorization", "")
        token = header[len("token ") :] if header.startswith("token ") else ""
        username = USER_TOKENS.get(token)
        if username is not None:
            handler._token_authenticated = True  # token requests need no XSRF cookie
            return User(username=username)
        return super().get_user(handler)

    def generate_anonymous_user(self, handler: Any) -> User:
        return User(username=COOKIE_USER, name=COOKIE_USER)
