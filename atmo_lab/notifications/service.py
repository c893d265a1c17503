"""Recording, listing and mailing notifications."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..aws import call
from ..caller import Caller
from ..core import Core
from ..db import rowcount, utcnow
from ..errors import AwsFailure, NotFound
from ..pages import Page, keyset_page
from ..validation import fields_of
from .models import Notification

log = logging.getLogger(__name__)

KINDS = ("cluster_expiring", "cluster_expired", "run_failed", "run_timed_out", "job_expired")
SUBJECT_PREFIX = "[atmo_lab] "


def notification_to_dict(item: Notification) -> dict[str, Any]:
    fields = fields_of(item, ("id", "kind", "subject", "body", "read"), ("created_at",))
    fields["object"] = {"type": item.object_type, "id": item.object_id}
    return fields


def notify(
    session: Session,
    *,
    owner: str,
    kind: str,
    subject: str,
    body: str,
    object_type: str,
    object_id: int,
    dedupe_key: str,
) -> bool:
    """Record a notification unless one with `dedupe_key` exists; True when recorded."""
    assert kind in KINDS, kind
    exists = session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key))
    if exists is not None:
        return False
    session.add(
        Notification(
            owner=owner,
            kind=kind,
            subject=SUBJECT_PREFIX + subject,
            body=body,
            object_type=object_type,
            object_id=object_id,
            dedupe_key=dedupe_key,
        )
    )
    session.flush()
    return True


def list_notifications(
    core: Core,
    caller: Caller,
    unread: bool | None = None,
    limit: int | str | None = None,
    cursor: str | None = None,
) -> Page:
    """The caller's notifications, newest first: all, the unread or the read ones."""
    query = select(Notification).where(Notification.owner == caller.username)
    if unread is not None:
        query = query.where(Notification.read.is_(not unread))
    with core.store.reader() as session:
        return keyset_page(
            session, query, Notification.id, lambda row: notification_to_dict(row[0]), limit,
            cursor, core.settings.page_size,
        )  # fmt: skip


def mark_read(core: Core, caller: Caller, notification_id: int) -> dict[str, Any]:
    with core.store.session() as session:
        item = session.get(Notification, notification_id)
        if item is None or not caller.owns(item.owner):
            raise NotFound(f"No notification {notification_id}.")
        item.read = True
        return notification_to_dict(item)


def email_address(core: Core, username: str) -> str | None:
    if "@" in username:
        return username
    domain = core.settings.email_domain
    return f"{username}@{domain}" if domain else None


def deliver_pending(core: Core, batch: int = 100) -> int:
    """Mail notifications not mailed yet through SES; the number sent (0 when mail is off)."""
    if not core.settings.mail_sender:
        return 0
    with core.store.reader() as session:
        pending = list(
            session.scalars(
                select(Notification)
                .where(Notification.mail_sent_at.is_(None), Notification.mail_error.is_(None))
                .order_by(Notification.id)
                .limit(batch)
            )
        )
    sent = 0
    for item in pending:
        if _claim_and_send(core, item):
            sent += 1
    return sent


def _claim_and_send(core: Core, item: Notification) -> bool:
    # Claim first (UPDATE … WHERE mail_sent_at IS NULL) so two workers never mail twice.
    with core.store.session() as session:
        claimed = rowcount(
            session.execute(
                update(Notification)
                .where(Notification.id == item.id, Notification.mail_sent_at.is_(None))
                .values(mail_sent_at=utcnow())
            )
        )
    if not claimed:
        return False
    address = email_address(core, item.owner)
    error = None
    if address is None:
        error = "no e-mail address for this user (set c.AtmoLabApp.email_domain)"
    else:
        try:
            call(
                "SendEmail",
                core.aws.ses.send_email,
                Source=core.settings.mail_sender,
                Destination={"ToAddresses": [address]},
                Message={
                    "Subject": {"Data": item.subject, "Charset": "UTF-8"},
                    "Body": {"Text": {"Data": item.body, "Charset": "UTF-8"}},
                },
            )
        except AwsFailure as exc:
            log.warning("Mail of notification %s failed: %s", item.id, exc)
            with core.store.session() as session:  # release the claim; retried next round
                row = session.get(Notification, item.id)
                if row is not None:
                    row.mail_sent_at = None
            return False
    if error is not None:
        with core.store.session() as session:
            row = session.get(Notification, item.id)
            if row is not None:
                row.mail_error = error
        return False
    return True
