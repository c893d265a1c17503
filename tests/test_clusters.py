"""Releases, config and clusters over REST against the moto server."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from atmo_lab.aws import AwsClients
from atmo_lab.emr_clusters.models import Cluster
from atmo_lab.ssh_keys.models import SSHKey

from .support import public_key

BOTH_STORES = True
IDENTIFIER = re.compile(r"^[a-z]+-[a-z]+-\d{4}$")
RELEASES = [
    {"version": "7.9.0"},
    {"version": "7.10.0"},
    {"version": "7.11.0", "is_experimental": True},
    {"version": "6.15.0", "is_deprecated": True},
    {"version": "5.0.0", "is_active": False},
]


def parse(ts: str) -> dt.datetime:
    return dt.datetime.fromisoformat(ts)


async def add_key(api, user=None):
    r = await api("POST", "keys", {"title": "k", "key": public_key()}, user=user)
    assert r.code == 201
    return r.json["id"]


async def launch(api, user=None, **fields):
    body = {"size": 1, "ssh_key_id": fields.pop("ssh_key_id", None)} | fields
    if body["ssh_key_id"] is None:
        body["ssh_key_id"] = await add_key(api, user)
    return await api("POST", "clusters", body, user=user)


def emr(aws):
    return aws.client("emr")


# --- config and releases ------------------------------------------------------------------


async def test_config(api, moto_endpoint):
    r = await api("GET", "config")
    assert r.json == {
        "user": "alice", "is_maintainer": False, "region": "us-west-2", "max_cluster_size": 30,
        "min_resize_size": 2, "min_cluster_lifetime": 2, "max_cluster_lifetime": 24, "default_cluster_lifetime": 8, "job_executor": "local",
        "job_intervals": [24, 168, 720], "default_interval_in_hours": 168,
        "aws_endpoint": moto_endpoint, "is_local_emulator": True,
    }  # fmt: skip


@pytest.mark.atmo(maintainers=["alice"])
async def test_config_of_a_maintainer_has_no_size_limit(api):
    r = await api("GET", "config")
    assert r.json["is_maintainer"] is True and r.json["max_cluster_size"] is None


@pytest.mark.atmo(emr_releases=RELEASES)
async def test_releases_active_only_in_natural_order(api):
    releases = (await api("GET", "releases")).json["releases"]
    assert [r["version"] for r in releases] == ["7.11.0", "7.10.0", "7.9.0", "6.15.0"]
    assert releases[0]["is_experimental"] and releases[3]["is_deprecated"]
    assert set(releases[0]) == {
        "version", "changelog_url", "help_text", "is_experimental", "is_deprecated",
    }  # fmt: skip
    assert releases[0]["changelog_url"].endswith("/ReleaseGuide/emr-7110-release.html")


@pytest.mark.atmo(emr_releases=RELEASES)
async def test_default_release_is_newest_stable(api):
    r = await launch(api)
    assert r.code == 201, r.body
    assert r.json["emr_release"] == "7.10.0"


# --- launch ----------------------------------------------------------------------------------


async def test_launch_single_node_runjobflow_parameters(api, aws, core):
    key_line = public_key(comment="alice@laptop")
    key_id = (await api("POST", "keys", {"title": "k", "key": key_line})).json["id"]
    r = await api("POST", "clusters", {"identifier": "my-cluster", "size": 1,
                                       "ssh_key_id": key_id, "emr_release": "7.14.0"})  # fmt: skip
    assert r.code == 201, r.body
    cluster = r.json
    assert cluster["status"] == "WAITING"  # moto: a kept-alive cluster is WAITING at once
    assert cluster["master_address"]
    assert cluster["is_active"] and not cluster["is_expiring_soon"]
    assert cluster["lifetime_hours"] == 8 and cluster["lifetime_extension_count"] == 0
    assert parse(cluster["expires_at"]) - parse(cluster["created_at"]) == dt.timedelta(hours=8)
    assert cluster["owner"] == "alice" and cluster["ssh_key_id"] == key_id

    described = emr(aws).describe_cluster(ClusterId=cluster["jobflow_id"])["Cluster"]
    assert described["Name"] == "atmo-dev-cluster-alice-my-cluster"
    assert described["ReleaseLabel"] == "emr-7.14.0"
    created = parse(cluster["created_at"]).strftime("%Y%m%dT%H%M%SZ")  # no ':' or '+' in keys
    assert described["LogUri"] == f"s3://atmo-lab-logs/clusters/my-cluster/{created}/"
    assert described["AutoTerminate"] is False  # KeepJobFlowAliveWhenNoSteps
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {
        "Owner": "alice", "Name": "my-cluster", "Environment": "dev",
        "Application": "atmo-lab-worker-instance", "App": "atmo-lab", "Type": "worker",
        "for-use-with-amazon-emr-managed-policies": "true",
    }  # fmt: skip
    groups = emr(aws).list_instance_groups(ClusterId=cluster["jobflow_id"])["InstanceGroups"]
    assert [(g["InstanceGroupType"], g["Market"], g["RequestedInstanceCount"]) for g in groups] == [
        ("MASTER", "ON_DEMAND", 1)
    ]
    actions = emr(aws).list_bootstrap_actions(ClusterId=cluster["jobflow_id"])["BootstrapActions"]
    assert actions[0]["ScriptPath"] == "s3://atmo-lab-code/bootstrap/atmo-lab.sh"
    assert actions[0]["Args"] == ["--public-key", key_line, "--owner", "alice"]


async def test_launch_multi_node_has_spot_core_group(api, aws):
    r = await launch(api, size=5)
    assert r.code == 201
    groups = emr(aws).list_instance_groups(ClusterId=r.json["jobflow_id"])["InstanceGroups"]
    core_group = next(g for g in groups if g["InstanceGroupType"] == "CORE")
    assert core_group["Market"] == "SPOT" and "BidPrice" not in core_group  # on-demand cap
    assert core_group["RequestedInstanceCount"] == 5


@pytest.mark.atmo(use_spot_instances=False, environment="prod")
async def test_launch_on_demand_core_when_spot_disabled(api, aws):
    r = await launch(api, size=3, identifier="od")
    groups = emr(aws).list_instance_groups(ClusterId=r.json["jobflow_id"])["InstanceGroups"]
    assert {g["Market"] for g in groups} == {"ON_DEMAND"}
    name = emr(aws).describe_cluster(ClusterId=r.json["jobflow_id"])["Cluster"]["Name"]
    assert name == "atmo-prod-cluster-alice-od"


async def test_generated_identifier_and_deduplication(api, core):
    r = await launch(api)
    assert IDENTIFIER.match(r.json["identifier"])
    suggestion = (await api("GET", "clusters/new-identifier")).json["identifier"]
    assert IDENTIFIER.match(suggestion)

    from atmo_lab.emr_clusters.names import deduplicate

    taken = {"happy-curie-0042", "happy-curie-2"}
    assert deduplicate("happy-curie-0042", taken.__contains__) == "happy-curie-3"
    assert deduplicate("free-name-0001", taken.__contains__) == "free-name-0001"
    assert len(deduplicate("a" * 100, lambda n: n == "a" * 100)) == 100


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"size": 0}, "size"), ({"size": 31}, "size"), ({"size": -1}, "size"),
        ({"size": "5"}, "size"), ({"size": 5.5}, "size"), ({"size": None}, "size"),
        ({"size": True}, "size"), ({"lifetime_hours": 1}, "lifetime_hours"),
        ({"lifetime_hours": 25}, "lifetime_hours"), ({"identifier": "Bad_Name"}, "identifier"),
        ({"identifier": "../x"}, "identifier"), ({"identifier": "a" * 101}, "identifier"),
        ({"identifier": "é"}, "identifier"), ({"emr_release": "1.0.0"}, "emr_release"),
        ({"ssh_key_id": 9999}, "ssh_key_id"), ({"ssh_key_id": "1"}, "ssh_key_id"),
    ],
)  # fmt: skip
async def test_launch_validation_changes_nothing(api, aws, fields, field):
    key_id = await add_key(api)
    body = {"size": 1, "ssh_key_id": key_id} | fields
    r = await api("POST", "clusters", body)
    assert r.code == 400, r.body
    assert field in r.json["errors"], r.json
    assert (await api("GET", "clusters", params={"status": "all"})).json["clusters"] == []
    assert emr(aws).list_clusters()["Clusters"] == []


async def test_several_bad_fields_are_named_together(api):
    key_id = await add_key(api)
    r = await api("POST", "clusters", {"size": 0, "lifetime_hours": 99, "ssh_key_id": key_id})
    assert set(r.json["errors"]) == {"size", "lifetime_hours"}


async def test_launch_without_any_key_is_409(api, aws):
    r = await api("POST", "clusters", {"size": 1, "ssh_key_id": 1})
    assert r.code == 409
    assert "SSH key" in r.json["message"]
    assert emr(aws).list_clusters()["Clusters"] == []


async def test_body_must_be_an_object(api):
    await add_key(api)
    r = await api("POST", "clusters", raw_body="[1, 2]")
    assert r.code == 400 and "body" in r.json["errors"]


@pytest.mark.atmo(maintainers=["alice"])
async def test_maintainer_may_exceed_max_size(api, aws):
    r = await launch(api, size=45)
    assert r.code == 201, r.body
    groups = emr(aws).list_instance_groups(ClusterId=r.json["jobflow_id"])["InstanceGroups"]
    assert (
        next(g for g in groups if g["InstanceGroupType"] == "CORE")["RequestedInstanceCount"] == 45
    )


async def test_aws_failure_during_launch_is_502_and_stores_nothing(api, aws, core, monkeypatch):
    key_id = await add_key(api)
    # EMR unreachable (nothing listens on port 9): boto3 retries, then the launch fails.
    monkeypatch.setenv("AWS_ENDPOINT_URL_EMR", "http://127.0.0.1:9")
    monkeypatch.setattr(core, "aws", AwsClients(core.settings.region, {"total_max_attempts": 2}))
    r = await api("POST", "clusters", {"size": 1, "ssh_key_id": key_id})
    assert r.code == 502, r.body
    assert "RunJobFlow" in r.json["message"] and "EndpointConnectionError" in r.json["message"]
    with core.store.reader() as session:
        assert session.query(Cluster).count() == 0
    monkeypatch.delenv("AWS_ENDPOINT_URL_EMR")
    assert emr(aws).list_clusters()["Clusters"] == []


# --- list, get, isolation ---------------------------------------------------------------------


async def test_list_filters_and_order(api, aws):
    first = (await launch(api)).json
    second = (await launch(api, ssh_key_id=first["ssh_key_id"])).json
    await api("POST", f"clusters/{first['id']}/terminate")
    active = (await api("GET", "clusters")).json["clusters"]
    assert [c["id"] for c in active] == [second["id"]]
    terminated = (await api("GET", "clusters", params={"status": "terminated"})).json["clusters"]
    assert [c["id"] for c in terminated] == [first["id"]]
    assert (await api("GET", "clusters", params={"status": "failed"})).json["clusters"] == []
    every = (await api("GET", "clusters", params={"status": "all"})).json["clusters"]
    assert [c["id"] for c in every] == [second["id"], first["id"]]
    r = await api("GET", "clusters", params={"status": "bogus"})
    assert r.code == 400 and "status" in r.json["errors"]


async def test_list_pages_with_a_cursor(api, core):
    key_id = await add_key(api)
    with core.store.session() as session:
        now = dt.datetime.now(dt.timezone.utc)
        for i in range(7):
            session.add(Cluster(owner="alice", identifier=f"c{i}", size=1, lifetime_hours=8,
                                ssh_key_id=key_id, emr_release="7.5.0", jobflow_id=f"j-{i}",
                                status="WAITING", expires_at=now + dt.timedelta(hours=8)))  # fmt: skip
    seen, cursor, totals = [], None, []
    while True:
        params = {"limit": "3"} | ({"cursor": cursor} if cursor else {})
        page = (await api("GET", "clusters", params=params)).json
        seen += [c["identifier"] for c in page["clusters"]]
        totals.append(page.get("total"))
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"c{i}" for i in reversed(range(7))]
    assert totals == [7, None, None]  # the first page counts the whole list (the tab's badge)
    assert (await api("GET", "clusters", params={"limit": "0"})).code == 400
    assert (await api("GET", "clusters", params={"cursor": "x"})).code == 400


@pytest.mark.atmo(multi_user=True, maintainers=["mia"])
@pytest.mark.atmo(multi_user=True)
async def test_the_first_page_counts_only_what_it_lists(api, core):
    key_id = await add_key(api)
    with core.store.session() as session:
        now = dt.datetime.now(dt.timezone.utc)
        for i, (owner, status) in enumerate(
            [("alice", "WAITING")] * 4 + [("alice", "TERMINATED"), ("bob", "WAITING")]
        ):
            session.add(Cluster(owner=owner, identifier=f"c{i}", size=1, lifetime_hours=8,
                                ssh_key_id=key_id, emr_release="7.5.0", jobflow_id=f"j-{i}",
                                status=status, expires_at=now + dt.timedelta(hours=8)))  # fmt: skip
    active = (await api("GET", "clusters", params={"limit": "2"})).json
    assert (len(active["clusters"]), active["total"]) == (2, 4)  # not bob's, not terminated
    every = (await api("GET", "clusters", params={"status": "all", "limit": "2"})).json
    assert every["total"] == 5
    short = (await api("GET", "clusters", params={"status": "terminated"})).json
    assert (len(short["clusters"]), short["total"]) == (1, 1)


@pytest.mark.atmo(multi_user=True, maintainers=["mia"])
async def test_two_users_are_isolated(api):
    mine = (await launch(api, user="alice")).json
    theirs = (await launch(api, user="bob")).json
    assert [c["id"] for c in (await api("GET", "clusters", user="alice")).json["clusters"]] == [
        mine["id"]
    ]
    for method, path, body in [
        ("GET", f"clusters/{theirs['id']}", None),
        ("POST", f"clusters/{theirs['id']}/extend", {"hours": 2}),
        ("POST", f"clusters/{theirs['id']}/terminate", None),
        ("POST", f"clusters/{theirs['id']}/resize", {"size": 3}),
    ]:
        r = await api(method, path, body, user="alice")
        assert r.code == 404, (path, r.body)
        assert str(theirs["jobflow_id"]) not in r.body.decode()
    # another user's key can't be used to launch either
    r = await api("POST", "clusters", {"size": 1, "ssh_key_id": theirs["ssh_key_id"]}, user="alice")
    assert r.code == 400 and "ssh_key_id" in r.json["errors"]
    # owner=all is for maintainers only
    everyone = await api("GET", "clusters", user="mia", params={"owner": "all"})
    assert {c["owner"] for c in everyone.json["clusters"]} == {"alice", "bob"}
    own_only = await api("GET", "clusters", user="alice", params={"owner": "all"})
    assert {c["owner"] for c in own_only.json["clusters"]} == {"alice"}


@pytest.mark.atmo(multi_user=True)
async def test_multi_user_rejects_anonymous_server_token_users(api, jp_serverapp):
    from jupyter_server.auth.identity import PasswordIdentityProvider

    jp_serverapp.web_app.settings["identity_provider"].__class__ = PasswordIdentityProvider
    r = await api("GET", "clusters")
    assert r.code == 403 and "identity provider" in r.json["message"]


async def test_unauthenticated_requests_are_403(api, aws):
    await add_key(api)
    r = await api("POST", "clusters", {"size": 1, "ssh_key_id": 1}, headers={"Authorization": ""})
    assert r.code == 403
    assert (await api("GET", "config", headers={"Authorization": ""})).code == 403
    assert emr(aws).list_clusters()["Clusters"] == []


# --- extend, terminate, resize ---------------------------------------------------------------


async def test_extend_adds_to_current_expiry(api, core):
    cluster = (await launch(api, lifetime_hours=4)).json
    with core.store.session() as session:
        session.get(Cluster, cluster["id"]).expiration_warning_sent = True
    r = await api("POST", f"clusters/{cluster['id']}/extend", {"hours": 3})
    assert r.code == 200
    assert parse(r.json["expires_at"]) - parse(cluster["expires_at"]) == dt.timedelta(hours=3)
    assert r.json["lifetime_extension_count"] == 1 and r.json["lifetime_hours"] == 4
    r = await api("POST", f"clusters/{cluster['id']}/extend", {"hours": 24})
    assert parse(r.json["expires_at"]) - parse(cluster["expires_at"]) == dt.timedelta(hours=27)
    assert r.json["lifetime_extension_count"] == 2
    with core.store.reader() as session:
        assert session.get(Cluster, cluster["id"]).expiration_warning_sent is False
    for hours in (1, 25, "2", None):
        bad = await api("POST", f"clusters/{cluster['id']}/extend", {"hours": hours})
        assert bad.code == 400 and "hours" in bad.json["errors"]


async def test_terminate_then_extend_and_terminate_conflict(api, aws):
    cluster = (await launch(api)).json
    r = await api("POST", f"clusters/{cluster['id']}/terminate")
    assert r.code == 200
    assert r.json["status"] == "TERMINATED" and not r.json["is_active"]
    assert r.json["finished_at"]
    state = emr(aws).describe_cluster(ClusterId=cluster["jobflow_id"])["Cluster"]["Status"]
    assert state["State"] == "TERMINATED"
    assert (await api("POST", f"clusters/{cluster['id']}/terminate")).code == 409
    assert (await api("POST", f"clusters/{cluster['id']}/extend", {"hours": 2})).code == 409
    assert (await api("POST", f"clusters/{cluster['id']}/resize", {"size": 4})).code == 409


async def test_resize_core_group(api, aws):
    cluster = (await launch(api, size=3)).json
    r = await api("POST", f"clusters/{cluster['id']}/resize", {"size": 6})
    assert r.code == 200, r.body
    assert r.json["size"] == 6
    groups = emr(aws).list_instance_groups(ClusterId=cluster["jobflow_id"])["InstanceGroups"]
    core_group = next(g for g in groups if g["InstanceGroupType"] == "CORE")
    assert core_group["RequestedInstanceCount"] == 6
    for size in (31, 0, "4", 1):
        bad = await api("POST", f"clusters/{cluster['id']}/resize", {"size": size})
        assert bad.code == 400 and "size" in bad.json["errors"]


async def test_resize_bound_in_config_is_the_one_the_server_keeps(api):
    # The UI's resize field takes its minimum from GET /config: one below it is refused.
    lowest = (await api("GET", "config")).json["min_resize_size"]
    cluster = (await launch(api, size=3)).json
    too_small = await api("POST", f"clusters/{cluster['id']}/resize", {"size": lowest - 1})
    assert too_small.code == 400 and "size" in too_small.json["errors"]
    r = await api("POST", f"clusters/{cluster['id']}/resize", {"size": lowest})
    assert r.code == 200 and r.json["size"] == lowest


async def test_resize_of_a_single_node_cluster_is_409(api):
    cluster = (await launch(api, size=1)).json
    r = await api("POST", f"clusters/{cluster['id']}/resize", {"size": 4})
    assert r.code == 409 and "size" in r.json["errors"]


async def test_deleting_a_key_keeps_its_clusters(api, core):
    cluster = (await launch(api)).json
    assert (await api("DELETE", f"keys/{cluster['ssh_key_id']}")).code == 204
    after = (await api("GET", f"clusters/{cluster['id']}")).json
    assert after["ssh_key_id"] is None and after["status"] == "WAITING"
    with core.store.reader() as session:
        assert session.query(SSHKey).count() == 0


@pytest.mark.server(authorizer_class="tests.support.ReadOnlyClusters")
async def test_handlers_ask_the_authorizer_with_atmo_lab_resources(api, aws):
    key_id = await add_key(api)  # atmo_lab:keys write is allowed
    r = await api("POST", "clusters", {"size": 1, "ssh_key_id": key_id})
    assert r.code == 403
    assert (await api("GET", "clusters")).code == 200
    assert emr(aws).list_clusters()["Clusters"] == []
