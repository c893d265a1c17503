"""The OpenAPI document describes exactly the registered routes."""

from __future__ import annotations

import re

from atmo_lab.openapi import openapi_document

ROUTE_PREFIX = "/atmo-lab/api"


def registered_routes(jp_serverapp) -> dict[str, set[str]]:
    """Path template -> HTTP methods of every handler the extension registered."""
    app = jp_serverapp.extension_manager.extension_points["atmo_lab"].app
    routes: dict[str, set[str]] = {}
    for pattern, handler, *_ in app.handlers:
        path = pattern[pattern.index(ROUTE_PREFIX) + len(ROUTE_PREFIX) :]
        path = path.replace("([^/]+)", "{id}")
        methods = {
            m for m in ("get", "post", "patch", "put", "delete") if m in own_methods(handler)
        }
        actions = re.fullmatch(r"(.*)\((\w+(?:\|\w+)+)\)", path)
        paths = [actions[1] + a for a in actions[2].split("|")] if actions else [path]
        for item in paths:
            routes.setdefault(item, set()).update(methods)
    return routes


def own_methods(handler) -> set[str]:
    """Verbs that atmo_lab's handler classes define themselves."""
    names: set[str] = set()
    for klass in handler.__mro__:
        if klass.__module__.startswith("atmo_lab"):
            names |= set(vars(klass))
    return names


async def test_every_route_is_described_and_every_description_exists(jp_serverapp, api):
    document = (await api("GET", "openapi.json")).json
    assert document == openapi_document(jp_serverapp.base_url)
    described = {path: {m for m in item if m != "parameters"}
                 for path, item in document["paths"].items()}  # fmt: skip
    registered = registered_routes(jp_serverapp)
    assert registered == described


def test_document_is_valid_openapi():
    from openapi_spec_validator import validate

    validate(openapi_document("/"))
