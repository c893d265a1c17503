"""The CLI, worker and kernels read the same Jupyter config files as the server (API §2)."""

from __future__ import annotations

import json

from atmo_lab.settings import load_settings


def test_load_settings_reads_py_and_json_config(tmp_path, monkeypatch):
    config_dir = tmp_path / "config"
    config_dir.mkdir()
    (config_dir / "jupyter_server_config.py").write_text(
        "c.AtmoLabApp.owner = 'zoe'\n"
        "c.AtmoLabApp.max_cluster_size = 12\n"
        f"c.AtmoLabApp.db_url = 'sqlite:///{tmp_path}/x.sqlite'\n"
    )
    (config_dir / "jupyter_atmo_lab_config.json").write_text(
        json.dumps({"AtmoLabApp": {"environment": "stage", "maintainers": ["zoe"]}})
    )
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(config_dir))
    monkeypatch.setenv("JUPYTER_CONFIG_PATH", "")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.owner == "zoe"
    assert settings.max_cluster_size == 12
    assert settings.environment == "stage"
    assert settings.maintainers == frozenset({"zoe"})
    assert settings.db_url == f"sqlite:///{tmp_path}/x.sqlite"
    assert settings.queue_url == f"sqlite:///{tmp_path}/x-queue.sqlite"


def test_command_line_overrides(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    settings = load_settings(["--AtmoLabApp.job_executor=local", "--AtmoLabApp.region=eu-west-1"])
    assert settings.job_executor == "local"
    assert settings.region == "eu-west-1"


def test_defaults(tmp_path, monkeypatch):
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("JUPYTERHUB_USER", "hubuser")
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    assert settings.owner == "hubuser"
    assert settings.db_url == f"sqlite:///{tmp_path}/data/atmo_lab/atmo_lab.sqlite"
    assert settings.max_cluster_size == 30 and settings.max_cluster_lifetime == 24
    assert settings.default_cluster_lifetime == 8 and settings.job_executor == "emr"
    assert settings.embedded_worker is True and settings.multi_user is False
