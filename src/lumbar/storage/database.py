"""Database engines and sessions: SQLite (durable WAL file) or PostgreSQL (psycopg 3)."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker

from lumbar.storage.private_files import private_file

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=FULL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


def _sqlite_file(url: URL) -> Path | None:
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def _configure_sqlite(engine: Engine) -> None:
    """Pragmas on every connection; explicit BEGIN IMMEDIATE so transactions are real.

    The sqlite3 module's own transaction handling defers BEGIN and breaks SAVEPOINT, so it
    is switched off and SQLAlchemy's "begin" emits the BEGIN itself (SQLAlchemy's recipe).
    The transaction takes SQLite's write lock at its start (IMMEDIATE): nearly every request
    reads and then writes (an access check, then an audit event), and a deferred transaction
    that has read cannot upgrade to a writer while another writes; SQLite refuses at once
    with "database is locked" and the busy timeout does not help. Taking the lock first
    makes a second writer wait its turn (up to the busy timeout) instead.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str | URL) -> Engine:
    """An engine for `url`. A SQLite file is made on first use, readable by its owner only,
    in a folder only its owner may open. Errors never show the statement's parameters
    (health data), so a logged traceback holds none."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, hide_parameters=True)
    path = _sqlite_file(parsed)
    if path is not None:
        private_file(path)
    engine = create_engine(parsed, hide_parameters=True)
    _configure_sqlite(engine)
    return engine


SETUP_LOCK = int.from_bytes(b"lumbar")  # the PostgreSQL advisory lock key for setup


def lock_for_setup(connection: Connection) -> None:
    """Hold the database's setup lock until the transaction ends, so processes that start
    together migrate the schema and store the first-run rows one after the other.

    On PostgreSQL an advisory lock, waited for: a second server's migration then finds the
    schema at head, and its first-run setup finds the secret and the admin. On SQLite
    nothing: one `lumbar serve` migrates and sets up before it starts its workers.
    """
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SETUP_LOCK})


AUDIT_KEY = "audit_key"  # the session.info entry with the audit chain's key


def make_session_factory(engine: Engine, secret: str) -> sessionmaker[Session]:
    """Sessions on `engine`; objects stay readable after commit. Each carries the key of
    the audit log's hash chain, derived from the server's secret (`server_secret`)."""
    key = hmac.new(secret.encode(), b"lumbar audit chain", hashlib.sha256).digest()
    return sessionmaker(engine, expire_on_commit=False, info={AUDIT_KEY: key})
