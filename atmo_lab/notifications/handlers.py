"""REST routes for notifications."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..handlers import AtmoHandler, object_id, query_flag, route


class NotificationsBaseHandler(AtmoHandler):
    """Every notification route: authorized on ``atmo_lab:notifications``."""

    auth_resource = "atmo_lab:notifications"
    service_module = "atmo_lab.notifications.service"


class NotificationsHandler(NotificationsBaseHandler):
    @web.authenticated
    @authorized
    async def get(self) -> None:
        page = await self.run(
            self.service.list_notifications,
            self.core,
            self.caller(),
            unread=query_flag(self, "unread"),
            limit=self.query("limit", None),
            cursor=self.query("cursor", None),
        )
        self.reply_page("notifications", page)


class NotificationReadHandler(NotificationsBaseHandler):
    @web.authenticated
    @authorized
    async def post(self, notification_id: str) -> None:
        item = await self.run(
            self.service.mark_read, self.core, self.caller(), object_id(notification_id)
        )
        self.reply(item)


handlers = [
    (route("notifications"), NotificationsHandler),
    (route(r"notifications/([^/]+)/read"), NotificationReadHandler),
]
