"""The state store: SQLAlchemy 2 on SQLite (WAL) by default, any SQLAlchemy URL otherwise."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Connection,
    Engine,
    MetaData,
    Table,
    create_engine,
    event,
    func,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.schema import CreateTable

# Every feature's tables, registered on Base.metadata by being imported.
from .db import Base, rowcount
from .emr_clusters import models as _clusters  # noqa: F401
from .jobs import models as _jobs  # noqa: F401
from .notifications import models as _notifications  # noqa: F401
from .notifications.models import OBJECT_TABLES, Notification
from .ssh_keys import models as _keys  # noqa: F401
from .worker import leases as _leases  # noqa: F401

SQLITE_BUSY_TIMEOUT_MS = 30_000


def _normalise_url(url: str) -> str:
    # "postgresql://" means psycopg 3 here (psycopg2 is not a dependency).
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://") :]
    return url


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy own transactions so BEGIN IMMEDIATE takes the write lock up front.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers queue on the busy timeout instead of failing with "database is locked"
        # when a read transaction later tries to upgrade to a write.
        conn.exec_driver_sql(f"BEGIN {conn.get_execution_options().get('atmo_begin', 'IMMEDIATE')}")


def create_store_engine(url: str) -> Engine:
    """An Engine for `url` with the pragmas and pool this project relies on."""
    url = _normalise_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database in ("", ":memory:"):
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False},
                poolclass=StaticPool,
            )
        else:
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(
                url,
                connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
                pool_size=8,
                max_overflow=16,
            )
        _configure_sqlite(engine)
        return engine
    # (pre-ping: a connection the server dropped while it was pooled is replaced before use)
    return create_engine(url, pool_size=8, max_overflow=16, pool_pre_ping=True)


def _never_reuse_sqlite_ids(engine: Engine) -> None:
    """Upgrade an older SQLite store: rebuild each table declared :data:`NEVER_REUSED_IDS` but
    created without AUTOINCREMENT.

    SQLite can't ALTER a table into AUTOINCREMENT, so this follows its documented procedure
    for other table changes (https://www.sqlite.org/lang_altertable.html#otheralter): foreign
    key enforcement off (else dropping ``jobs`` would delete every run), then in one
    transaction create the new table, copy the rows, drop the old one, rename the new one,
    recreate its indexes and check the foreign keys; enforcement back on. A store already
    upgraded costs one short transaction.
    """
    with engine.connect() as conn:
        driver = conn.connection.driver_connection
        assert driver is not None
        driver.execute("PRAGMA foreign_keys = OFF")  # (a no-op inside a transaction)
        try:
            with conn.begin():  # BEGIN IMMEDIATE: one process upgrades, the others wait
                stale = _tables_reusing_ids(conn)
                for table in stale:
                    _rebuild_with_autoincrement(conn, table)
                if stale:
                    _seed_past_notified_ids(conn, stale)
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"foreign keys broken by the upgrade: {broken[:5]}")
        finally:
            driver.execute("PRAGMA foreign_keys = ON")


def _tables_reusing_ids(conn: Connection) -> list[Table]:
    declared = [
        t for t in Base.metadata.sorted_tables if t.dialect_options["sqlite"]["autoincrement"]
    ]
    created: dict[str, str | None] = dict(
        conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'table'").all()
    )
    return [t for t in declared if "AUTOINCREMENT" not in (created.get(t.name) or "").upper()]


def _rebuild_with_autoincrement(conn: Connection, table: Table) -> None:
    scratch = MetaData()  # a copy of the schema, so the new table's foreign keys resolve
    for other in Base.metadata.sorted_tables:
        other.to_metadata(scratch)
    new = table.to_metadata(scratch, name=f"_new_{table.name}")
    conn.execute(CreateTable(new))
    existing = {row[1] for row in conn.exec_driver_sql(f'PRAGMA table_info("{table.name}")')}
    columns = ", ".join(f'"{c.name}"' for c in table.columns if c.name in existing)
    conn.exec_driver_sql(
        f'INSERT INTO "{new.name}" ({columns}) SELECT {columns} FROM "{table.name}"'
    )
    conn.exec_driver_sql(f'DROP TABLE "{table.name}"')
    conn.exec_driver_sql(f'ALTER TABLE "{new.name}" RENAME TO "{table.name}"')
    for index in table.indexes:
        index.create(conn)


def _seed_past_notified_ids(conn: Connection, tables: Sequence[Table]) -> None:
    """Start each rebuilt table's ids past the ids notifications still name: rows deleted
    before the upgrade left notifications whose de-duplication keys hold their ids.
    (sqlite_sequence may be changed with ordinary statements: sqlite.org/autoinc.html.)"""
    notified = dict(
        conn.execute(
            select(Notification.object_type, func.max(Notification.object_id)).group_by(
                Notification.object_type
            )
        ).all()
    )
    for object_type, table_name in OBJECT_TABLES.items():
        floor = notified.get(object_type)
        if floor is None or table_name not in {t.name for t in tables}:
            continue
        params = {"name": table_name, "floor": floor}
        updated = conn.execute(
            text("UPDATE sqlite_sequence SET seq = max(seq, :floor) WHERE name = :name"), params
        )
        if not rowcount(updated):
            conn.execute(
                text("INSERT INTO sqlite_sequence (name, seq) VALUES (:name, :floor)"), params
            )


class Store:
    """Engine, sessions and schema of the state store."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = create_store_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        # Read-only work takes no write lock on SQLite (WAL readers never block writers); on
        # PostgreSQL it runs without BEGIN/COMMIT (two round trips of a one-query list page).
        readers = (
            {"atmo_begin": "DEFERRED"} if self.is_sqlite else {"isolation_level": "AUTOCOMMIT"}
        )
        self._readers = sessionmaker(
            self.engine.execution_options(**readers), expire_on_commit=False
        )
        self._schema_lock = threading.Lock()
        self._schema_ready = False

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    def create_schema(self) -> None:
        """Create missing tables, columns and indexes (idempotent; safe on every start)."""
        with self._schema_lock:
            if self._schema_ready:
                return
            with self.engine.begin() as conn:
                Base.metadata.create_all(conn)
                self._add_missing_columns(conn)
                self._add_missing_indexes(conn)
            if self.is_sqlite:
                _never_reuse_sqlite_ids(self.engine)
            self._schema_ready = True

    @staticmethod
    def _add_missing_columns(conn: Connection) -> None:
        """Upgrade older databases: add columns that newer versions declare (all nullable)."""
        inspector = inspect(conn)
        for table in Base.metadata.sorted_tables:
            existing = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in existing:
                    continue
                ddl = column.type.compile(dialect=conn.dialect)
                conn.execute(text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {ddl}'))

    @staticmethod
    def _add_missing_indexes(conn: Connection) -> None:
        """Upgrade older databases: create indexes that newer versions declare."""
        for table in Base.metadata.sorted_tables:
            for index in table.indexes:
                index.create(conn, checkfirst=True)

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A session in a transaction: committed on success, rolled back on error."""
        self.create_schema()
        with self._sessions() as session, session.begin():
            yield session

    @contextlib.contextmanager
    def reader(self) -> Iterator[Session]:
        """A read-only session (never blocks writers on SQLite)."""
        self.create_schema()
        with self._readers() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
