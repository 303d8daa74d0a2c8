"""Apply and inspect the schema migrations; Alembic configured in code, no alembic.ini."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
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


@contextmanager
def _migrating(url: str | URL) -> Iterator[Connection]:
    """One transaction holding the setup lock. On SQLite foreign keys are off while it runs
    and checked before it commits: changing a table there means rebuilding it, and tables
    that refer to it would otherwise stop the rebuild (SQLite's documented procedure)."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            sqlite = connection.dialect.name == "sqlite"
            driver = connection.connection.driver_connection  # outside any transaction
            if sqlite and driver is not None:
                driver.execute("PRAGMA foreign_keys=OFF")
            try:
                with connection.begin():
                    lock_for_setup(connection)
                    yield connection
                    if sqlite and connection.exec_driver_sql("PRAGMA foreign_key_check").first():
                        raise MigrationError("the migration left rows whose references are gone")
            finally:
                if sqlite and driver is not None:
                    driver.execute("PRAGMA foreign_keys=ON")
    finally:
        engine.dispose()


class MigrationError(RuntimeError):
    """A migration would leave the database inconsistent; nothing of it was kept."""


def upgrade(url: str | URL, revision: str = "head") -> None:
    """Migrate the database at `url` up to `revision`, in one transaction, holding the setup
    lock: of servers started together on one PostgreSQL database, one migrates and the
    others wait for it and find the schema at `revision` (without it, both create tables
    and one fails)."""
    with _migrating(url) as connection:
        command.upgrade(_config(connection), revision)


def downgrade(url: str | URL, revision: str) -> None:
    """Migrate the database at `url` down to `revision` ("base": no tables)."""
    with _migrating(url) as connection:
        command.downgrade(_config(connection), revision)


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
