"""Authorization matrix: every route x owner, another user, a maintainer, unauthenticated.

One real ``jupyter server`` process (multi_user, maintainers = {mia}) serves the module; the
routes come from the OpenAPI document, so a new route is in the matrix automatically (and
fails here until it is given an object kind below). For each route and method, every role
acts on a fresh object of alice's:

- the owner gets the route's success code;
- another user gets 404 on alice's objects and learns nothing (no field of the object is in
  the reply), and lists show only their own objects;
- a maintainer may see everyone's clusters and jobs (``?owner=all``), read and run others'
  jobs, but not change or delete anything of others' (404);
- no credentials: 403 everywhere;
- a refused request changes nothing (the owner sees the same object afterwards).

Cookie sessions (a browser) must send the XSRF token with POST, PATCH and DELETE.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from atmo_lab.jobs.executor import data_bucket, output_key
from atmo_lab.jobs.models import JobRun
from atmo_lab.notifications.service import notify
from atmo_lab.openapi import openapi_document

from .sec_identity import COOKIE_USER
from .sec_server import LiveServer, live_server
from .support import public_key
from .test_jobs_support import job_body

PATHS = openapi_document("/")["paths"]
ROLES = ("anonymous", "other", "maintainer", "owner")
USERS = {"owner": "alice", "other": "bob", "maintainer": "mia"}

# What a maintainer may do with someone else's object, by kind: read (get) and, for jobs, run.
MAINTAINER_MAY = {
    "clusters": {("get", "/clusters/{id}")},
    "jobs": {("get", "/jobs/{id}"), ("get", "/jobs/{id}/runs"), ("post", "/jobs/{id}/run"),
             ("get", "/jobs/{id}/notebook"), ("get", "/jobs/{id}/results")},
    "runs": {("get", "/runs/{id}"), ("get", "/runs/{id}/output")},
}  # fmt: skip
# Lists whose ?owner=all shows a maintainer everyone's objects.
SHARED_LISTS = {"/clusters": "clusters", "/jobs": "jobs"}
PRIVATE_LISTS = {"/keys": "keys", "/notifications": "notifications"}

_names = itertools.count()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("authz")
    atmo = {"multi_user": True, "maintainers": ["mia"]}
    with live_server(folder, atmo=atmo) as live:
        for user in ("alice", "bob", "mia"):  # everyone may launch (with their own key)
            reply = live.call("POST", "keys", {"title": "own", "key": public_key()}, user=user)
            assert reply.status_code == 201, reply.text
        yield live


def ok(reply: requests.Response, code: int = 200) -> Any:
    assert reply.status_code == code, (reply.request.method, reply.url, reply.text)
    return reply.json() if reply.content and code != 204 else None


def own_key_id(live: LiveServer, user: str) -> int:
    return int(ok(live.call("GET", "keys", user=user))["keys"][-1]["id"])


class Objects:
    """Fresh objects of alice's, and what identifies them (to look for leaks)."""

    def __init__(self, live: LiveServer) -> None:
        self.live = live
        notebook = json.dumps(job_body()["notebook"])
        (live.folder / "root" / QUERIES["/jobs/notebook-facts"]["notebook_path"]).write_text(
            notebook
        )

    def make(self, kind: str, size: int = 2) -> dict[str, Any]:
        live, n = self.live, next(_names)
        if kind == "keys":
            return ok(
                live.call("POST", "keys", {"title": f"alices-key-{n}", "key": public_key()}), 201
            )
        if kind == "clusters":
            body = {"identifier": f"alices-cluster-{n}", "size": size,
                    "ssh_key_id": own_key_id(live, "alice")}  # fmt: skip
            return ok(live.call("POST", "clusters", body), 201)
        if kind == "jobs":
            return ok(live.call("POST", "jobs", job_body(f"alices-job-{n}")), 201)
        if kind == "runs":
            job = self.make("jobs")
            run = ok(live.call("POST", f"jobs/{job['id']}/run"), 202)
            give_output(live, job, run)
            return run | {"job": job}
        if kind == "notifications":
            core = live.core()
            try:
                with core.store.session() as session:
                    notify(session, owner="alice", kind="job_expired",
                           subject=f"alices-notice-{n}", body="Your job ended.",
                           object_type="job", object_id=1, dedupe_key=f"authz-{n}")  # fmt: skip
            finally:
                core.close()
            items = ok(live.call("GET", "notifications"))["notifications"]
            return next(i for i in items if i["subject"].endswith(f"alices-notice-{n}"))
        raise AssertionError(f"no object kind for /{kind}: teach tests/test_authz_matrix.py")

    def view(self, kind: str, obj: dict[str, Any]) -> Any:
        """What the owner sees of `obj` now (to compare before and after a refused request)."""
        live = self.live
        if kind == "notifications":
            items = ok(live.call("GET", "notifications"))["notifications"]
            return next((i for i in items if i["id"] == obj["id"]), None)
        path = f"{kind}/{obj['id']}"
        reply = live.call("GET", path)
        if reply.status_code == 404:
            return None
        data = ok(reply)
        if kind == "jobs":  # and its runs: a refused run-now must not add one
            data["runs"] = ok(live.call("GET", f"jobs/{obj['id']}/runs"))["runs"]
            data.pop("latest_run")
        data.pop("is_expiring_soon", None)
        return data


