"""Apply and inspect the schema migrations; Alembic configured in code, no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.engine import URL

from lumbar.storage.database import lock_for_setup, make_engine

MIGRATIONS = Path(__file__).parent / "migrations"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`, in one transaction, holding the setup
    lock: of servers started together on one PostgreSQL database, one migrates and the
    others wait for it and find the schema at `revision` (without it, both create tables
    and one fails)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            lock_for_setup(connection)
            command.upgrade(_config(connection), revision)
    finally:
        engine.dispose()


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at `url` down to `revision` ("base": no tables)."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            lock_for_setup(connection)
            command.downgrade(_config(connection), revision)
    finally:
        engine.dispose()


def current_revision(url: str | URL) -> str | None:
    """The revision the database is at; None when it has never been migrated."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str | None:
    """The newest revision this version of lumbar knows."""
    return ScriptDirectory.from_config(_config()).get_current_head()
