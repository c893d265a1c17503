"""The labextension's generated API types (labextension/src/openapi.ts) match the document."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

LABEXTENSION = Path(__file__).resolve().parent.parent / "labextension"
COMMITTED = LABEXTENSION / "src" / "openapi.ts"
REGENERATE = "cd labextension && PATH=../.venv/bin:$PATH jlpm generate:api"


def tool_path() -> str:
    """PATH with this interpreter's bin first (where jupyterlab installs jlpm)."""
    return os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])


def test_generated_types_are_up_to_date(tmp_path):
    path = tool_path()
    jlpm = shutil.which("jlpm", path=path)
    if shutil.which("node", path=path) is None or jlpm is None:
        pytest.skip("node or jlpm is not installed: cannot regenerate openapi.ts")
    if not (LABEXTENSION / "node_modules" / "openapi-typescript").is_dir():
        pytest.skip("openapi-typescript is not installed (run jlpm install in labextension)")
    fresh = tmp_path / "openapi.ts"
    env = {**os.environ, "PATH": path, "PYTHON": sys.executable}
    subprocess.run(
        [jlpm, "generate:api", str(fresh)], cwd=LABEXTENSION, env=env, check=True, timeout=120
    )
    assert fresh.read_text() == COMMITTED.read_text(), (
        f"labextension/src/openapi.ts is stale: regenerate it with `{REGENERATE}`"
    )
