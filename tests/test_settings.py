"""The CLI, worker and kernels read the same Jupyter config files as the server."""

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


def test_emr_defaults_are_current_releases_and_documented_parameters(tmp_path, monkeypatch):
    from atmo_lab.emr_clusters.releases import active_releases, default_release, release_info

    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    settings = load_settings()
    releases = active_releases(settings)
    assert [r["version"] for r in releases] == ["spark-8.1.0", "7.14.0", "7.13.0"]
    assert default_release(releases) == "7.14.0"  # the experimental Spark 8 is never default
    assert releases[1]["changelog_url"] == (
        "https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-7140-release.html"
    )
    assert releases[0]["changelog_url"].endswith("/emr-spark810-release.html")
    seven, spark8 = release_info(settings, "7.14.0"), release_info(settings, "spark-8.1.0")
    assert seven["spark_version"].startswith("3.5.") and "Hive" in seven["applications"]
    assert spark8["spark_version"].startswith("4.") and "Hive" not in spark8["applications"]
    assert "Spark" in seven["applications"] and "Spark" in spark8["applications"]
    assert settings.service_role == "EMR_DefaultRole_V2" and settings.spot_bid_price == ""
    assert settings.idle_timeout_seconds == 7200


def test_a_configured_release_always_has_spark_and_its_family_defaults(tmp_path, monkeypatch):
    from atmo_lab.emr_clusters.releases import release_info

    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    releases = [{"version": "7.12.0", "applications": ["Hive"]}, {"version": "spark-8.0.0"}]
    config = {"AtmoLabApp": {"emr_releases": releases}}
    (tmp_path / "jupyter_server_config.json").write_text(json.dumps(config))
    settings = load_settings()
    assert release_info(settings, "7.12.0")["applications"] == ["Spark", "Hive"]
    assert "Hive" not in release_info(settings, "spark-8.0.0")["applications"]


def test_idle_timeout_outside_emrs_range_is_refused(tmp_path, monkeypatch):
    import pytest
    from traitlets import TraitError

    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    assert load_settings(["--AtmoLabApp.idle_timeout_seconds=0"]).idle_timeout_seconds == 0
    with pytest.raises(TraitError, match="idle_timeout_seconds"):
        load_settings(["--AtmoLabApp.idle_timeout_seconds=30"])