def give_output(live: LiveServer, job: dict[str, Any], run: dict[str, Any]) -> None:
    """An executed notebook for a run (no worker runs here), for ``/runs/{id}/output``."""
    key = output_key(job["identifier"], run["id"], job["notebook_name"])
    core = live.core()
    try:
        bucket = data_bucket(core, job["result_visibility"])
        live.moto.client("s3").put_object(Bucket=bucket, Key=key, Body=b'{"cells": []}')
        with core.store.session() as session:
            session.get(JobRun, run["id"]).output_notebook_key = key
    finally:
        core.close()


def secrets_of(kind: str, obj: dict[str, Any]) -> list[str]:
    """Values of an object that nobody else may learn from an error reply."""
    fields = {
        "keys": ("title", "fingerprint", "fingerprint_sha256"),
        "clusters": ("identifier", "jobflow_id", "master_address"),
        "jobs": ("identifier", "notebook_s3_key", "description"),
        "runs": ("jobflow_id", "scheduled_at"),
        "notifications": ("subject",),
    }[kind]
    found = [str(obj[f]) for f in fields if obj.get(f)]
    if kind == "runs":
        found += [obj["job"]["identifier"]]
    return found


def body_for(method: str, path: str, live: LiveServer, user: str) -> Any:
    """A valid request body for the operation, for `user`."""
    if method not in ("post", "patch"):
        return None
    n = next(_names)
    return {
        "/keys": {"title": f"{user}-key-{n}", "key": public_key()},
        "/clusters": {"size": 1, "ssh_key_id": own_key_id(live, user), "identifier": f"c-{n}"},
        "/clusters/{id}/extend": {"hours": 2},
        "/clusters/{id}/resize": {"size": 3},
        "/jobs": job_body(f"{user}-job-{n}"),
        "/jobs/{id}": {"description": "changed by someone"},
    }.get(path, {})


# Query parameters a route needs to succeed (its notebook is written by Objects.__init__).
QUERIES = {"/jobs/notebook-facts": {"notebook_path": "authz.ipynb"}}


def success_code(operation: dict[str, Any]) -> int:
    return min(int(code) for code in operation["responses"] if code.startswith("2"))


def call_as(live: LiveServer, role: str, method: str, path: str, body: Any) -> requests.Response:
    if role == "anonymous":
        return live.call(method.upper(), path, body, anonymous=True)
    return live.call(method.upper(), path, body, user=USERS[role])


@pytest.mark.parametrize("path", sorted(PATHS))
def test_route_roles(server: LiveServer, path: str) -> None:
    objects = Objects(server)
    methods = [m for m in PATHS[path] if m != "parameters"]
    checked = 0
    for method in methods:
        operation = PATHS[path][method]
        if "{id}" in path:
            checked += check_object_route(server, objects, path, method, operation)
        else:
            checked += check_collection_route(server, objects, path, method, operation)
    assert checked == len(methods) * len(ROLES)


