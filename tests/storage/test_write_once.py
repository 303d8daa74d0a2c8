"""Assessments and audit events can be added, never changed or removed by lumbar, and the
database's triggers reject UPDATE and DELETE (and TRUNCATE on PostgreSQL) sent by mistake.

The triggers are a guard against mistakes, not against the tables' owner or whoever can
write a SQLite file: `INSERT OR REPLACE` gets past them on SQLite, and the owner may drop
or disable them. What holds then: PostgreSQL's two roles (tests/api/test_database_roles.py)
and the audit chain, which finds such changes (test_audit_chain.py).
"""

from __future__ import annotations

import inspect as pyinspect

import pytest
from sqlalchemy import inspect, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from lumbar.storage import audit, diary, interviews, records
from lumbar.storage.access import audit as audit_event
from lumbar.storage.database import make_engine
from lumbar.storage.migrate import downgrade
from lumbar.storage.records import save_assessment

from .conftest import World

ANSWERS = {"age": 35, "sex": "male"}


def _rejected(url: str, statement: str) -> str:
    engine = make_engine(url)
    try:
        with engine.connect() as connection, pytest.raises(IntegrityError) as caught:
            connection.execute(text(statement))
        return str(caught.value)
    finally:
        engine.dispose()


def _one_assessment_and_event(world: World) -> None:
    actor = world.actor(world.north_patient)
    assert world.north_patient.patient_id is not None
    save_assessment(world.session, actor, world.north_patient.patient_id, ANSWERS, "en")
    audit_event(world.session, actor, "read", "assessment")
    world.session.commit()


@pytest.mark.parametrize("table", ["assessments", "audit_events"])
def test_update_and_delete_are_rejected_by_the_database(
    world: World, world_url: str, table: str
) -> None:
    _one_assessment_and_event(world)
    column = "language" if table == "assessments" else "outcome"
    message = _rejected(world_url, f"UPDATE {table} SET {column} = 'x'")
    assert f"{table}: rows cannot be changed or removed" in message
    assert "rows cannot be changed" in _rejected(world_url, f"DELETE FROM {table}")


@pytest.mark.parametrize("backend", ["postgresql"])  # SQLite has no TRUNCATE
@pytest.mark.parametrize("table", ["assessments", "audit_events"])
def test_truncate_is_rejected_on_postgresql(world: World, world_url: str, table: str) -> None:
    _one_assessment_and_event(world)
    engine = make_engine(world_url)
    try:
        with engine.connect() as connection, pytest.raises(DBAPIError, match="TRUNCATE"):
            connection.execute(text(f"TRUNCATE {table} CASCADE"))
    finally:
        engine.dispose()


def test_no_function_changes_or_removes_an_assessment_or_audit_event() -> None:
    names = [
        name
        for module in (records, interviews, diary, audit)
        for name, _ in pyinspect.getmembers(module, pyinspect.isfunction)
    ]
    assert not [n for n in names if n.startswith(("update_", "delete_", "remove_", "edit_"))]


def _triggers(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            if connection.dialect.name == "postgresql":
                query = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
            else:
                query = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
            return set(connection.execute(text(query)).scalars())
    finally:
        engine.dispose()


def _trigger_tables(url: str) -> set[str]:
    return {name.split("_reject_")[0] for name in _triggers(url)}


def test_every_revision_keeps_the_write_once_triggers(url: str) -> None:
    """A migration that rebuilds a table (SQLite's batch mode) drops its triggers with it,
    so each revision is checked."""
    engine = make_engine(url)
    try:
        assert {"assessments", "audit_events"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert _trigger_tables(url) == {"assessments", "audit_events", "red_flag_reviews"}
    downgrade(url, "0002")
    assert _trigger_tables(url) == {"assessments", "audit_events"}
    downgrade(url, "0001")
    assert _trigger_tables(url) == {"assessments", "audit_events"}
