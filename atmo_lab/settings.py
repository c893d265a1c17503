"""Configuration shared by the server, the worker, the CLI and the widgets.

The traits live on :class:`AtmoLabConfig`, a mixin that :class:`atmo_lab.app.AtmoLabApp` (the
server extension) inherits. Outside the server, :func:`load_settings` reads the same Jupyter
config files (``jupyter_server_config.{py,json}`` and ``jupyter_server_config.d/*.json`` on the
Jupyter config path) and returns the same :class:`Settings`, so every part of an installation
agrees on the store, the buckets and the limits.
"""

from __future__ import annotations

import contextlib
import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from traitlets import (
    Bool,
    CaselessStrEnum,
    Dict,
    HasTraits,
    Int,
    List,
    Set,
    TraitError,
    Unicode,
    default,
    validate,
)
from traitlets.config import Application, Config, Configurable
from traitlets.config.loader import ConfigFileNotFound

# Applications of each release family (ReleaseGuide: emr-7140-release.html and
# emr-spark810-release.html); Spark is always among them, Hive only in 7.x.
EMR7_APPLICATIONS = ["Spark", "Hive", "JupyterEnterpriseGateway", "Livy"]
EMR_SPARK_APPLICATIONS = ["Spark", "JupyterEnterpriseGateway", "Livy"]

# Spark versions from AWS's Spark release history and the releases' pages.
DEFAULT_RELEASES: list[dict[str, Any]] = [
    {"version": "7.14.0", "changelog_url": "", "help_text": "", "is_experimental": False,
     "is_deprecated": False, "is_active": True, "applications": EMR7_APPLICATIONS,
     "spark_version": "3.5.6"},
    {"version": "7.13.0", "changelog_url": "", "help_text": "", "is_experimental": False,
     "is_deprecated": False, "is_active": True, "applications": EMR7_APPLICATIONS,
     "spark_version": "3.5.6"},
    {"version": "spark-8.1.0", "changelog_url": "",
     "help_text": "Spark 4.1 runtime (LTS): no Hive", "is_experimental": True,
     "is_deprecated": False, "is_active": True, "applications": EMR_SPARK_APPLICATIONS,
     "spark_version": "4.1.1"},
]  # fmt: skip

# EMR's release pages are named after the label without dots: emr-7140-release.html,
# emr-spark810-release.html.
CHANGELOG_URL = "https://docs.aws.amazon.com/emr/latest/ReleaseGuide/emr-{compact}-release.html"


# AutoTerminationPolicy.IdleTimeout's range (API reference), in seconds.
MIN_IDLE_TIMEOUT = 60
MAX_IDLE_TIMEOUT = 7 * 24 * 3600


def _data_dir() -> Path:
    from jupyter_core.paths import jupyter_data_dir

    return Path(jupyter_data_dir()) / "atmo_lab"


