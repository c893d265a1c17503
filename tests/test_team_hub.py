"""Team deployment on a real JupyterHub: the atmo_lab service and users' servers in client mode.

One Hub per module (it costs seconds): configurable-http-proxy, ``atmo-lab serve`` on a fresh
PostgreSQL database and the moto server, alice's, bob's and mia's servers spawned as local
processes. Every check goes over REST through a user's own server, as the labextension does.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from .conftest import BUCKETS, REGION, _postgres_database, _postgres_url
from .hub_support import (
    GROUPS,
    MAINTAINER,
    MAINTAINER_GROUP,
    PASSWORD,
    SERVICE,
    USERS,
    Hub,
    proxy_missing,
    run_in_kernel,
    running_hub,
)
from .support import NO_POSTGRES, public_key
from .test_jobs_support import notebook

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def hub(moto_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hub]:
    missing = proxy_missing()
    if missing:
        pytest.skip(missing)
    base = _postgres_url()
    if not base:
        pytest.skip(NO_POSTGRES)
    import boto3

    s3 = boto3.session.Session(region_name=REGION).client("s3")
    for bucket in BUCKETS:
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
    for db_url in _postgres_database(base):
        with running_hub(tmp_path_factory.mktemp("hub"), db_url) as running:
            for user in USERS:
                running.start_server(user)
            yield running


def ok(reply: requests.Response, code: int = 200) -> Any:
    assert reply.status_code == code, (reply.request.method, reply.url, reply.text[:2000])
    return reply.json() if reply.content and code != 204 else None


def test_each_user_is_known_by_the_hub(hub: Hub) -> None:
    for user in USERS:
        config = ok(hub.call(user, "GET", "config"))
        assert config["user"] == user
        assert config["is_maintainer"] is (user == MAINTAINER)


def launch(hub: Hub, user: str) -> dict[str, Any]:
    """A key, a cluster and a job of ``user``'s, made through their own server."""
    key = ok(hub.call(user, "POST", "keys", {"title": f"{user}-key", "key": public_key()}), 201)
    body = {"identifier": f"{user}-cluster", "size": 1, "ssh_key_id": key["id"]}
    cluster = ok(hub.call(user, "POST", "clusters", body), 201)
    home = hub.home(user)
    home.mkdir(parents=True, exist_ok=True)
    (home / "report.ipynb").write_text(json.dumps(notebook("print('hello')")))
    job = ok(
        hub.call(
            user,
            "POST",
            "jobs",
            {"identifier": f"{user}-job", "description": "Counts", "notebook_path": "report.ipynb"},
        ),
        201,
    )
    return {"keys": key, "clusters": cluster, "jobs": job}


@pytest.fixture(scope="module")
def made(hub: Hub) -> dict[str, dict[str, Any]]:
    return {user: launch(hub, user) for user in ("alice", "bob")}


def ids(hub: Hub, user: str, kind: str, query: str = "") -> set[int]:
    return {item["id"] for item in ok(hub.call(user, "GET", f"{kind}{query}"))[kind]}


@pytest.mark.parametrize("kind", ["keys", "clusters", "jobs"])
def test_each_user_sees_only_their_own(hub: Hub, made: dict[str, Any], kind: str) -> None:
    alice, bob = made["alice"][kind], made["bob"][kind]
    assert ids(hub, "alice", kind) == {alice["id"]}
    assert ids(hub, "bob", kind) == {bob["id"]}
    if kind != "keys":
        assert alice["owner"] == "alice" and bob["owner"] == "bob"
    # and another's object, by id, is not there for them
    assert hub.call("bob", "GET", f"{kind}/{alice['id']}").status_code == 404
    if kind == "clusters":
        assert hub.call("alice", "POST", f"clusters/{bob['id']}/terminate").status_code == 404
    else:
        assert hub.call("alice", "DELETE", f"{kind}/{bob['id']}").status_code == 404
    assert ids(hub, "bob", kind) == {bob["id"]}


def test_a_job_from_a_notebook_in_the_users_files(hub: Hub, made: dict[str, Any]) -> None:
    job = made["alice"]["jobs"]
    assert job["notebook_name"] == "report.ipynb"
    reply = hub.call("alice", "GET", f"jobs/{job['id']}/notebook")
    assert reply.status_code == 200
    assert json.loads(reply.content)["cells"][-1]["source"] == "print('hello')"
    facts = ok(hub.call("alice", "GET", "jobs/notebook-facts?notebook_path=report.ipynb"))
    assert facts["identifier"] == "report" and facts["notebook_path"] == "report.ipynb"
    missing = hub.call(
        "alice",
        "POST",
        "jobs",
        {"identifier": "nope", "description": "x", "notebook_path": "no.ipynb"},
    )
    assert missing.status_code == 400 and "notebook_path" in missing.json()["errors"]


