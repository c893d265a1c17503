"""The OpenAPI 3 document of the REST API (served at ``atmo-lab/api/openapi.json``)."""

from __future__ import annotations

from typing import Any

from .jobs import constants
from .settings import AtmoLabConfig, Settings
from .validation import IDENTIFIER_RE
from .version import __version__

API_BASE = "/atmo-lab/api"
IDENTIFIER = {"type": "string", "pattern": IDENTIFIER_RE.pattern}
# Without settings: the defaults of c.AtmoLabApp.max_cluster_size and max_cluster_lifetime.
DEFAULT_LIMITS: tuple[int, ...] = tuple(
    AtmoLabConfig.class_traits()[name].default_value
    for name in ("max_cluster_size", "max_cluster_lifetime")
)


def _string(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {**schema, "nullable": True}


def _time(nullable: bool = False) -> dict[str, Any]:
    schema = _string(format="date-time")
    return _nullable(schema) if nullable else schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _object(
    required: list[str], properties: dict[str, Any], closed: bool = False
) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "required": required, "properties": properties}
    if closed:
        schema["additionalProperties"] = False
    return schema


def _all_required(properties: dict[str, Any]) -> dict[str, Any]:
    return _object(list(properties), properties)


EXAMPLE_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHbTJ0hwkPsaqeRH7wM2z8Cb+e3uXkhwbWMPzVuNuAvC me@laptop"
)
EXAMPLE_NOTEBOOK = {
    "nbformat": 4,
    "nbformat_minor": 5,
    "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
    "cells": [
        {"cell_type": "code", "id": "parameters", "metadata": {"tags": ["parameters"]},
         "source": "days = 7", "outputs": [], "execution_count": None},
        {"cell_type": "code", "id": "count", "metadata": {}, "source": "print(days * 24)",
         "outputs": [], "execution_count": None},
    ],
}  # fmt: skip
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}


