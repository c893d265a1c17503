"""``GET /config``: what the frontend and widgets need to know about this installation."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from jupyter_server.auth.decorator import authorized
from tornado import web

from .caller import Caller
from .handlers import AtmoHandler, route
from .jobs.constants import DEFAULT_INTERVAL, JOB_INTERVALS
from .openapi import openapi_document

if TYPE_CHECKING:
    from .core import Core


def public_config(core: Core, caller: Caller) -> dict[str, Any]:
    from .aws import aws_endpoint_info
    from .emr_clusters.service import MIN_LIFETIME_HOURS, MIN_RESIZE_SIZE, size_limit

    settings = core.settings
    return {
        "user": caller.username,
        "is_maintainer": caller.is_maintainer,
        "region": settings.region,
        "max_cluster_size": size_limit(core, caller),
        "min_resize_size": MIN_RESIZE_SIZE,
        "min_cluster_lifetime": MIN_LIFETIME_HOURS,
        "max_cluster_lifetime": settings.max_cluster_lifetime,
        "default_cluster_lifetime": settings.default_cluster_lifetime,
        "job_executor": settings.job_executor,
        "job_intervals": list(JOB_INTERVALS),
        "default_interval_in_hours": DEFAULT_INTERVAL,
        **aws_endpoint_info(),
    }


class ConfigBaseHandler(AtmoHandler):
    """The installation's description: authorized on ``atmo_lab:config``."""

    auth_resource = "atmo_lab:config"


class ConfigHandler(ConfigBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(public_config(self.core, self.caller()))


class OpenApiHandler(ConfigBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply(openapi_document(self.base_url, self.core.settings))


handlers = [(route("config"), ConfigHandler), (route("openapi.json"), OpenApiHandler)]