@pytest.mark.parametrize("kind", ["clusters", "jobs"])
def test_the_maintainer_sees_everyones(hub: Hub, made: dict[str, Any], kind: str) -> None:
    everyone = {made[user][kind]["id"] for user in ("alice", "bob")}
    assert everyone <= ids(hub, MAINTAINER, kind, "?owner=all")
    assert not everyone & ids(hub, MAINTAINER, kind)  # by default, their own only
    # another user asking for everyone's still sees only their own
    reply = hub.call("bob", "GET", f"{kind}?owner=all")
    assert reply.status_code == 403 or {i["id"] for i in reply.json()[kind]} <= {
        made["bob"][kind]["id"]
    }


def test_forged_identities_fail(hub: Hub, made: dict[str, Any]) -> None:
    alices = made["alice"]["clusters"]["id"]
    # headers naming alice, sent to bob's server with bob's token: still bob
    for headers in (
        {"X-Forwarded-User": "alice"},
        {"X-Remote-User": "alice", "Remote-User": "alice"},
        {"X-Atmo-Lab-User": "alice", "Cookie": "atmo-lab-user=alice"},
    ):
        assert ok(hub.call("bob", "GET", "config", headers=headers))["user"] == "bob"
        assert hub.call("bob", "GET", f"clusters/{alices}", headers=headers).status_code == 404
    # bob's server's own config and environment name alice (pre_spawn_hook): still bob
    assert ids(hub, "bob", "clusters") == {made["bob"]["clusters"]["id"]}
    # a made-up token: neither bob's server nor the service lets it in
    forged = "0" * 32
    assert hub.call("bob", "GET", "config", token=forged).status_code in (401, 403)
    service = f"{hub.service_url}atmo-lab/api/clusters"
    for authorization in (f"token {forged}", "Bearer alice", ""):
        reply = requests.get(
            service,
            headers={"Authorization": authorization, "X-Forwarded-User": "alice"},
            timeout=30,
            allow_redirects=False,
        )
        assert reply.status_code in (302, 401, 403), reply.text
        assert str(alices) not in reply.text
    # a token for bob's server only (no access to the service) can't reach the service
    bobs = hub.user_token("bob")
    reply = requests.get(service, headers={"Authorization": f"token {bobs}"}, timeout=30)
    assert reply.status_code == 403
    # alice's server does not let bob in
    assert hub.call("alice", "GET", "config", token=bobs).status_code in (401, 403, 404)


def test_the_service_serves_nothing_but_atmo_lab(hub: Hub) -> None:
    """The service's process holds the AWS credentials: no kernel, file or terminal route."""
    token = service_token(hub, "bob")
    headers = {"Authorization": f"token {token}"}
    assert (
        ok(requests.get(f"{hub.service_url}atmo-lab/api/config", headers=headers, timeout=30))[
            "user"
        ]
        == "bob"
    )
    for path in ("api/kernels", "api/contents", "api/sessions", "api/terminals", "lab"):
        reply = requests.get(f"{hub.service_url}{path}", headers=headers, timeout=30)
        assert reply.status_code in (403, 404), (path, reply.status_code)
    kernel = requests.post(f"{hub.service_url}api/kernels", headers=headers, timeout=30)
    assert kernel.status_code in (403, 404)


def service_token(hub: Hub, user: str) -> str:
    """A token of ``user``'s for the service itself (what a kernel's token may do)."""
    reply = hub.hub_api(
        "POST",
        f"users/{user}/tokens",
        json={"note": "team tests", "scopes": [f"access:services!service={SERVICE}"]},
    )
    assert reply.status_code == 201, reply.text
    return reply.json()["token"]


# Kernels: atmo_lab.* reaches the service with the kernel's Hub token.