def _schemas(max_size: int, max_lifetime: int) -> dict[str, Any]:
    """Component schemas; `max_size` and `max_lifetime` are the installation's limits."""
    # (imported here: they bring SQLAlchemy and boto3, which the server's start-up avoids)
    from .emr_clusters.service import MIN_LIFETIME_HOURS
    from .notifications.service import KINDS
    from .ssh_keys.openssh import MAX_KEY_LENGTH, MAX_TITLE_LENGTH

    size = {"type": "integer", "minimum": 1, "maximum": max_size,
            "description": "nodes; maintainers may exceed the maximum (max_cluster_size)"}  # fmt: skip
    hours = {"type": "integer", "minimum": MIN_LIFETIME_HOURS, "maximum": max_lifetime}
    executors = list(constants.EXECUTORS)
    visibilities = list(constants.RESULT_VISIBILITIES)
    return {
        "Error": _object(
            ["message", "errors"],
            {"message": _string(), "errors": {"type": "object", "additionalProperties": _string()}},
        ),
        "Config": _all_required(
            {
                "user": _string(),
                "is_maintainer": BOOLEAN,
                "region": _string(),
                "max_cluster_size": _nullable(INTEGER),
                "min_resize_size": INTEGER,
                "min_cluster_lifetime": INTEGER,
                "max_cluster_lifetime": INTEGER,
                "default_cluster_lifetime": INTEGER,
                "job_executor": _string(enum=executors),
                "job_intervals": {"type": "array", "items": INTEGER},
                "default_interval_in_hours": INTEGER,
                "aws_endpoint": _nullable(_string()),
                "is_local_emulator": BOOLEAN,
            }
        ),
        "Release": _all_required(
            {
                "version": _string(),
                "changelog_url": _string(),
                "help_text": _string(),
                "is_experimental": BOOLEAN,
                "is_deprecated": BOOLEAN,
            }
        ),
        "Key": _all_required(
            {
                "id": INTEGER,
                "title": _string(),
                "prefix": _string(),
                "fingerprint": _string(),
                "fingerprint_sha256": _string(),
                "created_at": _time(),
            }
        ),
        "KeyDetail": {"allOf": [_ref("Key"), _object(["key"], {"key": _string()})]},
        "KeyInput": _object(
            ["title", "key"],
            {
                "title": _string(minLength=1, maxLength=MAX_TITLE_LENGTH, pattern=r"\S"),
                "key": _string(
                    minLength=1,
                    maxLength=MAX_KEY_LENGTH,
                    description="an OpenSSH public key line (ssh-rsa, ssh-dss, ecdsa-sha2-nistp"
                    "256/384/521, ssh-ed25519); private keys are refused",
                ),
            },
        )
        | {"example": {"title": "laptop", "key": EXAMPLE_KEY}},
        "Cluster": _all_required(
            {
                "id": INTEGER,
                "identifier": _string(),
                "size": INTEGER,
                "lifetime_hours": INTEGER,
                "lifetime_extension_count": INTEGER,
                "ssh_key_id": _nullable(INTEGER),
                "emr_release": _string(),
                "jobflow_id": _string(),
                "status": _string(),
                "status_reason": _string(),
                "master_address": _string(),
                "created_at": _time(),
                "started_at": _time(True),
                "ready_at": _time(True),
                "finished_at": _time(True),
                "expires_at": _time(),
                "is_active": BOOLEAN,
                "is_expiring_soon": BOOLEAN,
                "owner": _string(),
                "spark_connect_url": _nullable(
                    _string(
                        description="the Spark Connect endpoint (sc://host:port, /;token=… where "
                        "it checks one); null until it accepts connections and after the end"
                    )
                ),
                "spark_version": _nullable(_string(description="the Spark the cluster runs")),
                "ssh_tunnel": _nullable(
                    _string(
                        description="one ssh -N command forwarding the master's Spark Connect, "
                        "YARN ResourceManager and Spark History Server ports (active clusters "
                        "with a master address)"
                    )
                ),
            }
        ),
        "ClusterInput": _object(
            ["size", "ssh_key_id"],
            {
                "identifier": _nullable(
                    _string(pattern="^[a-z0-9-]{0,100}$", description="empty: a generated name")
                ),
                "size": size,
                "lifetime_hours": hours,
                "ssh_key_id": {**INTEGER, "description": "one of the caller's keys"},
                "emr_release": _nullable(
                    _string(description="an active release (GET /releases); null: the default")
                ),
            },
        ),
        "Hours": _object(["hours"], {"hours": hours}),
        "Size": _object(
            ["size"],
            {"size": {**size, "minimum": 2, "description": "core nodes (clusters of size 2+)"}},
        ),
        "RunError": _nullable(
            _object(
                ["cell_index", "ename", "evalue"],
                {"cell_index": _nullable(INTEGER), "ename": _string(), "evalue": _string()},
            )
        ),
        "Run": _all_required(
            {
                "id": INTEGER,
                "job_id": INTEGER,
                "status": _string(),
                "status_reason": _string(),
                "jobflow_id": _nullable(_string()),
                "executor": _string(),
                "is_manual": BOOLEAN,
                "is_active": BOOLEAN,
                "outcome": _string(
                    enum=list(constants.OUTCOMES),
                    description="what happened, in words (status stays EMR's)",
                ),
                "output_pruned_at": _time(True),
                "scheduled_at": _time(True),
                "started_at": _time(True),
                "ready_at": _time(True),
                "finished_at": _time(True),
                "duration_seconds": _nullable({"type": "number"}),
                "output_notebook_key": _nullable(_string()),
                "error": _ref("RunError"),
                "created_at": _time(),
            },
        ),
        "Job": _all_required(
            {
                "id": INTEGER,
                "identifier": _string(),
                "description": _string(),
                "notebook_name": _string(),
                "notebook_s3_key": _string(),
                "result_visibility": _string(enum=visibilities),
                "size": INTEGER,
                "interval_in_hours": _nullable(INTEGER),
                "schedule": _nullable(_string()),
                "timezone": _string(),
                "job_timeout_hours": INTEGER,
                "start_date": _time(),
                "end_date": _time(True),
                "expired_date": _time(True),
                "is_enabled": BOOLEAN,
                "emr_release": _string(),
                "parameters": {"type": "object"},
                "executor": _string(enum=executors),
                "next_run_at": _time(True),
                # (OpenAPI 3.0 ignores the siblings of a $ref: nullable goes beside an allOf)
                "latest_run": _nullable({"allOf": [_ref("Run")]}),
                "owner": _string(),
                "created_at": _time(),
                "modified_at": _time(),
            },
        ),
        "JobInput": {
            "type": "object",
            "properties": {
                "identifier": IDENTIFIER,
                "description": _string(
                    minLength=1, maxLength=constants.MAX_DESCRIPTION_CHARS, pattern=r"\S"
                ),
                "notebook_path": _nullable(
                    _string(description="a notebook in the Jupyter server's files")
                ),
                "notebook": _nullable({"type": "object", "description": "an nbformat 4 notebook"}),
                "notebook_name": _nullable(_string(pattern=r"\.ipynb$")),
                "result_visibility": _nullable(_string(enum=[*visibilities, None])),
                "size": size,
                "interval_in_hours": _nullable(
                    {"type": "integer", "enum": [*constants.JOB_INTERVALS, None]}
                ),
                "schedule": _nullable(_string(description="a five-field cron expression")),
                "timezone": _nullable(_string(description="an IANA time zone (default UTC)")),
                "job_timeout_hours": {
                    "type": "integer",
                    "minimum": constants.MIN_TIMEOUT_HOURS,
                    "maximum": constants.MAX_TIMEOUT_HOURS,
                },
                "start_date": _nullable(_time()),
                "end_date": _nullable(_time()),
                "is_enabled": BOOLEAN,
                "emr_release": _nullable(_string()),
                "parameters": _nullable({"type": "object"}),
                "executor": _nullable(_string(enum=[*executors, None])),
            },
            "example": {
                "identifier": "daily-report",
                "description": "Counts yesterday's events",
                "notebook_name": "report.ipynb",
                "notebook": EXAMPLE_NOTEBOOK,
                "schedule": "0 6 * * *",
                "timezone": "Europe/Berlin",
                "parameters": {"days": 1},
            },
        },
        "Result": _all_required(
            {"key": _string(), "size": INTEGER, "last_modified": _time(), "url": _string()}
        ),
        "Results": _all_required(
            {
                "data": {"type": "array", "items": _ref("Result")},
                "logs": {"type": "array", "items": _ref("Result")},
            }
        ),
        "SchedulePreview": _all_required(
            {"timezone": _string(), "runs": {"type": "array", "items": _time()}}
        ),
        "NotebookFacts": _all_required(
            {
                "notebook_path": _string(),
                "identifier": IDENTIFIER,
                "title": _nullable(_string()),
                "parameters": {"type": "object"},
                "skipped": {"type": "array", "items": _string()},
            }
        ),
        "IdentifierAvailability": _all_required(
            {"identifier": _string(), "valid": BOOLEAN, "available": BOOLEAN}
        ),
        "Notification": _all_required(
            {
                "id": INTEGER,
                "kind": _string(enum=list(KINDS)),
                "subject": _string(),
                "body": _string(),
                "created_at": _time(),
                "read": BOOLEAN,
                "object": _object(
                    ["type", "id"], {"type": _string(enum=["cluster", "job", "run"]), "id": INTEGER}
                ),
            }
        ),
    }


