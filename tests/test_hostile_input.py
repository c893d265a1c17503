"""Hostile and bad input over REST (issue 9): every request here is refused with the
contract's code naming the field (400/404/409/413, never 500), and each test checks that
nothing was stored in the DB, nothing uploaded to S3 and no cluster launched.

What tests/test_keys.py, test_clusters.py and test_jobs.py already reject is not repeated,
except where the "nothing stored or uploaded" half was missing (private keys, trailing
garbage): it is asserted here for those inputs.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import func, select
from tornado.httpclient import AsyncHTTPClient, HTTPClientError
from typing_extensions import Self

from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.jobs.models import Job, JobRun
from atmo_lab.notifications.models import Notification
from atmo_lab.openapi import openapi_document
from atmo_lab.ssh_keys.models import SSHKey

from .conftest import BUCKETS
from .support import private_key_openssh, private_key_pem, public_key
from .test_jobs_support import CODE, job_body, notebook

TABLES = (SSHKey, Cluster, Job, JobRun, Notification)


def snapshot(core: Any, aws: Any) -> dict[str, Any]:
    """Row counts, every S3 object (with its ETag) and every EMR cluster."""
    with core.store.reader() as session:
        rows = {
            t.__tablename__: session.scalar(select(func.count()).select_from(t)) for t in TABLES
        }
    s3 = aws.client("s3")
    objects = {
        (bucket, o["Key"], o["ETag"])
        for bucket in BUCKETS
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    }
    emr = aws.client("emr")
    clusters = {c["Id"] for c in emr.list_clusters()["Clusters"]}
    return {"rows": rows, "s3": objects, "emr": clusters}


class Unchanged:
    """``with Unchanged(core, aws): …`` — nothing stored, uploaded or launched inside."""

    def __init__(self, core: Any, aws: Any) -> None:
        self.core, self.aws = core, aws

    def __enter__(self) -> Self:
        self.before = snapshot(self.core, self.aws)
        return self

    def __exit__(self, *exc: object) -> None:
        if exc[0] is None:
            assert snapshot(self.core, self.aws) == self.before


def refused(reply: Any, code: int, field: str | None, what: Any) -> None:
    assert reply.code == code, (what, reply.code, reply.body[:300])
    body = reply.json
    assert set(body) == {"message", "errors"} and body["message"], (what, body)
    if field is not None:
        assert field in body["errors"], (what, body)


async def add_key(api: Any, user: str | None = None) -> int:
    reply = await api("POST", "keys", {"title": "mine", "key": public_key()}, user=user)
    assert reply.code == 201, reply.body
    return int(reply.json["id"])


# --- identifiers ---------------------------------------------------------------------------------

BAD_IDENTIFIERS = [
    "../x", "a/b", "/", "..", ".", "x/../../etc", "café", "\uff21\uff22\uff23", "Upper", "a_b", "a.b", " x",
    "x ", "x\n", "a\x00b", "\u202eabc", "💥", "%2e%2e", "a" * 101, "é" * 50,
]  # fmt: skip


async def test_identifiers_that_are_not_identifiers(api: Any, aws: Any, core: Any) -> None:
    key_id = await add_key(api)
    with Unchanged(core, aws):
        for identifier in [*BAD_IDENTIFIERS, 5, ["a"], {"a": 1}, True]:
            reply = await api("POST", "clusters", {"identifier": identifier, "size": 1,
                                                   "ssh_key_id": key_id})  # fmt: skip
            refused(reply, 400, "identifier", identifier)
        for identifier in [*BAD_IDENTIFIERS, "", None, 5, ["a"]]:
            reply = await api("POST", "jobs", job_body(identifier))
            refused(reply, 400, "identifier", identifier)
    # an empty cluster identifier means "generate one"
    reply = await api("POST", "clusters", {"identifier": "", "size": 1, "ssh_key_id": key_id})
    assert reply.code == 201 and reply.json["identifier"], reply.body


BAD_IDS = ["..", "...", "%2e%2e", "1%2F..", "%2F", "\u00b2", "\u0661", "-1", "+1", "1.0", "0x1", "1e3",
           "%201", "null", "%00", "9" * 11, "9" * 30, "99999999999999999999999", "1;DROP"]  # fmt: skip


async def test_object_ids_that_are_not_ids_are_404(
    api: Any, aws: Any, core: Any, jp_base_url: str, jp_http_port: int, jp_auth_header: Any
) -> None:
    """Every route with an {id}, every method, with ids that name nothing: 404, not 500 —
    including unicode digits (formerly read as numbers) and numbers beyond the columns."""
    await add_key(api)  # an object 1 exists: "\u0661" (1) and "+1" must not find it
    client = AsyncHTTPClient()
    paths = openapi_document("/")["paths"]
    checked = 0
    with Unchanged(core, aws):
        for path, item in paths.items():
            if "{id}" not in path:
                continue
            for method in (m for m in item if m != "parameters"):
                for raw in BAD_IDS:
                    url = (
                        f"http://localhost:{jp_http_port}{jp_base_url}atmo-lab/api"
                        + path.replace("{id}", raw)
                    )
                    body = "{}" if method in ("post", "patch") else None
                    try:
                        reply = await client.fetch(url, method=method.upper(), body=body,
                                                   headers=jp_auth_header)  # fmt: skip
                        code, text = reply.code, reply.body
                    except HTTPClientError as exc:
                        assert exc.response is not None
                        code, text = exc.code, exc.response.body
                    assert code == 404, (method, path, raw, code, text[:200])
                    assert set(json.loads(text)) == {"message", "errors"}
                    checked += 1
    operations = sum(
        1 for p, item in paths.items() if "{id}" in p for m in item if m != "parameters"
    )
    assert operations >= 16 and checked == operations * len(BAD_IDS)


# --- sizes, lifetimes, extensions ---------------------------------------------------------------

BAD_SIZES = [0, 31, -1, "5", 5.5, None, True, 10**20, [3], {"n": 3}]


async def test_sizes_and_lifetimes_out_of_bounds_change_nothing(
    api: Any, aws: Any, core: Any
) -> None:
    key_id = await add_key(api)
    cluster = (await api("POST", "clusters", {"size": 2, "ssh_key_id": key_id})).json
    job = (await api("POST", "jobs", job_body("sized"))).json
    with Unchanged(core, aws):
        for size in BAD_SIZES:
            reply = await api("POST", f"clusters/{cluster['id']}/resize", {"size": size})
            refused(reply, 400, "size", size)
            refused(await api("POST", "jobs", job_body("sizes", size=size)), 400, "size", size)
            reply = await api("PATCH", f"jobs/{job['id']}", {"size": size})
            refused(reply, 400, "size", size)
        for hours in [0, 1, 25, -2, "2", 2.5, None, False, 10**30]:
            reply = await api("POST", f"clusters/{cluster['id']}/extend", {"hours": hours})
            refused(reply, 400, "hours", hours)
            reply = await api("POST", "clusters", {"size": 1, "ssh_key_id": key_id,
                                                   "lifetime_hours": hours})  # fmt: skip
            refused(reply, 400, "lifetime_hours", hours)
        for hours in [0, 25, -1, 24.5, "2", None, True]:
            reply = await api("POST", "jobs", job_body("timeouts", job_timeout_hours=hours))
            refused(reply, 400, "job_timeout_hours", hours)
    after = (await api("GET", f"clusters/{cluster['id']}")).json
    assert (after["size"], after["expires_at"], after["lifetime_extension_count"]) == (
        cluster["size"], cluster["expires_at"], 0,
    )  # fmt: skip
    groups = aws.client("emr").list_instance_groups(ClusterId=cluster["jobflow_id"])
    core_group = next(g for g in groups["InstanceGroups"] if g["InstanceGroupType"] == "CORE")
    assert core_group["RequestedInstanceCount"] == 2
    assert (await api("GET", f"jobs/{job['id']}")).json["size"] == 1


@pytest.mark.atmo(multi_user=True, maintainers=["mia"])
async def test_maintainers_have_no_size_limit_but_a_sane_ceiling(
    api: Any, aws: Any, core: Any
) -> None:
    """A typo such as 10**20 nodes used to hang the request (and the emulator) and then fail
    to store: maintainers exceed max_cluster_size, up to 1000 nodes."""
    key_id = await add_key(api, user="mia")
    with Unchanged(core, aws):
        for size in (1001, 2**31, 10**20):
            reply = await api("POST", "clusters", {"size": size, "ssh_key_id": key_id}, user="mia")
            refused(reply, 400, "size", size)
    reply = await api("POST", "clusters", {"size": 31, "ssh_key_id": key_id}, user="mia")
    assert reply.code == 201, reply.body


# --- notebooks ------------------------------------------------------------------------------------

V3 = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": []}]}
DEEP = "[" * 2000 + "]" * 2000


@pytest.mark.atmo(max_notebook_bytes=5000)
async def test_notebooks_that_are_not_notebooks(
    api: Any, aws: Any, core: Any, jp_root_dir: Any
) -> None:
    good = notebook("print(1)")
    bad = [
        "not json", "{", DEEP, json.dumps({"cells": []}), json.dumps(V3), [1], 42,
        {**good, "nbformat": "4"}, {**good, "nbformat": 4.0}, {**good, "nbformat": True},
        {**good, "nbformat": 5}, {**good, "cells": "x"}, {"nbformat": 4, "nbformat_minor": 5},
        {**good, "cells": [{"cell_type": "code", "source": 1}]},
    ]  # fmt: skip
    big = notebook("x = '" + "a" * 6000 + "'")
    (jp_root_dir / "deep.ipynb").write_text(DEEP)
    (jp_root_dir / "big.ipynb").write_text(json.dumps(big))
    job = (await api("POST", "jobs", job_body("holder"))).json
    stored = aws.client("s3").get_object(Bucket=CODE, Key=job["notebook_s3_key"])["Body"].read()
    with Unchanged(core, aws):
        for content in bad:
            refused(await api("POST", "jobs", job_body("nb", notebook=content)), 400,
                    "notebook", content)  # fmt: skip
            reply = await api("PATCH", f"jobs/{job['id']}", {"notebook": content})
            refused(reply, 400, "notebook", content)
        from_path = job_body("nb", notebook_path="deep.ipynb", notebook=None)
        refused(await api("POST", "jobs", from_path), 400, "notebook", "deep.ipynb")
        for content in (big, json.dumps(big)):  # over max_notebook_bytes: 413
            refused(await api("POST", "jobs", job_body("nb", notebook=content)), 413,
                    "notebook", "big")  # fmt: skip
            reply = await api("PATCH", f"jobs/{job['id']}", {"notebook": content})
            refused(reply, 413, "notebook", "big")
        big_path = job_body("nb", notebook_path="big.ipynb", notebook=None)
        refused(await api("POST", "jobs", big_path), 413, "notebook", "big.ipynb")
        for raw in ("[" * 100_000 + "]" * 100_000, "[]", "1", '"x"', "null", "{nope"):
            refused(await api("POST", "jobs", raw_body=raw), 400, "body", raw[:20])
    after = aws.client("s3").get_object(Bucket=CODE, Key=job["notebook_s3_key"])["Body"].read()
    assert after == stored


# --- keys -------------------------------------------------------------------------------------


async def test_keys_that_are_not_public_keys_store_nothing(api: Any, aws: Any, core: Any) -> None:
    line = public_key()
    blob = line.split()[1]
    bad = {
        "key": [
            private_key_pem(), private_key_openssh(), "x" * 100_001, line + "\nssh-rsa AAAA",
            line + " trailing\x00", f"ssh-ed25519 {blob[:-4]}", f"ssh-lol {blob}",
            f"ecdsa-sha2-nistp256 {blob}", line.replace(" ", "\t"), "ssh-ed25519", "", None, 7,
        ],
        "title": ["", "  ", None, "x" * 101, "a\x00b", "two\nlines", 5, ["t"]],
    }  # fmt: skip
    with Unchanged(core, aws):
        for key in bad["key"]:
            refused(await api("POST", "keys", {"title": "t", "key": key}), 400, "key", key)
        for title in bad["title"]:
            reply = await api("POST", "keys", {"title": title, "key": public_key()})
            refused(reply, 400, "title", title)
    assert "private key" in (await api("POST", "keys", {"title": "t", "key": private_key_pem()})
                             ).json["errors"]["key"]  # fmt: skip


# --- schedules and dates -------------------------------------------------------------------------

BAD_CRON = [
    "", "   ", "* * *", "* * * * * *", "@daily", "@reboot", "61 * * * *", "* 24 * * *",
    "* * 32 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *", "0 9 * * MON-", "0 0 30 2 *",
    "0 0 31 4,6,9,11 *", "\u0660 * * * *", "0 0 * * 5#6", "H * * * *", "0 9 * * *\x00", "a b c d e",
    "0 " * 5000, 5, ["0 9 * * *"],
]  # fmt: skip
BAD_DATES = ["yesterday", "2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "0001-01-01T00:00:00+01:00",
             "9999-12-31T23:59:59-01:00", "9999-12-31T23:00:00Z", "1900-01-01T00:00:00Z", 1700000000,
             ["2030-01-01"]]  # fmt: skip


async def test_schedules_and_dates_that_do_not_work(api: Any, aws: Any, core: Any) -> None:
    job = (await api("POST", "jobs", job_body("dated", start_date="2031-01-01T00:00:00Z"))).json
    with Unchanged(core, aws):
        for cron in BAD_CRON:
            if cron == "":
                continue  # an empty schedule means "use the interval" (checked below)
            refused(await api("POST", "jobs", job_body("c", schedule=cron)), 400, "schedule", cron)
            reply = await api("PATCH", f"jobs/{job['id']}", {"schedule": cron})
            refused(reply, 400, "schedule", cron)
        for date in BAD_DATES:
            refused(
                await api("POST", "jobs", job_body("d", start_date=date)), 400, "start_date", date
            )
            refused(await api("POST", "jobs", job_body("d", end_date=date)), 400, "end_date", date)
        for start, end in [("2031-01-02T00:00:00Z", "2031-01-01T00:00:00Z"),
                           ("2031-01-01T00:00:00Z", "2031-01-01T00:00:00Z"),
                           ("2031-01-01T01:00:00+01:00", "2031-01-01T00:00:00Z")]:  # fmt: skip
            reply = await api("POST", "jobs", job_body("d", start_date=start, end_date=end))
            refused(reply, 400, "end_date", (start, end))
        for patch, field in [
            ({"end_date": "2030-12-31T00:00:00Z"}, "end_date"),  # before the stored start
            ({"start_date": "2020-01-01T00:00:00Z"}, "start_date"),  # into the past
            ({"start_date": "2032-01-01T00:00:00Z", "end_date": "2031-06-01T00:00:00Z"}, "end_date"),
            ({"interval_in_hours": 24, "schedule": "0 9 * * *"}, "schedule"),
            ({"timezone": "Mars/Olympus_Mons"}, "timezone"),
        ]:  # fmt: skip
            refused(await api("PATCH", f"jobs/{job['id']}", patch), 400, field, patch)
    assert (await api("GET", f"jobs/{job['id']}")).json == job
    empty = await api("POST", "jobs", job_body("empty-cron", schedule=""))
    assert empty.code == 201 and empty.json["interval_in_hours"] == 168


# --- edits ------------------------------------------------------------------------------------------


async def test_the_identifier_of_a_job_never_changes(api: Any, aws: Any, core: Any) -> None:
    job = (await api("POST", "jobs", job_body("fixed-name"))).json
    with Unchanged(core, aws):
        for patch in [
            {"identifier": "other-name"}, {"identifier": "other-name", "description": "x"},
            {"identifier": None}, {"identifier": ""}, {"identifier": "../fixed-name"},
            {"identifier": "other-name", "notebook": notebook("2"), "notebook_name": "n.ipynb"},
        ]:  # fmt: skip
            refused(await api("PATCH", f"jobs/{job['id']}", patch), 400, "identifier", patch)
    assert (await api("GET", f"jobs/{job['id']}")).json == job
    same = await api("PATCH", f"jobs/{job['id']}", {"identifier": "fixed-name"})
    assert same.code == 200  # sending it unchanged is fine


async def test_twenty_concurrent_creates_of_one_identifier(api: Any, aws: Any, core: Any) -> None:
    """One 201, nineteen 409, one job row and one S3 object — whether the racing requests
    upload to the same key (same notebook name) or to different ones."""
    bodies = [
        job_body("contested", notebook=notebook(f"print({i})"),
                 notebook_name="same.ipynb" if i % 2 else f"n{i}.ipynb")
        for i in range(20)
    ]  # fmt: skip
    replies = await asyncio.gather(*(api("POST", "jobs", body) for body in bodies))
    codes = sorted(r.code for r in replies)
    assert codes == [201] + [409] * 19, [r.body[:120] for r in replies]
    for reply in replies:
        if reply.code == 409:
            refused(reply, 409, "identifier", "contested")
    winner = next(r.json for r in replies if r.code == 201)
    with core.store.reader() as session:
        assert session.scalar(select(func.count()).select_from(Job)) == 1
    s3 = aws.client("s3")
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=CODE).get("Contents", [])]
    assert stored == [winner["notebook_s3_key"]]
    source = json.loads(s3.get_object(Bucket=CODE, Key=stored[0])["Body"].read())["cells"][1][
        "source"
    ]
    index = int("".join(source)[len("print(") : -1])
    assert bodies[index]["notebook_name"] == winner["notebook_name"]


# --- bodies and query strings ------------------------------------------------------------------


async def test_bodies_that_are_not_objects(api: Any, aws: Any, core: Any) -> None:
    """Every operation with a JSON body, sent JSON that is no object or no JSON at all."""
    key_id = await add_key(api)
    cluster = (await api("POST", "clusters", {"size": 2, "ssh_key_id": key_id})).json
    job = (await api("POST", "jobs", job_body("bodies"))).json
    ids = {"clusters": cluster["id"], "jobs": job["id"]}
    raws = ["[]", "[1, 2]", "1", '"x"', "null", "true", "{", "{'a': 1}", "\x00", "[" * 50_000,
            '{"a": "\\ud800"}', b"\xff\xfe{}"]  # fmt: skip
    checked, operations = 0, 0
    with Unchanged(core, aws):
        for path, item in openapi_document("/")["paths"].items():
            for method, operation in item.items():
                if method == "parameters" or "requestBody" not in operation:
                    continue
                operations += 1
                url = path.strip("/").replace("{id}", str(ids.get(path.split("/")[1], 1)))
                for raw in raws:
                    reply = await api(method.upper(), url, raw_body=raw)
                    refused(reply, 400, None, (method, path, raw))
                    checked += 1
    assert operations >= 6 and checked == operations * len(raws)


async def test_query_strings_that_are_not_allowed(api: Any, aws: Any, core: Any) -> None:
    cases = [
        ("clusters", {"status": "ACTIVE"}, "status"), ("clusters", {"status": "active "}, "status"),
        ("clusters", {"owner": "bob"}, "owner"), ("jobs", {"owner": "alice"}, "owner"),
        ("clusters", {"limit": "0"}, "limit"), ("jobs", {"limit": "1001"}, "limit"),
        ("jobs", {"limit": "-1"}, "limit"), ("jobs", {"limit": "1.5"}, "limit"),
        ("jobs", {"limit": "\x13"}, "limit"), ("jobs", {"limit": "٣"}, "limit"),
        ("jobs", {"limit": "9" * 5000}, "limit"), ("notifications", {"cursor": "abc"}, "cursor"),
        ("notifications", {"cursor": "9" * 30}, "cursor"), ("clusters", {"cursor": "²"}, "cursor"),
        ("notifications", {"unread": "yes"}, "unread"), ("notifications", {"unread": "TRUE"}, "unread"),
    ]  # fmt: skip
    with Unchanged(core, aws):
        for path, params, field in cases:
            refused(await api("GET", path, params=params), 400, field, (path, params))
        for path, params in [("jobs", {"limit": ""}), ("clusters", {"owner": "all"}),
                             ("notifications", {"unread": "false", "cursor": ""})]:  # fmt: skip
            assert (await api("GET", path, params=params)).code == 200


# --- text no store can keep ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "db_url", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
async def test_text_no_store_can_keep(
    api: Any, aws: Any, core: Any, db_url: str, jp_root_dir: Any
) -> None:
    """NUL characters (PostgreSQL refuses them in text: it was a 500 there) and lone
    surrogates (no UTF-8 for them: a 500 on every store, and a notebook papermill can't write
    out) are 400s, on both stores."""
    (jp_root_dir / "lone.ipynb").write_text(json.dumps(notebook("x = '\ud800'")))
    (jp_root_dir / "pair.ipynb").write_text(json.dumps(notebook("x = '\U0001f600'")))
    with Unchanged(core, aws):
        from_path = job_body("lone-path", notebook_path="lone.ipynb", notebook=None)
        refused(await api("POST", "jobs", from_path), 400, "notebook", "lone.ipynb")
        refused(
            await api("POST", "keys", {"title": "a\x00b", "key": public_key()}), 400, "title", 1
        )
        refused(
            await api("POST", "keys", {"title": "t", "key": public_key() + "\x00"}), 400, "key", 2
        )
        refused(
            await api("POST", "jobs", job_body("nul", description="a\x00b")), 400, "description", 3
        )
        lone = json.dumps({"title": "x", "key": public_key()})[:-1] + ', "title": "\\udc80"}'
        refused(await api("POST", "keys", raw_body=lone), 400, "body", 4)
        lone = json.dumps(job_body("lone"))[:-1] + ', "description": "a\\ud800b"}'
        refused(await api("POST", "jobs", raw_body=lone), 400, "body", 5)
    pair = json.dumps(job_body("pair"))[:-1] + ', "description": "\\ud83d\\ude00 ok"}'
    reply = await api("POST", "jobs", raw_body=pair)  # a surrogate pair is one character
    assert reply.code == 201 and reply.json["description"] == "\U0001f600 ok"
    reply = await api(
        "POST", "jobs", job_body("pair-path", notebook_path="pair.ipynb", notebook=None)
    )
    assert reply.code == 201, reply.body
    reply = await api("POST", "jobs", job_body("nul-param", parameters={"x": "a\x00b"}))
    assert reply.code == 201, reply.body  # JSON values keep it escaped (\u0000), on both
    assert reply.json["parameters"] == {"x": "a\x00b"}
