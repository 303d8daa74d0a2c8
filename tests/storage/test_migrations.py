"""Migrations go up and down on both databases, and match the models; SQLite is durable."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from lumbar.storage.database import SETUP_LOCK, lock_for_setup, make_engine
from lumbar.storage.migrate import current_revision, downgrade, head_revision, upgrade
from lumbar.storage.models import Base

from .postgres import PostgresServer

TABLES = {
    "clinics",
    "patients",
    "users",
    "api_keys",
    "assessments",
    "interview_sessions",
    "diary_entries",
    "audit_events",
    "invitations",
    "red_flag_reviews",
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


def test_accounts_survive_the_move_to_integration_keys(empty_url: str) -> None:
    """0001 -> head keeps every row; a key that acted as a person is revoked; and back."""
    upgrade(empty_url, "0001")
    engine = make_engine(empty_url)
    try:
        with engine.begin() as connection:
            for statement in (
                "INSERT INTO clinics VALUES ('c', 'North', '2026-01-01 00:00:00')",
                "INSERT INTO patients (id, clinic_id, created_at)"
                " VALUES ('p', 'c', '2026-01-01 00:00:00')",
                "INSERT INTO users VALUES ('u', 'a@b.test', 'hash', 'patient', 'c', 'p', true,"
                " '2026-01-01 00:00:00')",
                "INSERT INTO api_keys VALUES ('k', 'u', 'ehr', 'abcdefgh', 'hash',"
                " '2026-01-01 00:00:00', NULL)",
            ):
                connection.execute(text(statement))
        upgrade(empty_url)
        with engine.connect() as connection:
            user = connection.execute(text("SELECT email, token_version FROM users")).one()
            revoked = connection.execute(text("SELECT revoked_at FROM api_keys")).scalar()
        assert tuple(user) == ("a@b.test", 0)
        assert revoked is not None
        downgrade(empty_url, "0001")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM users")).scalar() == 1
    finally:
        engine.dispose()


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
    assert stat.S_IMODE(path.stat().st_mode) == 0o600, "readable by its owner only"
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    for companion in path.parent.glob("lumbar.db-*"):
        assert stat.S_IMODE(companion.stat().st_mode) == 0o600
    assert pragmas == {
        "journal_mode": "wal",
        "synchronous": 2,
        "foreign_keys": 1,
        "busy_timeout": 30000,
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


def _waiting_for_the_setup_lock(connection: Connection) -> bool:
    """Whether another session waits for the setup lock (read from pg_locks, not timed)."""
    waiting = connection.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND (classid::bigint << 32) + objid::bigint = :key"
        ),
        {"key": SETUP_LOCK},
    ).scalar()
    return bool(waiting)


def test_postgres_upgrade_waits_for_the_setup_lock(postgres_server: PostgresServer) -> None:
    """A migration holds the setup lock, so servers started together migrate in turn."""
    url = postgres_server.create_database("lock_wait")
    holder = make_engine(url)
    errors: list[BaseException] = []

    def migrate() -> None:
        try:
            upgrade(url)
        except BaseException as error:  # reported by the test thread
            errors.append(error)

    try:
        with holder.connect() as connection:
            transaction = connection.begin()
            lock_for_setup(connection)
            migration = threading.Thread(target=migrate)
            migration.start()
            for _ in range(500):
                if _waiting_for_the_setup_lock(connection):
                    break
                time.sleep(0.02)
            else:
                raise AssertionError("the migration did not wait for the setup lock")
            assert migration.is_alive()
            assert current_revision(url) is None
            transaction.commit()
        migration.join()
    finally:
        holder.dispose()
    assert errors == []
    assert current_revision(url) == head_revision()


def test_postgres_upgrades_started_together_on_a_fresh_database(
    postgres_server: PostgresServer,
) -> None:
    """`lumbar db upgrade` in four processes at once: all succeed, one first admin."""
    url = postgres_server.create_database("lock_race")
    env = {
        **os.environ,
        "LUMBAR_ADMIN_EMAIL": "first@lumbar.test",
        "LUMBAR_ADMIN_PASSWORD": "first-admin-password",
    }
    command = [sys.executable, "-m", "lumbar", "db", "upgrade", "--database-url", url]
    runs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        for _ in range(4)
    ]
    outputs = [run.communicate()[0].decode() for run in runs]
    assert [run.returncode for run in runs] == [0] * 4, outputs
    assert sum("created the first admin" in output for output in outputs) == 1
    assert current_revision(url) == head_revision()
    assert _tables(url) == TABLES


def test_database_errors_do_not_show_the_statement_parameters(url: str) -> None:
    """A failed statement's error (which a server log may print) carries no values."""
    marker = "secret-label-4f1c"
    engine = make_engine(url)
    try:
        with engine.connect() as connection, pytest.raises(IntegrityError) as failed:
            connection.execute(
                text(
                    "INSERT INTO patients (id, clinic_id, label, created_at)"
                    " VALUES (:id, 'no-such-clinic', :label, '2026-01-01 00:00:00')"
                ),
                {"id": "p", "label": marker},
            )
    finally:
        engine.dispose()
    assert marker not in str(failed.value)