def check_object_route(
    live: LiveServer, objects: Objects, path: str, method: str, operation: dict[str, Any]
) -> int:
    kind = path.strip("/").split("/")[0]
    shared = objects.make(kind) if method == "get" else None
    for role in ROLES:
        obj = shared or objects.make(kind)
        before = objects.view(kind, obj)
        url = path.strip("/").replace("{id}", str(obj["id"]))
        body = body_for(method, path, live, USERS.get(role, "alice"))
        reply = call_as(live, role, method, url, body)
        allowed = role == "owner" or (
            role == "maintainer" and (method, path) in MAINTAINER_MAY.get(kind, set())
        )
        where = (role, method.upper(), path, reply.text[:300])
        if allowed:
            assert reply.status_code == success_code(operation), where
            continue
        assert reply.status_code == (403 if role == "anonymous" else 404), where
        body = reply.json()
        assert set(body) == {"message", "errors"}, where
        if role != "maintainer":  # maintainers may read these anyway
            for value in [*secrets_of(kind, obj), "alice"]:
                assert value not in reply.text, (value, where)
        assert objects.view(kind, obj) == before, ("a refused request changed", where)
    return len(ROLES)


def check_collection_route(
    live: LiveServer, objects: Objects, path: str, method: str, operation: dict[str, Any]
) -> int:
    lists = SHARED_LISTS | PRIVATE_LISTS
    if path in lists and method == "get":
        objects.make(lists[path])  # alice has at least one
    alices: set[int] = set()
    if path in PRIVATE_LISTS and method == "get":
        alices = {i["id"] for i in ok(live.call("GET", path.strip("/")))[PRIVATE_LISTS[path]]}
    for role in ROLES:
        user = USERS.get(role, "alice")
        params = {"owner": "all"} if path in SHARED_LISTS and method == "get" else None
        params = QUERIES.get(path, params)
        body = body_for(method, path, live, user)
        if role == "anonymous":
            reply = live.call(method.upper(), path.strip("/"), body, anonymous=True, params=params)
            assert reply.status_code == 403, (path, reply.text)
            assert set(reply.json()) == {"message", "errors"}
            continue
        reply = live.call(method.upper(), path.strip("/"), body, user=user, params=params)
        assert reply.status_code == success_code(operation), (role, path, reply.text)
        data = reply.json()
        if method == "post":
            assert data.get("owner", user) == user  # created for the caller, whoever sent it
        elif path in SHARED_LISTS:
            owners = {item["owner"] for item in data[SHARED_LISTS[path]]}
            if role == "maintainer":
                assert "alice" in owners, (path, owners)  # everyone's, with ?owner=all
            else:
                assert owners <= {user}, (role, path, owners)
        elif path in PRIVATE_LISTS and role != "owner":  # never anyone else's, even ?owner=all
            assert not {i["id"] for i in data[PRIVATE_LISTS[path]]} & alices, (role, path)
        if path == "/config":
            assert data["user"] == user and data["is_maintainer"] is (role == "maintainer")
            assert (data["max_cluster_size"] is None) is (role == "maintainer")
    return len(ROLES)


def test_matrix_covers_every_route() -> None:
    """Every route of the document is in the matrix above (it is parametrized from it)."""
    kinds = {p.strip("/").split("/")[0] for p in PATHS if "{id}" in p}
    assert kinds <= {"keys", "clusters", "jobs", "runs", "notifications"}, kinds
    print(f"\nauthz matrix: {sum(len([m for m in i if m != 'parameters']) for i in PATHS.values())}"
          f" operations on {len(PATHS)} routes x {len(ROLES)} roles")  # fmt: skip


# --- using another user's things -------------------------------------------------------------


def test_nobody_launches_with_someone_elses_key(server: LiveServer) -> None:
    alices = own_key_id(server, "alice")
    for user in ("bob", "mia"):
        reply = server.call("POST", "clusters", {"size": 1, "ssh_key_id": alices}, user=user)
        assert reply.status_code == 400 and "ssh_key_id" in reply.json()["errors"], reply.text
    clusters = ok(server.call("GET", "clusters", user="mia", params={"owner": "all"}))
    assert all(c["ssh_key_id"] != alices or c["owner"] == "alice" for c in clusters["clusters"])