def _default_owner() -> str:
    user = os.environ.get("JUPYTERHUB_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry in some containers
        return "jovyan"


def _default_region() -> str:
    import boto3

    return boto3.session.Session().region_name or "us-west-2"


class AtmoLabConfig(HasTraits):
    """The configurable traits (``c.AtmoLabApp.<name>``)."""

    db_url = Unicode(
        "", help="SQLAlchemy URL of the state store (default: SQLite under the Jupyter data dir)"
    ).tag(config=True)
    queue_url = Unicode(
        "", help="huey storage: sqlite:///path or redis://host:port/db (default: beside the DB)"
    ).tag(config=True)
    embedded_worker = Bool(
        True, help="Run the huey consumer inside the Jupyter server process"
    ).tag(config=True)
    worker_threads = Int(2, help="Worker threads of the huey consumer").tag(config=True)
    region = Unicode("", help="AWS region (default: boto3's configured region or us-west-2)").tag(
        config=True
    )
    code_bucket = Unicode("atmo-lab-code", help="S3 bucket for uploaded notebooks").tag(config=True)
    public_data_bucket = Unicode("atmo-lab-public-data", help="S3 bucket for public results").tag(
        config=True
    )
    private_data_bucket = Unicode(
        "atmo-lab-private-data", help="S3 bucket for private results"
    ).tag(config=True)
    log_bucket = Unicode("atmo-lab-logs", help="S3 bucket for EMR logs").tag(config=True)
    max_cluster_size = Int(30, help="Upper bound of cluster size for non-maintainers").tag(
        config=True
    )
    max_cluster_lifetime = Int(24, help="Upper bound (hours) of lifetime and extensions").tag(
        config=True
    )
    default_cluster_lifetime = Int(8, help="Default cluster lifetime in hours").tag(config=True)
    emr_releases = List(
        Dict(), default_value=DEFAULT_RELEASES, help="EMR releases users may pick"
    ).tag(config=True)
    job_executor = CaselessStrEnum(
        ["emr", "local"], default_value="emr", help="Where scheduled notebooks run"
    ).tag(config=True)
    owner = Unicode(
        "", help="Owner of what this server creates (default $JUPYTERHUB_USER or login)"
    ).tag(config=True)
    multi_user = Bool(False, help="Owners are the authenticated Jupyter identities' usernames").tag(
        config=True
    )
    maintainers = Set(Unicode(), help="Usernames that may exceed limits and see all jobs").tag(
        config=True
    )
    mail_sender = Unicode("", help="SES sender address; empty disables mail").tag(config=True)
    email_domain = Unicode(
        "", help="Mail goes to <username>@<email_domain> (usernames that are addresses: as is)"
    ).tag(config=True)
    environment = Unicode("dev", help="Used in EMR names and tags").tag(config=True)

    # EMR launch parameters (RunJobFlow, API reference)
    master_instance_type = Unicode("m7i.xlarge", help="EC2 type of the master node").tag(
        config=True
    )
    worker_instance_type = Unicode("m7i.xlarge", help="EC2 type of core and task nodes").tag(
        config=True
    )
    use_spot_instances = Bool(True, help="Worker nodes on the spot market").tag(config=True)
    spot_bid_price = Unicode(
        "", help="Spot BidPrice (USD/hour); empty: none, EMR caps spot at the on-demand price"
    ).tag(config=True)
    spot_task_nodes = Bool(
        False,
        help="With spot: one on-demand core node, the other workers spot task nodes",
    ).tag(config=True)
    ec2_key_name = Unicode("", help="EC2 key pair of the operators (optional)").tag(config=True)
    ec2_subnet_id = Unicode("", help="VPC subnet of the clusters (Ec2SubnetId)").tag(config=True)
    additional_master_security_groups = List(
        Unicode(), help="Security groups added to the master node (e.g. SSH, Spark Connect)"
    ).tag(config=True)
    additional_core_security_groups = List(
        Unicode(), help="Security groups added to core and task nodes"
    ).tag(config=True)
    security_configuration = Unicode(
        "", help="Name of an EMR security configuration (e.g. one that requires IMDSv2)"
    ).tag(config=True)
    idle_timeout_seconds = Int(
        7200,
        help="AutoTerminationPolicy IdleTimeout of kept-alive clusters (60-604800; 0: none)",
    ).tag(config=True)
    job_pip_packages = List(
        Unicode(), help="pip packages installed beside papermill on a run's nodes"
    ).tag(config=True)
    job_flow_role = Unicode("EMR_EC2_DefaultRole", help="Instance profile of the nodes").tag(
        config=True
    )
    service_role = Unicode("EMR_DefaultRole_V2", help="EMR service role").tag(config=True)
    bootstrap_script_uri = Unicode(
        "",
        help="Bootstrap script that installs the user's key (default s3://<code_bucket>/bootstrap/atmo-lab.sh)",
    ).tag(config=True)
    job_bootstrap_script_uri = Unicode(
        "",
        help="Bootstrap script for job clusters (default s3://<code_bucket>/bootstrap/atmo-lab-job.sh)",
    ).tag(config=True)
    instance_app_tag = Unicode("atmo-lab-worker-instance").tag(config=True)
    accounting_app_tag = Unicode("atmo-lab").tag(config=True)
    accounting_type_tag = Unicode("worker").tag(config=True)
    max_notebook_bytes = Int(100 * 1024 * 1024, help="Largest notebook accepted (bytes)").tag(
        config=True
    )
    page_size = Int(200, help="Default page size of list routes").tag(config=True)
    stranded_claim_seconds = Int(
        300, help="A due occurrence claimed this long ago and not started was left by a dead worker"
    ).tag(config=True)
    run_outputs_kept = Int(
        10,
        min=0,
        help="Runs of a job that keep their executed notebook and logs (the newest ones); the "
        "worker deletes older runs' outputs. 0 keeps every run's output.",
    ).tag(config=True)

    # Spark Connect (atmo_lab/spark)
    spark_connect_port = Int(15002, help="Port of the Spark Connect server on a master node").tag(
        config=True
    )
    spark_stand_in = Bool(
        False,
        help="Give every active cluster a local Spark Connect server on loopback, standing in "
        "for its master node (the demo and tests; needs Java and atmo-lab[spark])",
    ).tag(config=True)

    # Team deployment on JupyterHub (atmo_lab/team)
    service_url = Unicode(
        "",
        help="Team mode: URL of the team's atmo_lab service (atmo-lab serve), e.g. "
        "http://hub-proxy/services/atmo-lab/. This server then holds no store and no AWS "
        "credentials; it forwards the REST API to the service with its JupyterHub API token.",
    ).tag(config=True)
    local_runs = Bool(
        True,
        help="Allow scheduled notebooks to run on this machine (executor local). atmo-lab serve "
        "turns it off unless set on its command line: a team's notebooks would run beside the "
        "service's store and AWS credentials.",
    ).tag(config=True)
    maintainer_groups = Set(
        Unicode(),
        help="JupyterHub group names whose members are maintainers (as if in maintainers), "
        "for people known by their Hub identity (atmo-lab serve)",
    ).tag(config=True)

    @default("owner")
    def _owner_default(self) -> str:
        return _default_owner()

    @validate("idle_timeout_seconds")
    def _valid_idle_timeout(self, proposal: Any) -> int:
        value = int(proposal["value"])
        if value != 0 and not MIN_IDLE_TIMEOUT <= value <= MAX_IDLE_TIMEOUT:
            raise TraitError(
                f"idle_timeout_seconds: 0 or {MIN_IDLE_TIMEOUT}-{MAX_IDLE_TIMEOUT} (EMR's range)"
            )
        return value


@dataclass(frozen=True)
class Settings:
    """Resolved configuration: what the core reads."""

    db_url: str
    queue_url: str
    embedded_worker: bool
    worker_threads: int
    region: str
    code_bucket: str
    public_data_bucket: str
    private_data_bucket: str
    log_bucket: str
    max_cluster_size: int
    max_cluster_lifetime: int
    default_cluster_lifetime: int
    emr_releases: tuple[dict[str, Any], ...]
    job_executor: str
    owner: str
    multi_user: bool
    maintainers: frozenset[str]
    mail_sender: str
    email_domain: str
    environment: str
    master_instance_type: str
    worker_instance_type: str
    use_spot_instances: bool
    spot_bid_price: str
    spot_task_nodes: bool
    ec2_key_name: str
    ec2_subnet_id: str
    additional_master_security_groups: tuple[str, ...]
    additional_core_security_groups: tuple[str, ...]
    security_configuration: str
    idle_timeout_seconds: int
    job_pip_packages: tuple[str, ...]
    job_flow_role: str
    service_role: str
    bootstrap_script_uri: str
    job_bootstrap_script_uri: str
    instance_app_tag: str
    accounting_app_tag: str
    accounting_type_tag: str
    max_notebook_bytes: int
    page_size: int
    stranded_claim_seconds: int
    run_outputs_kept: int = 10
    spark_connect_port: int = 15002
    spark_stand_in: bool = False
    service_url: str = ""
    local_runs: bool = True
    maintainer_groups: frozenset[str] = frozenset()
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_config(cls, source: AtmoLabConfig) -> Settings:
        """Resolve defaults that depend on the machine (paths, region, script URIs)."""
        db_url = source.db_url or f"sqlite:///{_data_dir() / 'atmo_lab.sqlite'}"
        queue_url = source.queue_url or _queue_beside(db_url)
        code = source.code_bucket
        return cls(
            db_url=db_url,
            queue_url=queue_url,
            embedded_worker=source.embedded_worker,
            worker_threads=source.worker_threads,
            region=source.region or _default_region(),
            code_bucket=code,
            public_data_bucket=source.public_data_bucket,
            private_data_bucket=source.private_data_bucket,
            log_bucket=source.log_bucket,
            max_cluster_size=source.max_cluster_size,
            max_cluster_lifetime=source.max_cluster_lifetime,
            default_cluster_lifetime=source.default_cluster_lifetime,
            emr_releases=tuple(dict(r) for r in source.emr_releases),
            job_executor=source.job_executor.lower(),
            owner=source.owner or _default_owner(),
            multi_user=source.multi_user,
            maintainers=frozenset(source.maintainers),
            mail_sender=source.mail_sender,
            email_domain=source.email_domain,
            environment=source.environment,
            master_instance_type=source.master_instance_type,
            worker_instance_type=source.worker_instance_type,
            use_spot_instances=source.use_spot_instances,
            spot_bid_price=source.spot_bid_price,
            spot_task_nodes=source.spot_task_nodes,
            ec2_key_name=source.ec2_key_name,
            ec2_subnet_id=source.ec2_subnet_id,
            additional_master_security_groups=tuple(source.additional_master_security_groups),
            additional_core_security_groups=tuple(source.additional_core_security_groups),
            security_configuration=source.security_configuration,
            idle_timeout_seconds=source.idle_timeout_seconds,
            job_pip_packages=tuple(source.job_pip_packages),
            job_flow_role=source.job_flow_role,
            service_role=source.service_role,
            bootstrap_script_uri=source.bootstrap_script_uri
            or f"s3://{code}/bootstrap/atmo-lab.sh",
            job_bootstrap_script_uri=source.job_bootstrap_script_uri
            or f"s3://{code}/bootstrap/atmo-lab-job.sh",
            instance_app_tag=source.instance_app_tag,
            accounting_app_tag=source.accounting_app_tag,
            accounting_type_tag=source.accounting_type_tag,
            max_notebook_bytes=source.max_notebook_bytes,
            page_size=source.page_size,
            stranded_claim_seconds=source.stranded_claim_seconds,
            run_outputs_kept=source.run_outputs_kept,
            spark_connect_port=source.spark_connect_port,
            spark_stand_in=source.spark_stand_in,
            service_url=source.service_url,
            local_runs=source.local_runs,
            maintainer_groups=frozenset(source.maintainer_groups),
        )


def _queue_beside(db_url: str) -> str:
    """A huey SQLite queue next to a SQLite store, or under the data dir otherwise."""
    prefix = "sqlite:///"
    if db_url.startswith(prefix) and db_url[len(prefix) :] not in ("", ":memory:"):
        path = Path(db_url[len(prefix) :])
        return f"sqlite:///{path.with_name(path.stem + '-queue.sqlite')}"
    return f"sqlite:///{_data_dir() / 'atmo_lab-queue.sqlite'}"


class SettingsReader(AtmoLabConfig, Configurable):  # (section names must not start with "_")
    """Reads the ``AtmoLabApp`` section of a traitlets Config."""


def settings_from_config(config: Config) -> Settings:
    """Settings from a traitlets Config holding an ``AtmoLabApp`` section."""
    section = config.get("AtmoLabApp", Config())
    reader = SettingsReader(config=Config({"SettingsReader": section}))
    return Settings.from_config(reader)


def load_config(extra_argv: list[str] | None = None) -> Config:
    """Load the Jupyter server config files the way ``jupyter server`` does."""
    from jupyter_core.application import JupyterApp

    class _Loader(JupyterApp):
        name = "atmo-lab"
        config_file_name = "jupyter_server_config"

    loader = _Loader()
    loader.load_config_file()  # jupyter_config and jupyter_server_config on the config path
    with contextlib.suppress(ConfigFileNotFound):  # the extension's own config file
        Application.load_config_file(
            loader, "jupyter_atmo_lab_config", path=loader.config_file_paths
        )
    if extra_argv:
        loader.parse_command_line(extra_argv)
    return loader.config


def load_settings(extra_argv: list[str] | None = None) -> Settings:
    """The Settings of this installation, for the CLI, the worker and kernels."""
    return settings_from_config(load_config(extra_argv))
