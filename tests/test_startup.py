"""The extension stays off the server's start-up path; its store is opened and upgraded later."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import inspect, text

from atmo_lab.store import Store

HEAVY = ("sqlalchemy", "boto3", "botocore", "huey", "papermill")


def test_loading_the_extension_imports_no_store_or_aws_library() -> None:
    script = (
        "import sys\n"
        "from atmo_lab import _jupyter_server_extension_points as points\n"
        "app = points()[0]['app']()\n"
        "app.initialize_handlers()\n"
        "assert len(app.handlers) > 10, app.handlers\n"
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert out.stdout.strip() == "[]"


async def test_requests_wait_for_the_store_then_are_served(api: Any, jp_serverapp: Any) -> None:
    startup = jp_serverapp.web_app.settings["atmo_lab_startup"]
    assert startup.built is None  # nothing has needed it yet
    reply = await api("GET", "keys")
    assert reply.code == 200 and reply.json["keys"] == []
    assert startup.built is not None


@pytest.mark.atmo(db_url="sqlite:////dev/null/atmo.db")
async def test_a_store_that_cannot_open_is_a_503_that_says_so(api: Any) -> None:
    reply = await api("GET", "clusters")
    assert reply.code == 503
    assert "could not open its store" in reply.json["message"]


def test_an_older_database_gets_the_new_indexes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    old = Store(url)
    old.create_schema()
    with old.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_clusters_owner_id"))
    old.dispose()
    upgraded = Store(url)
    upgraded.create_schema()
    names = {index["name"] for index in inspect(upgraded.engine).get_indexes("clusters")}
    assert "ix_clusters_owner_id" in names
    upgraded.dispose()