def _list_of(name: str, item: str) -> dict[str, Any]:
    return _object(
        [name],
        {
            name: {"type": "array", "items": _ref(item)},
            "next_cursor": _nullable(_string()),
            "total": {**INTEGER, "description": "how many in all (first page of clusters, jobs)"},
        },
    )


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, **_json(_ref("Error"))}


COMMON_ERRORS = {
    "403": _error("not authenticated, or not authorized"),
    "503": _error("the store could not be opened (the server log says why)"),
}
ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _page() -> list[dict[str, Any]]:
    """Optional query parameters: an empty value (``?limit=``) is the same as leaving it out."""
    from .pages import MAX_PAGE_SIZE

    return [
        {"name": "limit", "in": "query", "allowEmptyValue": True,
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE}},
        {"name": "cursor", "in": "query", "allowEmptyValue": True,
         "schema": {"type": "string", "pattern": "^[0-9]{1,19}$"},
         "description": "next_cursor of the previous page"},
    ]  # fmt: skip


def _op(
    summary: str,
    ok: tuple[str, dict[str, Any] | None],
    errors: tuple[str, ...] = (),
    body: str | None = None,
    params: list[dict[str, Any]] | None = None,
    content_type: str = "application/json",
    links: tuple[str, ...] = (),
    body_required: bool = True,
) -> dict[str, Any]:
    status, schema = ok
    success: dict[str, Any] = {"description": summary}
    if schema is not None:
        success["content"] = {content_type: {"schema": schema}}
    if links:  # operations on the object this one returns (its "id")
        success["links"] = {
            name: {"operationId": name, "parameters": {"id": "$response.body#/id"}}
            for name in links
        }
    responses = {status: success, **COMMON_ERRORS}
    descriptions = {"400": "invalid input; errors names each field", "404": "no such object",
                    "409": "conflicts with the current state", "413": "too large",
                    "502": "AWS refused or failed"}  # fmt: skip
    for code in errors:
        responses[code] = _error(descriptions[code])
    operation: dict[str, Any] = {"summary": summary, "responses": responses}
    if body is not None:
        operation["requestBody"] = {"required": body_required, **_json(_ref(body))}
    if params:
        operation["parameters"] = params
    return operation