def test_a_kernel_acts_as_its_user_through_the_service(hub: Hub, made: dict[str, Any]) -> None:
    code = f"""
import json, os
import atmo_lab
from atmo_lab.errors import NotFound
atmo_lab.add_key("from-kernel", {public_key()!r})
launched = atmo_lab.launch(size=1, identifier="bob-from-kernel")
job = atmo_lab.schedule(
    {{"cells": [], "metadata": {{}}, "nbformat": 4, "nbformat_minor": 5}},
    "bob-kernel-job", "From a kernel", notebook_name="k.ipynb",
)
try:
    atmo_lab.cluster({made["alice"]["clusters"]["id"]})
    seen_alices = True
except NotFound:
    seen_alices = False
launched.terminate()
print(json.dumps({{
    "aws": sorted(k for k in os.environ if k.startswith("AWS_")),
    "keys": [k["title"] for k in atmo_lab.keys()],
    "clusters": [c.identifier for c in atmo_lab.clusters("all")],
    "owner": launched.to_dict()["owner"],
    "status": launched.to_dict()["status"],
    "job_owner": job["owner"],
    "seen_alices": seen_alices,
}}))
"""
    seen = json.loads(run_in_kernel(hub, "bob", code).strip().splitlines()[-1])
    assert seen["aws"] == []  # the kernel has no AWS credentials, nor endpoint
    bobs_keys = [k["title"] for k in ok(hub.call("bob", "GET", "keys"))["keys"]]
    assert "from-kernel" in seen["keys"] and seen["keys"] == bobs_keys
    bobs = ok(hub.call("bob", "GET", "clusters?status=all"))["clusters"]
    assert "bob-from-kernel" in seen["clusters"]
    assert seen["clusters"] == [c["identifier"] for c in bobs]
    assert "alice-cluster" not in seen["clusters"]
    assert seen["owner"] == "bob" and seen["job_owner"] == "bob"
    assert seen["status"] in ("TERMINATING", "TERMINATED")
    assert seen["seen_alices"] is False
    # and alice sees none of it
    assert "bob-from-kernel" not in {
        c["identifier"] for c in ok(hub.call("alice", "GET", "clusters?status=all"))["clusters"]
    }


def test_a_forged_identity_from_a_kernel_fails(hub: Hub, made: dict[str, Any]) -> None:
    code = f"""
import os
import atmo_lab
from atmo_lab.errors import AtmoError
os.environ["JUPYTERHUB_USER"] = "alice"
os.environ["USER"] = "alice"
print("as", sorted(c.identifier for c in atmo_lab.clusters("all")))
os.environ["JUPYTERHUB_API_TOKEN"] = "0" * 32
try:
    atmo_lab.cluster({made["alice"]["clusters"]["id"]})
    print("made-up token: allowed")
except AtmoError as exc:
    print("made-up token:", exc.status)
"""
    out = run_in_kernel(hub, "bob", code)
    assert "alice-cluster" not in out and "bob-cluster" in out
    assert "made-up token: 403" in out or "made-up token: 401" in out, out


@pytest.mark.parametrize(("user", "other"), [("alice", "bob"), ("bob", "alice")])
def test_the_widgets_in_a_kernel_act_as_its_user(
    hub: Hub, made: dict[str, Any], user: str, other: str
) -> None:
    """The launcher and cluster panel in each user's kernel: their keys, bounds from the
    service, a launch and a termination as them; the other's cluster is NotFound."""
    code = f"""
import json
from atmo_lab.widgets.launcher import ClusterLauncher
from atmo_lab.widgets.cluster import ClusterPanel
form = ClusterLauncher(interval=60)
keys = [label.split(" — ")[0] for label, _ in form.ssh_key.options]
form.identifier.value = "{user}-widget"
form.launch_button.click()
panel = form.panel
panel.stop_watching()
panel.terminate_button.click()
panel.confirm_yes.click()
try:
    ClusterPanel({made[other]["clusters"]["id"]}, interval=60)
    others = "shown"
except Exception as exc:
    others = type(exc).__name__
print(json.dumps({{
    "user": form.caller.username, "keys": keys, "message": form.message.value,
    "owner": panel.cluster["owner"], "after": panel.message.value,
    "lifetime_max": form.lifetime_hours.max, "releases": len(form.emr_release.options),
    "others": others,
}}))
form.close()
"""
    seen = json.loads(run_in_kernel(hub, user, code).strip().splitlines()[-1])
    assert seen["user"] == user and seen["owner"] == user, seen
    assert f"{user}-widget" in seen["message"] and "Termination requested" in seen["after"], seen
    own_keys = [k["title"] for k in ok(hub.call(user, "GET", "keys"))["keys"]]
    assert seen["keys"] == own_keys and f"{other}-key" not in seen["keys"]
    config = ok(hub.call(user, "GET", "config"))
    assert seen["lifetime_max"] == config["max_cluster_lifetime"] and seen["releases"] > 0
    assert seen["others"] == "NotFound"
    own = {c["identifier"]: c for c in ok(hub.call(user, "GET", "clusters?status=all"))["clusters"]}
    assert own[f"{user}-widget"]["status"] in ("TERMINATING", "TERMINATED")
    theirs = ok(hub.call(other, "GET", "clusters?status=all"))["clusters"]
    assert f"{user}-widget" not in {c["identifier"] for c in theirs}


