"""REST routes for releases and clusters."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..handlers import AtmoHandler, object_id, route
from .releases import active_releases


class ClustersBaseHandler(AtmoHandler):
    """Every release and cluster route: authorized on ``atmo_lab:clusters``."""

    auth_resource = "atmo_lab:clusters"
    service_module = "atmo_lab.emr_clusters.service"


class ReleasesHandler(ClustersBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        self.reply({"releases": active_releases(self.core.settings)})


class ClustersHandler(ClustersBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.run(
            self.service.list_clusters,
            self.core,
            self.caller(),
            status=self.query("status", "active"),
            owner=self.query("owner", None),
            limit=self.query("limit", None),
            cursor=self.query("cursor", None),
        )
        self.reply_page("clusters", page)

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        cluster = await self.run(self.service.launch_cluster, self.core, self.caller(), body)
        self.reply(cluster, 201)


class IdentifierSuggestionHandler(ClustersBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        identifier = await self.run(self.service.suggest_identifier, self.core)
        self.reply({"identifier": identifier})


class ClusterHandler(ClustersBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, cluster_id: str) -> None:
        cluster = await self.run(
            self.service.get_cluster, self.core, self.caller(), object_id(cluster_id)
        )
        self.reply(cluster)


class ClusterActionHandler(ClustersBaseHandler):
    @web.authenticated
    @authorized
    async def post(self, cluster_id: str, action: str) -> None:
        caller, pk = self.caller(), object_id(cluster_id)
        if action == "terminate":
            cluster = await self.run(self.service.terminate_cluster, self.core, caller, pk)
        else:
            operation = (
                self.service.extend_cluster if action == "extend" else self.service.resize_cluster
            )
            cluster = await self.run(operation, self.core, caller, pk, self.json_body())
        self.reply(cluster)


handlers = [
    (route("releases"), ReleasesHandler),
    (route("clusters"), ClustersHandler),
    (route("clusters/new-identifier"), IdentifierSuggestionHandler),
    (route(r"clusters/([^/]+)"), ClusterHandler),
    (route(r"clusters/([^/]+)/(extend|terminate|resize)"), ClusterActionHandler),
]