def test_maintainers_exceed_the_size_limit_others_do_not(server: LiveServer) -> None:
    for user, code in (("bob", 400), ("mia", 201)):
        body = {"size": 31, "ssh_key_id": own_key_id(server, user)}
        assert server.call("POST", "clusters", body, user=user).status_code == code


def test_a_job_identifier_is_global_but_reveals_no_owner(server: LiveServer) -> None:
    ok(server.call("POST", "jobs", job_body("quarterly-secret")), 201)
    reply = server.call("POST", "jobs", job_body("quarterly-secret"), user="bob")
    assert reply.status_code == 409 and "alice" not in reply.text


# --- cookie sessions and XSRF ---------------------------------------------------------------


def browser_session(live: LiveServer) -> tuple[requests.Session, str]:
    """Log in the way a browser does: ``/login?token=…`` sets the login cookie, a page sets
    ``_xsrf``. Returns the session and its XSRF token."""
    session = requests.Session()
    reply = session.get(live.base + "login", params={"token": live.token}, allow_redirects=False)
    assert reply.status_code in (200, 302), reply.text
    session.get(live.base + "login")
    xsrf = session.cookies.get("_xsrf")
    assert xsrf and any(name.startswith("username-") for name in session.cookies.get_dict())
    return session, xsrf


def test_cookie_writes_need_the_xsrf_token(server: LiveServer) -> None:
    session, xsrf = browser_session(server)
    api = server.api
    assert session.get(api + "config").json()["user"] == COOKIE_USER  # reads need no token

    def attempt(send: Callable[..., requests.Response], url: str, **kwargs: Any) -> None:
        refused = send(url, **kwargs)
        assert refused.status_code == 403, refused.text
        assert "xsrf" in refused.json()["message"].lower()

    key = {"title": "browser", "key": public_key()}
    attempt(session.post, api + "keys", json=key)
    assert session.get(api + "keys").json()["keys"] == []  # nothing stored
    attempt(session.post, api + "keys", json=key, headers={"X-XSRFToken": "forged"})
    created_key = ok(session.post(api + "keys", json=key, headers={"X-XSRFToken": xsrf}), 201)

    job = ok(
        session.post(api + "jobs", json=job_body("carols-job"), headers={"X-XSRFToken": xsrf}), 201
    )
    attempt(session.patch, api + f"jobs/{job['id']}", json={"description": "no token"})
    assert session.get(api + f"jobs/{job['id']}").json()["description"] == job["description"]
    attempt(session.post, api + f"jobs/{job['id']}/run")
    assert session.get(api + f"jobs/{job['id']}/runs").json()["runs"] == []
    patched = session.patch(
        api + f"jobs/{job['id']}", json={"description": "with token"}, headers={"X-XSRFToken": xsrf}
    )
    assert ok(patched)["description"] == "with token"

    attempt(session.delete, api + f"keys/{created_key['id']}")
    attempt(session.delete, api + f"jobs/{job['id']}")
    assert session.get(api + f"keys/{created_key['id']}").status_code == 200
    assert session.get(api + f"jobs/{job['id']}").status_code == 200
    deleted = session.delete(api + f"keys/{created_key['id']}", headers={"X-XSRFToken": xsrf})
    assert deleted.status_code == 204
    # the same requests with the token as a header instead of the cookie are fine too
    assert server.call("GET", "keys", user=None).json()["keys"] == []


def test_a_stolen_login_cookie_alone_cannot_write(server: LiveServer) -> None:
    """A cross-site form post carries the login cookie but cannot read or forge ``_xsrf``."""
    session, _ = browser_session(server)
    login = {k: v for k, v in session.cookies.items() if k.startswith("username-")}
    reply = requests.post(server.api + "keys", cookies=login,
                          json={"title": "csrf", "key": public_key()}, timeout=30)  # fmt: skip
    assert reply.status_code == 403
    reply = requests.post(server.api + "keys", cookies=login | {"_xsrf": "x"},
                          headers={"X-XSRFToken": "y"},
                          json={"title": "csrf", "key": public_key()}, timeout=30)  # fmt: skip
    assert reply.status_code == 403
    assert session.get(server.api + "keys").json()["keys"] == []