def test_a_hub_group_makes_a_maintainer(hub: Hub, made: dict[str, Any]) -> None:
    """mia is a maintainer only through her Hub group (maintainer_groups); bob's group names
    no one. The Hub's identity answer carries the groups for a token that may do nothing but
    reach the service (no read:users:groups scope needed)."""
    for user in USERS:
        token = service_token(hub, user)
        model = requests.get(
            f"{hub.url}hub/api/user", headers={"Authorization": f"token {token}"}, timeout=30
        ).json()
        assert model["groups"] == [g for g, members in GROUPS.items() if user in members]
        config = ok(hub.call(user, "GET", "config"))
        assert config["is_maintainer"] is (user == MAINTAINER), (user, config)
    assert MAINTAINER in GROUPS[MAINTAINER_GROUP]
    everyone = {made[user]["jobs"]["id"] for user in ("alice", "bob")}
    assert everyone <= ids(hub, MAINTAINER, "jobs", "?owner=all")
    reply = hub.call("bob", "GET", "jobs?owner=all")
    assert reply.status_code == 403 or ids(hub, "bob", "jobs", "?owner=all") <= ids(
        hub, "bob", "jobs"
    )


def test_the_job_panel_in_a_kernel_acts_as_its_user(hub: Hub, made: dict[str, Any]) -> None:
    """alice's JobPanel lists her jobs only and runs hers now; atmo_lab.spark on her cluster
    is answered by the service (moto's cluster has no Spark endpoint: SparkNotReady)."""
    code = """
import json
import atmo_lab
from atmo_lab.errors import AtmoError
from atmo_lab.widgets.jobs import JobPanel
panel = JobPanel("report.ipynb")
row = next(r for r in panel.job_rows if r.job["identifier"] == "alice-job")
row.run_button.click()
ran = row.message.value
row.results_button.click()
edit = {"description": "Counts, edited in a kernel"}
edited = panel.job_calls.update_job(panel.core, panel.caller, row.job_id, edit)
try:
    atmo_lab.spark("alice-cluster")
    spark = "a session"
except AtmoError as exc:
    spark = [type(exc).__name__, exc.status, exc.message]
print(json.dumps({
    "user": panel.caller.username, "jobs": [r.job["id"] for r in panel.job_rows],
    "owners": sorted({r.job["owner"] for r in panel.job_rows}),
    "ran": ran, "latest": row.job["latest_run"], "results": row.results.value,
    "executor": panel.executor.value, "spark": spark, "edited": edited["description"],
}))
panel.close()
"""
    seen = json.loads(run_in_kernel(hub, "alice", code).strip().splitlines()[-1])
    assert seen["user"] == "alice" and seen["owners"] == ["alice"], seen
    alices = ok(hub.call("alice", "GET", "jobs"))["jobs"]
    assert seen["jobs"] == [job["id"] for job in alices]
    assert made["bob"]["jobs"]["id"] not in seen["jobs"]
    assert "started" in seen["ran"] and seen["latest"]["status"] in ("RUNNING", "TERMINATED")
    runs = ok(hub.call("alice", "GET", f"jobs/{made['alice']['jobs']['id']}/runs"))["runs"]
    assert runs and runs[0]["id"] == seen["latest"]["id"]
    assert "<b>data</b>" in seen["results"] and "<b>logs</b>" in seen["results"]
    assert seen["executor"] == ok(hub.call("alice", "GET", "config"))["job_executor"]
    assert seen["edited"] == "Counts, edited in a kernel"  # update_job: PATCH as alice
    job = ok(hub.call("alice", "GET", f"jobs/{made['alice']['jobs']['id']}"))
    assert job["description"] == seen["edited"]
    name, status, message = seen["spark"]
    assert (name, status) == ("SparkNotReady", 409) and "alice-cluster" in message, seen


