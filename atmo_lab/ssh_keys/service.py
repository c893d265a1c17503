"""SSH key operations for a caller."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..caller import Caller
from ..core import Core
from ..errors import Conflict, NotFound, ValidationFailed
from .models import SSHKey
from .openssh import duplicate_message, parse_public_key, validate_title


def key_to_dict(key: SSHKey, with_key: bool = False) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": key.id,
        "title": key.title,
        "prefix": key.prefix,
        "fingerprint": key.fingerprint,
        "fingerprint_sha256": key.fingerprint_sha256,
        "created_at": key.created_at.isoformat(),
    }
    if with_key:
        data["key"] = key.key
    return data


def list_keys(core: Core, caller: Caller) -> list[dict[str, Any]]:
    """The caller's keys, newest first."""
    with core.store.reader() as session:
        rows = session.scalars(
            select(SSHKey).where(SSHKey.owner == caller.username).order_by(SSHKey.id.desc())
        )
        return [key_to_dict(k) for k in rows]


def add_key(core: Core, caller: Caller, title: object, key: object) -> dict[str, Any]:
    """Validate and store a public key; 409 when the caller already has it."""
    errors: dict[str, str] = {}
    parsed = clean_title = None
    try:
        parsed = parse_public_key(key)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    try:
        clean_title = validate_title(title)
    except ValidationFailed as exc:
        errors.update(exc.errors)
    if errors or parsed is None or clean_title is None:
        raise ValidationFailed(errors)
    conflict = Conflict(
        duplicate_message(parsed.fingerprint), {"key": duplicate_message(parsed.fingerprint)}
    )
    try:
        with core.store.session() as session:
            exists = session.scalar(
                select(SSHKey.id).where(
                    SSHKey.owner == caller.username, SSHKey.fingerprint == parsed.fingerprint
                )
            )
            if exists is not None:
                raise conflict
            row = SSHKey(
                owner=caller.username,
                title=clean_title,
                key=parsed.key,
                prefix=parsed.prefix,
                fingerprint=parsed.fingerprint,
                fingerprint_sha256=parsed.fingerprint_sha256,
            )
            session.add(row)
            session.flush()
            return key_to_dict(row)
    except IntegrityError:  # a concurrent insert of the same key won the race
        raise conflict from None


def owned_key(session: Session, caller: Caller, key_id: int) -> SSHKey:
    """The caller's key `key_id`, or NotFound (other users' keys do not exist for them)."""
    key = session.get(SSHKey, key_id)
    if key is None or not caller.owns(key.owner):
        raise NotFound(f"No SSH key {key_id}.")
    return key


def get_key(core: Core, caller: Caller, key_id: int) -> dict[str, Any]:
    with core.store.reader() as session:
        return key_to_dict(owned_key(session, caller, key_id), with_key=True)


def delete_key(core: Core, caller: Caller, key_id: int) -> None:
    """Delete a key; clusters launched with it keep running with ``ssh_key_id`` null."""
    from ..emr_clusters.models import Cluster

    with core.store.session() as session:
        key = owned_key(session, caller, key_id)
        session.execute(update(Cluster).where(Cluster.ssh_key_id == key.id).values(ssh_key_id=None))
        session.delete(key)
