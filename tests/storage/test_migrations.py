"""Migrations go up and down on both databases, and match the models; SQLite is durable."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from lumbar.storage.database import make_engine
from lumbar.storage.migrate import current_revision, downgrade, head_revision, upgrade
from lumbar.storage.models import Base

TABLES = {
    "clinics",
    "patients",
    "users",
    "api_keys",
    "assessments",
    "interview_sessions",
    "diary_entries",
    "audit_events",
    "server_secret",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_downgrade_and_upgrade_again(empty_url: str) -> None:
    assert current_revision(empty_url) is None
    upgrade(empty_url)
    assert current_revision(empty_url) == head_revision()
    assert _tables(empty_url) == TABLES
    downgrade(empty_url, "base")
    assert current_revision(empty_url) is None
    assert _tables(empty_url) == set()
    upgrade(empty_url)
    assert _tables(empty_url) == TABLES


def test_downgrade_drops_tables_holding_write_once_rows(world_url: str) -> None:
    downgrade(world_url, "base")
    assert _tables(world_url) == set()


def test_migrated_schema_matches_the_models(url: str) -> None:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_durable_writes_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "new" / "folder" / "lumbar.db"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "synchronous", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert path.exists()
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 5000,
    }


def test_sqlite_enforces_foreign_keys(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lumbar.db'}"
    upgrade(url)
    engine = make_engine(url)
    try:
        with engine.connect() as connection, pytest.raises(IntegrityError, match="FOREIGN KEY"):
            connection.execute(
                text(
                    "INSERT INTO patients (id, clinic_id, created_at)"
                    " VALUES ('p', 'no-such-clinic', '2026-01-01 00:00:00')"
                )
            )
    finally:
        engine.dispose()
