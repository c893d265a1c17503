"""Request bodies on POST/PATCH /jobs: read a cell at a time (large ones spooled to disk first),
and the notebook's bytes sent to S3 as they were (never parsed whole, never re-serialised). The
spool threshold is lowered so small bodies take that path; every answer must be the one an
in-memory body gets."""

from __future__ import annotations

import asyncio
import http.client
import json
import os
from collections.abc import Callable
from typing import Any

import pytest

from atmo_lab.jobs import handlers as job_handlers
from atmo_lab.jobs import notebooks
from atmo_lab.jobs.notebooks import (
    NotebookNotRead,
    NotebookSource,
    prepare_notebook,
    read_body,
    read_body_around_notebook,
    same_reading,
)

from .test_jobs_support import CODE, counts, job_body, keys, notebook

SPOOL = 16 * 1024


@pytest.fixture(autouse=True)
def spooled(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Lowers the threshold; lists the spool files the handler read bodies from (read whole, or
    around their notebook)."""
    monkeypatch.setattr(job_handlers, "SPOOL_IN_MEMORY", SPOOL)
    files: list[str] = []
    for name in ("read_body_file", "read_body_file_around_notebook"):
        monkeypatch.setattr(job_handlers, name, _recording(getattr(job_handlers, name), files))
    return files


def _recording(read: Callable[[Any], Any], sources: list[Any]) -> Callable[[Any], Any]:
    """`read`, noting what it is given (a spool file's path, or a body)."""

    def reading(source: Any) -> Any:
        sources.append(source)
        return read(source)

    return reading


def big_notebook(text: str = "naïve café ✓ ") -> dict[str, Any]:
    """A notebook of several spool thresholds, with multi-byte text around the cells."""
    nb = notebook(*[f"print({text!r} * {i})" for i in range(40)])
    nb["metadata"]["title"] = text * 50
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": text * 200}]
        cell["execution_count"] = None
    return nb


def raw(body: dict[str, Any], ascii: bool = False) -> bytes:
    return json.dumps(body, ensure_ascii=ascii, indent=1).encode()


def stored(aws: Any, key: str) -> bytes:
    return bytes(aws.client("s3").get_object(Bucket=CODE, Key=key)["Body"].read())


async def test_a_large_body_stores_the_notebook_as_sent(api, aws, core, spooled):
    nb = big_notebook()
    body = raw(job_body(notebook=nb, notebook_name="grand.ipynb", parameters={"n": 1}))
    assert len(body) > 4 * SPOOL
    r = await api("POST", "jobs", raw_body=body)
    assert r.code == 201, r.body
    job = r.json
    assert job["notebook_name"] == "grand.ipynb" and job["parameters"] == {"n": 1}
    data = stored(aws, job["notebook_s3_key"])
    assert json.loads(data) == nb  # the notebook's bytes, exactly the value sent
    start = body.index(b'"notebook": {') + len(b'"notebook": ')
    assert data == body[start : start + len(data)]
    assert len(spooled) == 1 and not os.path.exists(spooled[0])  # read from disk, then removed
    download = await api("GET", f"jobs/{job['id']}/notebook")
    assert download.code == 200 and download.body == data

    edited = big_notebook("autre ünïcode ")
    r = await api("PATCH", f"jobs/{job['id']}", raw_body=raw({"notebook": edited}))
    assert r.code == 200, r.body
    assert json.loads(stored(aws, job["notebook_s3_key"])) == edited
    small = await api("PATCH", f"jobs/{job['id']}", {"description": "small bodies stay in memory"})
    assert small.code == 200 and len(spooled) == 2


async def test_a_body_in_memory_stores_the_notebook_as_sent(api, aws, spooled):
    nb = notebook("print('naïve ✓ 😀')")
    body = raw(job_body(notebook=nb, notebook_name="petit.ipynb"))  # indented, UTF-8 text
    assert len(body) < SPOOL
    r = await api("POST", "jobs", raw_body=body)
    assert r.code == 201, r.body
    data = stored(aws, r.json["notebook_s3_key"])
    start = body.index(b'"notebook": {') + len(b'"notebook": ')
    assert data == body[start : start + len(data)] and json.loads(data) == nb
    assert spooled == []

    # a surrogate escape (a pair is fine, a lone one isn't) and a UTF-8 byte order mark (the
    # reader leaves that body to json.loads)
    pair = raw(job_body(identifier="pair", notebook=nb), ascii=True)
    assert b"\\ud83d\\ude00" in pair
    r = await api("POST", "jobs", raw_body=pair)
    assert r.code == 201 and json.loads(stored(aws, r.json["notebook_s3_key"])) == nb
    lone = raw(job_body(identifier="lone", notebook=nb), ascii=True).replace(b"\\ude00", b"")
    r = await api("POST", "jobs", raw_body=lone)
    assert r.code == 400 and "body" in r.json["errors"], r.body
    bom = job_body(identifier="bom")
    r = await api("POST", "jobs", raw_body=b"\xef\xbb\xbf" + raw(bom))
    assert r.code == 201, r.body
    assert json.loads(stored(aws, r.json["notebook_s3_key"])) == bom["notebook"]


async def test_a_large_body_is_refused_as_a_small_one_is(api, aws, core):
    before = (keys(aws, CODE), counts(core))

    async def refused(body: bytes, code: int, field: str) -> None:
        r = await api("POST", "jobs", raw_body=body)
        assert r.code == code, r.body
        assert field in r.json["errors"], r.json
        assert (keys(aws, CODE), counts(core)) == before

    nb = big_notebook()
    broken = raw(job_body(notebook=nb))
    await refused(broken[:-2], 400, "body")  # cut short
    await refused(broken.replace(b'"cells": [', b'"cells": [[', 1), 400, "body")
    invalid = big_notebook()
    invalid["cells"][3]["cell_type"] = "spreadsheet"
    await refused(raw(job_body(notebook=invalid)), 400, "notebook")
    old = big_notebook()
    old["nbformat"] = 3
    await refused(raw(job_body(notebook=old)), 400, "notebook")
    await refused(raw(job_body(notebook=nb, notebook_name="x.txt")), 400, "notebook_name")
    await refused(raw(job_body(notebook=nb, notebook_path="a.ipynb")), 400, "notebook")
    await refused(raw(job_body(notebook=nb, description="\ud800 " * 9000), ascii=True), 400, "body")
    await refused(raw(job_body(notebook=nb, identifier="Bad Id!")), 400, "identifier")
    await refused(b"[" + b"1, " * 20000 + b"1]", 400, "body")
    # a later "notebook" key replaces an earlier one, as for json.loads
    r = await api("POST", "jobs", raw_body=raw(job_body(notebook=nb))[:-2] + b', "notebook": 7}')
    assert r.code == 400 and "notebook" in r.json["errors"]


@pytest.mark.atmo(max_notebook_bytes=20_000)
async def test_a_body_beyond_any_notebook_size_is_413(api, aws, core):
    before = (keys(aws, CODE), counts(core))
    r = await api("POST", "jobs", raw_body=raw(job_body(notebook=big_notebook())))
    assert r.code == 413 and "notebook" in r.json["errors"]
    assert (keys(aws, CODE), counts(core)) == before


async def test_a_refused_client_gets_its_answer_after_sending_a_large_body(api, aws, core, spooled):
    body = raw(job_body(notebook=big_notebook()))
    r = await api("POST", "jobs", raw_body=body, headers={"Authorization": "token not-a-token"})
    assert r.code == 403  # answered once the body is read (test_authz_matrix's cookie tests,
    assert spooled == [] and counts(core) == (0, 0)  # with `requests`, see the reset otherwise)


@pytest.mark.parametrize("method", ["GET", "DELETE", "PATCH", "POST"])
async def test_a_refused_request_keeps_the_connection_open(
    jp_http_port, jp_auth_header, jp_base_url, api, method
):
    """Refusals of prepare() (here: a wrong token) are answered like any other reply: a client
    reusing its keep-alive connection for the next request must not find it reset."""
    job = (await api("POST", "jobs", job_body())).json
    base = jp_base_url.rstrip("/")
    path = f"{base}/atmo-lab/api/jobs" + ("" if method == "POST" else f"/{job['id']}")
    body = b"{}" if method in ("PATCH", "POST") else None

    def two_requests() -> tuple[int, int]:
        conn = http.client.HTTPConnection("127.0.0.1", jp_http_port, timeout=10)
        try:
            conn.request(method, path, body=body, headers={"Authorization": "token wrong"})
            refused = conn.getresponse()
            refused.read()
            conn.request("GET", f"{base}/api/status", headers=jp_auth_header)
            return refused.status, conn.getresponse().status
        finally:
            conn.close()

    refused, next_one = await asyncio.to_thread(two_requests)
    assert refused in (302, 403) and next_one == 200  # (a browser's GET goes to the login page)


# --- a body read around its notebook ------------------------------------------------------------


def around(body: bytes) -> Any:
    """`body` read around its notebook, checked against its whole reading (None: read whole)."""
    found = read_body_around_notebook(body)
    if found is not None:
        assert same_reading(read_body(body), found)
    return found


def sent_range(body: bytes, reading: Callable[[bytes], Any] = around) -> bytes:
    sent = reading(body)["notebook"]
    return body[sent.offset : sent.offset + sent.length]


@pytest.mark.parametrize("indent", [None, 1])
def test_a_body_is_read_around_its_notebook_wherever_the_notebook_is(indent):
    nb = big_notebook()
    braces = {"deep": {"list": [{"a": "}"}, '}, "x": {}}']}, "b": None}

    def body(*members: tuple[str, Any]) -> bytes:  # (a key may repeat)
        pairs = (
            f"{json.dumps(k)}: {json.dumps(v, indent=indent, ensure_ascii=False)}"
            for k, v in members
        )
        return ("{\n" + ",\n".join(pairs) + "\n}").encode()

    cases = [
        body(("notebook", nb)),
        body(("identifier", "x"), ("notebook", nb)),
        body(("notebook", nb), ("notebook_name", "naïve.ipynb")),
        body(("identifier", "x"), ("notebook", nb), ("parameters", braces), ("n", 1.5)),
        body(("notebook", nb), ("description", '}, "notebook_name": "fake.ipynb"}'), ("z", [])),
        body(("notebook", 7), ("notebook", nb), ("parameters", {})),  # the later value counts
    ]
    for case in cases:
        assert json.loads(sent_range(case)) == nb  # (the range the whole reading finds)
    assert around(body(("notebook", nb), ("parameters", braces)))["parameters"] == braces


def test_a_body_is_read_whole_when_reading_around_would_guess():
    nb = big_notebook()
    text = raw({"notebook": nb})
    assert around(text) is not None
    assert around(b" " + text + b"\n") is not None
    whole = [
        raw({"identifier": "x"}),  # no notebook
        raw({"notebook": [nb]}),  # not an object
        raw({"notebook": nb, "notebook_name": "a.ipynb"})[:-1],  # cut short
        raw({"notebook": nb})[:-1] + b" x}",  # not JSON after it
        raw({"notebook": nb, "parameters": {"a": 1}})[:-2] + b', "notebook": {}}',  # a later one
        raw({"notebook": nb, "description": "\ud800"}, ascii=True),  # a lone surrogate, outside
        raw({"description": "d" * 300_000, "notebook": nb}),  # the notebook starts too late
        raw({"notebook": nb, "description": "d" * 70_000}),  # no brace near the end
    ]
    for body in whole:
        assert read_body_around_notebook(body) is None, body[-80:]


def test_a_wrong_guess_is_found_by_the_notebook_own_reading(monkeypatch):
    """The members after the notebook beyond the tail: a closing brace in them is the only
    candidate left, and validation, reading the range taken, says it must be read whole."""
    monkeypatch.setattr(notebooks, "TAIL_BYTES", 512)
    nb = big_notebook()
    body = raw({"notebook": nb, "description": "d" * 1000, "parameters": {"n": 1}})
    guessed = read_body_around_notebook(body)
    assert guessed is not None and not same_reading(read_body(body), guessed)
    clean = prepare_notebook(NotebookSource("a.ipynb", sent=guessed["notebook"]), 10**8)
    with pytest.raises(NotebookNotRead):
        clean.validate()
    broken = raw({"notebook": nb}).replace(b'"cells": [', b'"cells": [[', 1)
    sent = read_body_around_notebook(broken)["notebook"]  # (read whole, it is no JSON)
    clean = prepare_notebook(NotebookSource("a.ipynb", sent=sent), 10**8)
    with pytest.raises(NotebookNotRead):
        clean.validate()


@pytest.mark.parametrize("where", ["memory", "file"])
async def test_bodies_read_around_their_notebook_are_answered_as_read_whole(
    api, aws, core, monkeypatch, spooled, where
):
    """Stored as sent, without reading the notebook before its upload; a wrong guess, broken
    JSON or a lone surrogate escape in the notebook: the whole reading answers, and nothing is
    left behind in S3 or the store."""
    if where == "memory":
        monkeypatch.setattr(job_handlers, "SPOOL_IN_MEMORY", 4 * 1024 * 1024)
    read_whole: list[Any] = []
    for name in ("read_body", "read_body_file"):
        reading = getattr(job_handlers, name)
        monkeypatch.setattr(job_handlers, name, _recording(reading, read_whole))
    nb = big_notebook()
    body = raw(job_body(notebook=nb, notebook_name="grand.ipynb", parameters={"n": {"m": 2}}))
    r = await api("POST", "jobs", raw_body=body)
    assert r.code == 201 and r.json["parameters"] == {"n": {"m": 2}}, r.body
    assert stored(aws, r.json["notebook_s3_key"]) == sent_range(body) and read_whole == []
    assert len(spooled) == (where == "file")

    monkeypatch.setattr(notebooks, "TAIL_BYTES", 512)  # the parameters' brace taken as its end
    body = raw(job_body("wrong-guess", notebook=nb, note="d" * 999, parameters={"n": 1}))
    r = await api("POST", "jobs", raw_body=body)
    assert r.code == 201 and r.json["parameters"] == {"n": 1}, r.body
    assert stored(aws, r.json["notebook_s3_key"]) == sent_range(body, read_body)
    assert len(read_whole) == 1

    before = (keys(aws, CODE), counts(core))
    broken = raw(job_body("broken", notebook=nb)).replace(b'"cells": [', b'"cells": [[', 1)
    lone = raw(job_body("lone", notebook=big_notebook("\ud800")), ascii=True)
    for refused in (broken, lone):
        r = await api("POST", "jobs", raw_body=refused)
        assert r.code == 400 and "body" in r.json["errors"], r.body
    assert (keys(aws, CODE), counts(core)) == before
