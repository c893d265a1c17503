"""Request bodies on POST/PATCH /jobs that carry the notebook: stored as the value sent,
refused as a small body is, 413 past the body cap, nothing left behind."""

from __future__ import annotations

import asyncio
import http.client
import json
from typing import Any

import pytest

from .test_jobs_support import CODE, counts, job_body, keys, notebook


def big_notebook(text: str = "naïve café ✓ ") -> dict[str, Any]:
    """A notebook of some 200 kB, with multi-byte text around the cells."""
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


async def test_a_large_body_stores_the_notebook_sent(api, aws, core):
    nb = big_notebook()
    body = raw(job_body(notebook=nb, notebook_name="grand.ipynb", parameters={"n": 1}))
    r = await api("POST", "jobs", raw_body=body)
    assert r.code == 201, r.body
    job = r.json
    assert job["notebook_name"] == "grand.ipynb" and job["parameters"] == {"n": 1}
    data = stored(aws, job["notebook_s3_key"])
    assert json.loads(data) == nb  # the value sent
    download = await api("GET", f"jobs/{job['id']}/notebook")
    assert download.code == 200 and download.body == data

    edited = big_notebook("autre ünïcode ")
    r = await api("PATCH", f"jobs/{job['id']}", raw_body=raw({"notebook": edited}))
    assert r.code == 200, r.body
    assert json.loads(stored(aws, job["notebook_s3_key"])) == edited
    small = await api("PATCH", f"jobs/{job['id']}", {"description": "no notebook this time"})
    assert small.code == 200 and json.loads(stored(aws, job["notebook_s3_key"])) == edited


async def test_a_small_body_stores_the_notebook_sent(api, aws):
    nb = notebook("print('naïve ✓ 😀')")
    body = raw(job_body(notebook=nb, notebook_name="petit.ipynb"))  # indented, UTF-8 text
    r = await api("POST", "jobs", raw_body=body)
    assert r.code == 201, r.body
    assert json.loads(stored(aws, r.json["notebook_s3_key"])) == nb

    # a surrogate escape (a pair is fine, a lone one isn't) and a UTF-8 byte order mark
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


async def test_a_refused_client_gets_its_answer_after_sending_a_large_body(api, aws, core):
    body = raw(job_body(notebook=big_notebook()))
    r = await api("POST", "jobs", raw_body=body, headers={"Authorization": "token not-a-token"})
    assert r.code == 403 and counts(core) == (0, 0)


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