def operation_id(method: str, path: str) -> str:
    """``get /keys/{id}/raw`` → ``get_keys_by_id_raw``."""
    words = path.strip("/").replace("{id}", "by_id")
    return f"{method}_{words}".replace("/", "_").replace("-", "_").replace(".", "_")


KEY_OPS = ("get_keys_by_id", "get_keys_by_id_raw", "delete_keys_by_id")
CLUSTER_OPS = ("get_clusters_by_id", "post_clusters_by_id_extend", "post_clusters_by_id_resize",
               "post_clusters_by_id_terminate")  # fmt: skip
JOB_OPS = ("get_jobs_by_id", "patch_jobs_by_id", "get_jobs_by_id_runs", "post_jobs_by_id_run",
           "get_jobs_by_id_notebook", "get_jobs_by_id_results", "delete_jobs_by_id")  # fmt: skip


def _paths() -> dict[str, Any]:
    from .emr import STATUS_GROUPS
    from .jobs.fields import MAX_PREVIEW_RUNS

    page = _page()
    status = {"name": "status", "in": "query",
              "schema": {"type": "string", "enum": list(STATUS_GROUPS)}}  # fmt: skip
    query = {"in": "query", "allowEmptyValue": True, "schema": {"type": "string"}}
    preview = [{**query, "name": name} for name in ("schedule", "timezone", "start_date",
                                                     "end_date")]  # fmt: skip
    preview += [
        {**query, "name": "interval_in_hours",
         "schema": {"type": "integer", "enum": list(constants.JOB_INTERVALS)}},
        {**query, "name": "count",
         "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PREVIEW_RUNS}},
    ]  # fmt: skip
    owner = {"name": "owner", "in": "query", "allowEmptyValue": True,
             "schema": {"type": "string", "enum": ["all"]},
             "description": "all: everyone's (maintainers); left out: the caller's"}  # fmt: skip
    unread = {"name": "unread", "in": "query", "allowEmptyValue": True,
              "schema": {"type": "string", "enum": ["true", "false"]}}  # fmt: skip
    identifier = {"name": "identifier", "in": "query", "schema": {"type": "string"}}
    text = {"type": "string"}
    return {
        "/config": {"get": _op("Limits and facts of this installation", ("200", _ref("Config")))},
        "/releases": {"get": _op("Active EMR releases, newest first", ("200", _object(
            ["releases"], {"releases": {"type": "array", "items": _ref("Release")}})))},
        "/openapi.json": {"get": _op("This document", ("200", {"type": "object"}))},
        "/keys": {
            "get": _op("The caller's SSH keys, newest first", ("200", _object(
                ["keys"], {"keys": {"type": "array", "items": _ref("Key")}}))),
            "post": _op("Add an SSH public key", ("201", _ref("Key")), ("400", "409"), "KeyInput",
                        links=KEY_OPS),
        },
        "/keys/{id}": {
            "parameters": [ID],
            "get": _op("A key with its text", ("200", _ref("KeyDetail")), ("404",)),
            "delete": _op("Delete a key", ("204", None), ("404",)),
        },
        "/keys/{id}/raw": {"parameters": [ID], "get": _op(
            "The public key as text", ("200", text), ("404",), content_type="text/plain")},
        "/clusters": {
            "get": _op("Clusters, newest first", ("200", _list_of("clusters", "Cluster")), ("400",),
                       params=[status, owner, *page]),
            "post": _op("Launch a cluster", ("201", _ref("Cluster")), ("400", "409", "502"),
                        "ClusterInput", links=CLUSTER_OPS),
        },
        "/clusters/new-identifier": {"get": _op("A free generated identifier", ("200", _object(
            ["identifier"], {"identifier": _string()})))},
        "/clusters/{id}": {"parameters": [ID], "get": _op(
            "A cluster", ("200", _ref("Cluster")), ("404",))},
        "/clusters/{id}/extend": {"parameters": [ID], "post": _op(
            "Extend the lifetime", ("200", _ref("Cluster")), ("400", "404", "409"), "Hours")},
        "/clusters/{id}/terminate": {"parameters": [ID], "post": _op(
            "Terminate", ("200", _ref("Cluster")), ("404", "409", "502"))},
        "/clusters/{id}/resize": {"parameters": [ID], "post": _op(
            "Resize the core group", ("200", _ref("Cluster")), ("400", "404", "409", "502"),
            "Size")},
        "/jobs": {
            "get": _op("Scheduled jobs", ("200", _list_of("jobs", "Job")), ("400",),
                       params=[owner, *page]),
            "post": _op("Schedule a notebook", ("201", _ref("Job")),
                        ("400", "409", "413", "502"), "JobInput", links=JOB_OPS),
        },
        "/jobs/identifier-available": {"get": _op(
            "Is a job identifier valid and free?", ("200", _ref("IdentifierAvailability")),
            params=[identifier])},
        "/jobs/schedule-preview": {"get": _op(
            "The next runs of a schedule (interval_in_hours, or cron schedule in timezone)",
            ("200", _ref("SchedulePreview")), ("400",), params=preview)},
        "/jobs/notebook-facts": {"get": _op(
            "A notebook's suggested identifier, parameters and first heading",
            ("200", _ref("NotebookFacts")), ("400", "413"),
            params=[{"name": "notebook_path", "in": "query", "required": True,
                     "schema": {"type": "string", "pattern": "[^/ ]"},
                     "description": "a notebook in the Jupyter server's files"}])},
        "/jobs/{id}": {
            "parameters": [ID],
            "get": _op("A job", ("200", _ref("Job")), ("404",)),
            "patch": _op("Change a job (only the fields sent; no body: no change)",
                         ("200", _ref("Job")), ("400", "404", "409", "413", "502"), "JobInput",
                         body_required=False),
            "delete": _op("Delete a job (results are kept)", ("204", None), ("404", "502")),
        },
        "/jobs/{id}/runs": {"parameters": [ID], "get": _op(
            "Run history, newest first", ("200", _list_of("runs", "Run")), ("400", "404"),
            params=page)},
        "/jobs/{id}/run": {"parameters": [ID], "post": _op(
            "Run now", ("202", _ref("Run")), ("404", "409", "502"), links=("get_runs_by_id",))},
        "/jobs/{id}/notebook": {"parameters": [ID], "get": _op(
            "The stored notebook", ("200", {"type": "object"}), ("404", "502"),
            content_type="application/x-ipynb+json")},
        "/jobs/{id}/results": {"parameters": [ID], "get": _op(
            "Result and log files", ("200", _ref("Results")), ("404", "502"))},
        "/runs/{id}": {"parameters": [ID], "get": _op("A run", ("200", _ref("Run")), ("404",))},
        "/runs/{id}/output": {"parameters": [ID], "get": _op(
            "The run's executed notebook (404 while it has none, or once it was pruned)",
            ("200", {"type": "object"}), ("404", "502"), content_type="application/x-ipynb+json")},
        "/notifications": {"get": _op(
            "Notifications, newest first", ("200", _list_of("notifications", "Notification")),
            ("400",), params=[unread, *page])},
        "/notifications/{id}/read": {"parameters": [ID], "post": _op(
            "Mark as read", ("200", _ref("Notification")), ("404",))},
    }  # fmt: skip


def openapi_document(base_url: str = "/", settings: Settings | None = None) -> dict[str, Any]:
    """The OpenAPI 3.0 document for a server at `base_url` with these `settings`' limits."""
    max_size, max_lifetime = (
        (settings.max_cluster_size, settings.max_cluster_lifetime) if settings else DEFAULT_LIMITS
    )
    paths = _paths()
    for path, item in paths.items():
        for method, operation in item.items():
            if method != "parameters":
                operation["operationId"] = operation_id(method, path)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "atmo_lab",
            "version": __version__,
            "description": "EMR clusters, SSH keys and scheduled notebooks.",
        },
        "servers": [{"url": base_url.rstrip("/") + API_BASE}],
        "security": [{"token": []}],
        "paths": paths,
        "components": {
            "schemas": _schemas(max_size, max_lifetime),
            "securitySchemes": {
                "token": {"type": "apiKey", "in": "header", "name": "Authorization"}
            },
        },
    }
