"""REST routes for SSH keys."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..handlers import AtmoHandler, object_id, route


class KeysBaseHandler(AtmoHandler):
    """Every SSH key route: authorized on ``atmo_lab:keys``."""

    auth_resource = "atmo_lab:keys"
    service_module = "atmo_lab.ssh_keys.service"


class KeysHandler(KeysBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        keys = await self.run(self.service.list_keys, self.core, self.caller())
        self.reply({"keys": keys})

    @web.authenticated
    @authorized
    async def post(self) -> None:
        body = self.json_body()
        fields = body if isinstance(body, dict) else {}
        key = await self.run(
            self.service.add_key, self.core, self.caller(), fields.get("title"), fields.get("key")
        )
        self.reply(key, 201)


class KeyHandler(KeysBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, key_id: str) -> None:
        key = await self.run(self.service.get_key, self.core, self.caller(), object_id(key_id))
        self.reply(key)

    @web.authenticated
    @authorized
    async def delete(self, key_id: str) -> None:
        await self.run(self.service.delete_key, self.core, self.caller(), object_id(key_id))
        self.set_status(204)
        self.finish()


class RawKeyHandler(KeysBaseHandler):
    @web.authenticated
    @authorized
    async def get(self, key_id: str) -> None:
        key = await self.run(self.service.get_key, self.core, self.caller(), object_id(key_id))
        self.finish(key["key"] + "\n", set_content_type="text/plain; charset=utf-8")


handlers = [
    (route("keys"), KeysHandler),
    (route(r"keys/([^/]+)"), KeyHandler),
    (route(r"keys/([^/]+)/raw"), RawKeyHandler),
]