def test_another_users_job_and_cluster_are_not_found_from_a_kernel(
    hub: Hub, made: dict[str, Any]
) -> None:
    """bob's kernel: alice's job and cluster, even by id, are NotFound to every call."""
    job, cluster = made["alice"]["jobs"]["id"], made["alice"]["clusters"]["id"]
    runs_before = run_ids(hub, "alice", job)
    code = f"""
import json
import atmo_lab
from atmo_lab.errors import NotFound
from atmo_lab.widgets.jobs import JobPanel
panel = JobPanel("nothing.ipynb")
calls = panel.job_calls
outcomes = {{}}
edit = {{"description": "bob's now"}}
for name, extra in [("get_job", ()), ("run_now", ()), ("list_runs", ()), ("list_results", ()),
                    ("update_job", (edit,)), ("delete_job", ())]:
    try:
        getattr(calls, name)(panel.core, panel.caller, {job}, *extra)
        outcomes[name] = "allowed"
    except NotFound:
        outcomes[name] = "NotFound"
for ref in ({cluster}, "alice-cluster"):
    try:
        atmo_lab.spark(ref)
        outcomes[repr(ref)] = "a session"
    except NotFound:
        outcomes[repr(ref)] = "NotFound"
print(json.dumps({{"jobs": [r.job["id"] for r in panel.job_rows], "outcomes": outcomes}}))
panel.close()
"""
    seen = json.loads(run_in_kernel(hub, "bob", code).strip().splitlines()[-1])
    assert job not in seen["jobs"] and made["bob"]["jobs"]["id"] in seen["jobs"]
    assert set(seen["outcomes"].values()) == {"NotFound"}, seen
    assert len(seen["outcomes"]) == 8
    assert ok(hub.call("alice", "GET", f"jobs/{job}"))["description"] != "bob's now"
    assert run_ids(hub, "alice", job) == runs_before  # bob's run_now started nothing


def run_ids(hub: Hub, user: str, job: int) -> list[int]:
    return [run["id"] for run in ok(hub.call(user, "GET", f"jobs/{job}/runs"))["runs"]]


def sources(nb: dict[str, Any]) -> list[str]:
    return [
        c["source"] if isinstance(c["source"], str) else "".join(c["source"]) for c in nb["cells"]
    ]


def test_large_replies_stream_through_the_users_server(hub: Hub) -> None:
    """A notebook of several MB and its run's executed notebook come back through alice's
    server intact, relayed as they arrive (chunked: the server never held a whole reply)."""
    big = notebook("x = " + repr("0123456789abcdef" * 400_000), "print(len(x))")  # 6.4 MB
    body = {"identifier": "alice-large", "description": "Large", "notebook": big,
            "notebook_name": "large.ipynb"}  # fmt: skip
    job = ok(hub.call("alice", "POST", "jobs", body), 201)
    run = ok(hub.call("alice", "POST", f"jobs/{job['id']}/run"), 202)
    stored = relayed(hub, f"jobs/{job['id']}/notebook")
    assert "attachment" in stored.headers["Content-Disposition"]
    assert sources(json.loads(stored.content)) == sources(big)
    deadline = time.monotonic() + 120
    while (seen := ok(hub.call("alice", "GET", f"runs/{run['id']}")))["outcome"] == "running":
        assert time.monotonic() < deadline, seen
        time.sleep(0.5)
    assert seen["outcome"] == "succeeded", seen
    executed = json.loads(relayed(hub, f"runs/{run['id']}/output").content)
    assert sources(executed)[1:] == sources(big)  # after the injected parameters cell
    assert executed["cells"][-1]["outputs"][0]["text"] in ("6400000\n", ["6400000\n"])
    assert hub.call("alice", "DELETE", f"jobs/{job['id']}").status_code == 204


def relayed(hub: Hub, path: str) -> requests.Response:
    """A notebook download through alice's server, checked to be relayed in chunks."""
    reply = hub.call("alice", "GET", path)
    assert reply.status_code == 200, reply.text[:500]
    assert reply.headers.get("Transfer-Encoding") == "chunked", dict(reply.headers)
    assert reply.headers["Content-Type"].startswith("application/x-ipynb+json")
    return reply


def test_a_run_outlives_the_users_server(hub: Hub) -> None:
    """bob's server stops while his run executes: the run is the service's, it succeeds."""
    slow = notebook("import time\ntime.sleep(6)\nprint('done')")
    body = {"identifier": "bob-slow", "description": "Sleeps", "notebook": slow,
            "notebook_name": "slow.ipynb"}  # fmt: skip
    job = ok(hub.call("bob", "POST", "jobs", body), 201)
    run = ok(hub.call("bob", "POST", f"jobs/{job['id']}/run"), 202)
    assert run["status"] == "RUNNING"
    hub.stop_server("bob")
    try:
        token = service_token(hub, MAINTAINER)  # bob has no server now: ask the service
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            seen = ok(
                requests.get(
                    f"{hub.service_url}atmo-lab/api/runs/{run['id']}",
                    headers={"Authorization": f"token {token}"},
                    timeout=30,
                )
            )
            if seen["status"] not in ("RUNNING", "PENDING", "BOOTSTRAPPING"):
                break
            time.sleep(1)
        assert seen["status"] == "TERMINATED" and seen["outcome"] == "succeeded", seen
    finally:
        hub.start_server("bob")
    mine = ok(hub.call("bob", "GET", f"runs/{run['id']}"))
    assert mine["outcome"] == "succeeded" and mine["output_notebook_key"]


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


def sidebar_of(browser: Any, hub: Hub, user: str) -> tuple[Any, Any]:
    """``user`` logs in on the Hub's login page in a browser context of their own: their
    JupyterLab page and its atmo_lab sidebar, opened."""
    page = browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
    page.set_default_timeout(30_000)
    page.goto(f"{hub.url}hub/login")
    page.locator("#username_input").fill(user)
    page.locator("#password_input").fill(PASSWORD)
    page.locator("#login_submit").click()
    page.wait_for_url(f"**/user/{user}/**")
    page.goto(f"{hub.url}user/{user}/lab?reset")
    page.locator('.jp-SideBar [data-id="atmo-lab-sidebar"]').click()
    return page, page.locator("#atmo-lab-sidebar")


@pytest.mark.skipif(not os.path.exists(CHROMIUM), reason=f"no Chromium at {CHROMIUM}")
def test_the_sidebar_through_the_hub(hub: Hub, made: dict[str, Any]) -> None:
    """alice logs in to the Hub in Chromium: her JupyterLab's sidebar shows her cluster, not
    bob's (the labextension talks to her server, which forwards to the service). mia, a
    maintainer by her Hub group, switches her sidebar to everyone's clusters; alice has no
    such switch."""
    from playwright.sync_api import expect, sync_playwright

    from .ui.conftest import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        try:
            _, mias = sidebar_of(browser, hub, MAINTAINER)  # a maintainer by her Hub group
            expect(mias.locator(".atmo-Who")).to_contain_text(f"{MAINTAINER} (maintainer)")
            mias.get_by_role("tab", name="Clusters").click()
            expect(mias.locator('li[data-identifier="alice-cluster"]')).to_have_count(0)
            mias.get_by_role("switch", name="Everyone's").click()  # ?owner=all
            for user in ("alice", "bob"):
                row = mias.locator(f'li[data-identifier="{user}-cluster"]')
                expect(row.locator(".atmo-Owner")).to_have_text(f"owner: {user}")
            page, sidebar = sidebar_of(browser, hub, "alice")
            expect(sidebar.locator(".atmo-Who")).to_contain_text("alice")
            expect(sidebar.locator(".atmo-Who")).not_to_contain_text("(maintainer)")
            sidebar.get_by_role("tab", name="Clusters").click()
            expect(sidebar.get_by_text("alice-cluster")).to_be_visible(timeout=30_000)
            expect(sidebar.get_by_text("bob-cluster")).to_have_count(0)
            expect(sidebar.get_by_role("switch", name="Everyone's")).to_have_count(0)
            # a launch from the sidebar (the browser's POST, with its XSRF token, to her server)
            sidebar.get_by_role("button", name="Launch cluster…").click()
            dialog = page.get_by_role("dialog", name="Launch a cluster")
            dialog.get_by_label("Identifier").fill("alice-from-lab")
            dialog.get_by_role("button", name="Launch").click()
            expect(dialog).to_be_hidden()
            expect(sidebar.locator('li[data-identifier="alice-from-lab"]')).to_be_visible()
            sidebar.get_by_role("tab", name="Keys").click()
            expect(sidebar.get_by_text("alice-key")).to_be_visible()
            expect(sidebar.get_by_text("bob-key")).to_have_count(0)
            page.screenshot(path=str(hub.folder / "team-sidebar.png"))
        finally:
            browser.close()
    launched = ok(hub.call("alice", "GET", "clusters"))["clusters"]
    assert "alice-from-lab" in {c["identifier"] for c in launched}
    assert all(c["owner"] == "alice" for c in launched)
    bobs = ok(hub.call("bob", "GET", "clusters?status=all"))["clusters"]
    assert "alice-from-lab" not in {c["identifier"] for c in bobs}
