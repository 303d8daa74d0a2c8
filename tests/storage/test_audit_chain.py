"""The audit log's hash chain and the assessments' seals: tampering past the database's
guards is found, and `verify` names the first broken link.

SQLite's triggers stop neither `INSERT OR REPLACE` nor `DROP TRIGGER`; on PostgreSQL the
tables' owner (these tests' role) may disable the triggers. Each such change is made here
for real, then found by `verify` (and by `lumbar audit verify`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import Connection, inspect, select, text
from sqlalchemy.orm import Session

from lumbar.storage.access import AccessDenied, audit
from lumbar.storage.audit import record_audit
from lumbar.storage.audit_chain import (
    EVENT_FIELDS,
    ChainReport,
    Head,
    canonical_event,
    link,
    session_key,
    utc_text,
    verify,
)
from lumbar.storage.database import make_engine, make_session_factory
from lumbar.storage.migrate import upgrade
from lumbar.storage.models import AuditEvent, Patient
from lumbar.storage.records import create_patient, get_patient, save_assessment
from lumbar.storage.server_secret import SECRET_FILE

from .conftest import SECRET, World, open_session

SIMPLE = {"age": 35, "sex": "male"}
GUARDED = ("assessments", "audit_events")


def _report(
    url: str, secret: str = SECRET, noted_head: Head | None = None, chunk: int = 1000
) -> ChainReport:
    engine = make_engine(url)
    try:
        with make_session_factory(engine, secret)() as session:
            return verify(session, session_key(session), noted_head=noted_head, chunk=chunk)
    finally:
        engine.dispose()


def _activity(world: World) -> list[str]:
    """Records made, read and refused, as a server would: returns the assessment ids."""
    clinician = world.actor(world.north_clinician)
    patient = create_patient(world.session, clinician, label="p-1", sex="female")
    world.session.commit()
    ids = []
    for answers in (SIMPLE, {**SIMPLE, "age": 50}):
        ids.append(save_assessment(world.session, clinician, patient.id, answers, "en").id)
        world.session.commit()
    get_patient(world.session, clinician, patient.id)
    with pytest.raises(AccessDenied):
        get_patient(world.session, world.actor(world.south_clinician), patient.id)
    world.session.commit()
    own = world.north_patient.patient_id
    assert own is not None
    ids.append(
        save_assessment(world.session, world.actor(world.north_patient), own, SIMPLE, "uk").id
    )
    world.session.commit()
    return ids


def _event_ids(url: str) -> list[int]:
    with open_session(url) as session:
        return list(session.scalars(select(AuditEvent.id).order_by(AuditEvent.id)))


@contextmanager
def _unguarded(url: str) -> Iterator[Connection]:
    """A transaction in which the write-once triggers are out of the way: dropped on SQLite,
    disabled on PostgreSQL (the tables' owner may). Anyone with the file, or the owner's
    role, can do this."""
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for table in GUARDED:
                if connection.dialect.name == "postgresql":
                    connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
                else:
                    for operation in ("update", "delete"):
                        connection.execute(
                            text(f"DROP TRIGGER IF EXISTS {table}_reject_{operation}")
                        )
            yield connection
    finally:
        engine.dispose()


def _run(url: str, statement: str, **params: object) -> None:
    with _unguarded(url) as connection:
        connection.execute(text(statement), params)


# -- intact --------------------------------------------------------------------------------


def test_the_chain_is_intact_after_a_series_of_actions(world: World, world_url: str) -> None:
    assessments = _activity(world)
    report = _report(world_url)
    assert report.intact, report
    events = _event_ids(world_url)
    assert report.events_checked == len(events) > 8
    assert report.events_before_chain == 0
    assert report.first_chained_id == events[0]
    assert report.assessments_checked == len(assessments) == 3
    assert report.head is not None and report.head.event_id == events[-1]
    with open_session(world_url) as session:
        last = session.get(AuditEvent, events[-1])
        assert last is not None and report.head.chain_hash == last.chain_hash
        assert all(session.scalars(select(AuditEvent.chain_hash)))


def test_a_wrong_secret_finds_every_link_broken(world: World, world_url: str) -> None:
    _activity(world)
    report = _report(world_url, secret="another-secret-0123456789abcdef-xyz")
    assert report.broken is not None
    assert report.broken.event_id == _event_ids(world_url)[0]
    assert report.broken.problem == "content_changed"
    assert {p.problem for p in report.assessment_problems} == {"changed"}


def test_a_rolled_back_savepoint_leaves_no_dangling_link(world: World, world_url: str) -> None:
    session = world.session
    record_audit(session, action="read", resource_type="patient")
    savepoint = session.begin_nested()
    record_audit(session, action="rolled_back", resource_type="patient")
    savepoint.rollback()
    record_audit(session, action="kept", resource_type="patient")
    session.commit()
    assert _report(world_url).intact
    with open_session(world_url) as fresh:
        assert "rolled_back" not in fresh.scalars(select(AuditEvent.action)).all()


def test_events_before_the_chain_are_counted_not_checked(empty_url: str) -> None:
    """Rows written before revision 0002 have no chain hash; the chain starts after them."""
    upgrade(empty_url, "0001")
    at = "2026-01-01 10:00:00"
    engine = make_engine(empty_url)
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO clinics (id, name, created_at) VALUES ('c1', 'Old', :at)"),
            {"at": at},
        )
        connection.execute(
            text("INSERT INTO patients (id, clinic_id, created_at) VALUES ('p1', 'c1', :at)"),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO users (id, email, password_hash, role, clinic_id, active, "
                "created_at) VALUES ('u1', 'old@x.test', 'x', 'clinician', 'c1', true, :at)"
            ),
            {"at": at},
        )
        connection.execute(
            text(
                "INSERT INTO assessments (id, patient_id, created_by, answers, result, "
                "kb_version, language, triage_level, red_flags_open, started_at, finished_at) "
                "VALUES ('a1', 'p1', 'u1', '{}', '{}', 'old', 'en', 'routine', false, :at, :at)"
            ),
            {"at": at},
        )
        for action, resource in (("create", "a1"), ("read", "a1")):
            connection.execute(
                text(
                    "INSERT INTO audit_events (at, actor_user_id, actor_kind, action, "
                    "resource_type, resource_id, outcome) "
                    "VALUES (:at, 'u1', 'user', :action, 'assessment', :resource, 'ok')"
                ),
                {"at": at, "action": action, "resource": resource},
            )
    engine.dispose()
    upgrade(empty_url)
    with open_session(empty_url) as session:
        first = record_audit(session, action="read", resource_type="patient").id
        record_audit(session, action="read", resource_type="patient")
        session.commit()
    report = _report(empty_url)
    assert report.intact, report
    assert (report.events_before_chain, report.events_checked) == (2, 2)
    assert report.first_chained_id == first
    assert (report.assessments_before_chain, report.assessments_checked) == (1, 0)


# -- SQLite: what its triggers do not stop -------------------------------------------------


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_insert_or_replace_of_an_audit_event_is_found(world: World, world_url: str) -> None:
    _activity(world)
    middle = _event_ids(world_url)[5]
    engine = make_engine(world_url)
    with engine.begin() as connection:  # the triggers stay and do not fire: a replace
        names = [c["name"] for c in inspect(connection).get_columns("audit_events")]
        columns = ", ".join(names)
        chosen = ", ".join("'export'" if name == "action" else name for name in names)
        connection.execute(
            text(
                f"INSERT OR REPLACE INTO audit_events ({columns}) "
                f"SELECT {chosen} FROM audit_events WHERE id = :id"
            ),
            {"id": middle},
        )
    engine.dispose()
    with open_session(world_url) as session:
        replaced = session.get(AuditEvent, middle)
        assert replaced is not None and replaced.action == "export"
    report = _report(world_url)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.problem) == (middle, "content_changed")
    assert report.broken_links == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_insert_or_replace_of_an_assessment_is_found(world: World, world_url: str) -> None:
    changed = _activity(world)[1]
    engine = make_engine(world_url)
    with engine.begin() as connection:
        names = [c["name"] for c in inspect(connection).get_columns("assessments")]
        columns = ", ".join(names)
        chosen = ", ".join("'self_care'" if name == "triage_level" else name for name in names)
        connection.execute(
            text(
                f"INSERT OR REPLACE INTO assessments ({columns}) "
                f"SELECT {chosen} FROM assessments WHERE id = :id"
            ),
            {"id": changed},
        )
    engine.dispose()
    report = _report(world_url)
    assert report.broken is None  # the audit log itself is untouched
    assert [(p.assessment_id, p.problem) for p in report.assessment_problems] == [
        (changed, "changed")
    ]
    with open_session(world_url) as session:
        sealing = session.scalar(
            select(AuditEvent.id).where(
                AuditEvent.action == "create", AuditEvent.resource_id == changed
            )
        )
    assert report.assessment_problems[0].event_id == sealing


# -- past the triggers: DROP TRIGGER on SQLite, DISABLE TRIGGER as PostgreSQL's owner -----


def test_an_event_changed_in_place_is_named(world: World, world_url: str) -> None:
    _activity(world)
    middle = _event_ids(world_url)[4]
    _run(world_url, "UPDATE audit_events SET request_id = 'changed' WHERE id = :id", id=middle)
    report = _report(world_url)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.problem) == (middle, "content_changed")


def test_an_event_removed_from_the_middle_is_named_by_the_next(
    world: World, world_url: str
) -> None:
    _activity(world)
    events = _event_ids(world_url)
    _run(world_url, "DELETE FROM audit_events WHERE id = :id", id=events[3])
    report = _report(world_url)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.problem) == (events[4], "previous_mismatch")
    assert str(events[2]) in report.broken.detail
    assert report.broken_links == 1


def test_a_missing_link_is_named(world: World, world_url: str) -> None:
    _activity(world)
    middle = _event_ids(world_url)[6]
    _run(world_url, "UPDATE audit_events SET chain_hash = NULL WHERE id = :id", id=middle)
    report = _report(world_url)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.problem) == (middle, "link_missing")


@pytest.mark.parametrize("chain_hash", [None, "0" * 64])
def test_an_event_put_in_outside_lumbar_is_named(
    world: World, world_url: str, chain_hash: str | None
) -> None:
    """INSERT is allowed (a server must add events): a forged one does not link."""
    _activity(world)
    forged = _event_ids(world_url)[-1] + 1
    engine = make_engine(world_url)
    with engine.begin() as connection:
        connection.execute(
            text(
                "INSERT INTO audit_events (id, at, actor_kind, action, resource_type, outcome, "
                "chain_hash) VALUES (:id, :at, 'system', 'read', 'patient', 'ok', :hash)"
            ),
            {"id": forged, "at": "2026-06-01 10:00:00", "hash": chain_hash},
        )
    engine.dispose()
    report = _report(world_url)
    assert report.broken is not None
    assert report.broken.event_id == forged
    assert report.broken.problem == ("link_missing" if chain_hash is None else "content_changed")


def test_an_assessment_changed_past_the_triggers_is_named(world: World, world_url: str) -> None:
    changed = _activity(world)[0]
    _run(world_url, "UPDATE assessments SET red_flags_open = true WHERE id = :id", id=changed)
    report = _report(world_url)
    assert [(p.assessment_id, p.problem) for p in report.assessment_problems] == [
        (changed, "changed")
    ]


def test_an_assessment_removed_or_put_in_is_named(world: World, world_url: str) -> None:
    removed = _activity(world)[2]
    _run(world_url, "DELETE FROM assessments WHERE id = :id", id=removed)
    engine = make_engine(world_url)
    with engine.begin() as connection:  # INSERT passes every guard: the seal is missing
        connection.execute(
            text(
                "INSERT INTO assessments (id, patient_id, created_by, answers, result, "
                "kb_version, language, triage_level, red_flags_open, started_at, finished_at) "
                "SELECT 'forged', patient_id, created_by, answers, result, kb_version, "
                "language, 'emergency', red_flags_open, started_at, finished_at "
                "FROM assessments LIMIT 1"
            )
        )
    engine.dispose()
    report = _report(world_url)
    assert report.broken is None
    found = {(p.assessment_id, p.problem) for p in report.assessment_problems}
    assert found == {(removed, "removed"), ("forged", "unsealed")}


def test_the_newest_events_removed_show_only_against_a_noted_head(
    world: World, world_url: str
) -> None:
    _activity(world)
    for _ in range(3):
        audit(world.session, world.actor(world.admin), "list", "audit")
    world.session.commit()
    noted = _report(world_url).head
    assert noted is not None
    events = _event_ids(world_url)
    _run(world_url, "DELETE FROM audit_events WHERE id >= :id", id=events[-3])
    assert _report(world_url).intact  # the chain just ends earlier: nothing to see
    report = _report(world_url, noted_head=noted)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.problem) == (events[-1], "truncated")
    # new events may take the removed ids (SQLite): the noted head then has another hash
    with open_session(world_url) as session:
        for _ in range(3):
            record_audit(session, action="read", resource_type="patient")
        session.commit()
    again = _report(world_url, noted_head=noted)
    assert again.broken is not None
    assert again.broken.event_id == events[-1]
    assert again.broken.problem in ("truncated", "head_changed")
    assert Head.parse(str(noted)) == noted


def test_verify_reads_in_chunks_and_finds_the_same(world: World, world_url: str) -> None:
    _activity(world)
    whole = _report(world_url)
    chunked = _report(world_url, chunk=2)
    assert chunked.intact
    assert (chunked.events_checked, chunked.assessments_checked, chunked.head) == (
        whole.events_checked,
        whole.assessments_checked,
        whole.head,
    )
    middle = _event_ids(world_url)[7]
    _run(world_url, "UPDATE audit_events SET outcome = 'error' WHERE id = :id", id=middle)
    broken = _report(world_url, chunk=2).broken
    assert broken is not None and broken.event_id == middle


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite keeps any value in any column
def test_values_lumbar_never_writes_are_named_not_a_crash(world: World, world_url: str) -> None:
    changed = _activity(world)[1]
    events = _event_ids(world_url)
    _run(world_url, "UPDATE audit_events SET at = 'not a time' WHERE id = :id", id=events[3])
    _run(world_url, "UPDATE audit_events SET chain_hash = 'é' WHERE id = :id", id=events[5])
    _run(world_url, "UPDATE audit_events SET request_id = x'00ff' WHERE id = :id", id=events[6])
    _run(world_url, "UPDATE assessments SET answers = 'not json' WHERE id = :id", id=changed)
    report = _report(world_url, chunk=4)
    assert report.broken is not None
    assert (report.broken.event_id, report.broken.problem) == (events[3], "content_changed")
    assert report.broken_links == 3
    assert report.events_checked == len(events)
    assert [(p.assessment_id, p.problem) for p in report.assessment_problems] == [
        (changed, "changed")
    ]


# -- concurrency ---------------------------------------------------------------------------


def test_concurrent_writers_leave_an_intact_chain(world: World, world_url: str) -> None:
    """8 threads x 20 transactions, each thread its own session; every fifth one also
    writes an event in a savepoint it rolls back."""
    world.session.close()
    before = len(_event_ids(world_url))
    engine = make_engine(world_url)
    sessions = make_session_factory(engine, SECRET)
    failures: list[BaseException] = []

    def write(thread: int) -> None:
        try:
            for number in range(20):
                with sessions() as session, session.begin():
                    if number % 5 == 0:
                        savepoint = session.begin_nested()
                        record_audit(session, action="dropped", resource_type="patient")
                        savepoint.rollback()
                    record_audit(
                        session,
                        action="read",
                        resource_type="patient",
                        request_id=f"{thread}-{number}",
                    )
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    engine.dispose()
    assert not failures, failures
    assert not any(thread.is_alive() for thread in threads)
    report = _report(world_url)
    assert report.intact, report
    assert report.events_checked == before + 160


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_writer_waiting_for_the_chain_holds_no_row_lock(world: World, world_url: str) -> None:
    """A: an audit event, then a change to a patient; B: a change to that patient, then an
    audit event. Were the chain's lock taken only for the event, A would wait for B's row
    and B for A's lock: a deadlock. B waits before its first write instead."""
    patient_id = world.north_patient.patient_id
    world.session.close()
    engine = make_engine(world_url)
    sessions = make_session_factory(engine, SECRET)
    errors: list[BaseException] = []

    def other() -> None:
        try:
            with sessions() as session, session.begin():
                found = session.get(Patient, patient_id)
                assert found is not None
                found.label = "by b"
                session.flush()
                record_audit(session, action="update", resource_type="patient")
        except BaseException as error:
            errors.append(error)

    try:
        with sessions() as first, first.begin():
            record_audit(first, action="read", resource_type="patient")
            thread = threading.Thread(target=other)
            thread.start()
            time.sleep(0.5)  # B is at its first write now
            found = first.get(Patient, patient_id)
            assert found is not None
            found.label = "by a"
            first.flush()
            record_audit(first, action="update", resource_type="patient")
        thread.join(timeout=60)
    finally:
        engine.dispose()
    assert not errors, errors
    assert _report(world_url).intact


# -- the canonical form --------------------------------------------------------------------


def test_every_column_but_the_chain_hash_is_hashed_and_none_is_not_empty() -> None:
    columns = [column.name for column in AuditEvent.__table__.columns]
    assert list(EVENT_FIELDS) == [name for name in columns if name != "chain_hash"]
    base: dict[str, object] = dict.fromkeys(EVENT_FIELDS)
    base.update(id=7, at=datetime(2026, 5, 1, 12, tzinfo=UTC), actor_kind="system")
    empty = SimpleNamespace(**{**base, "request_id": ""})
    none = SimpleNamespace(**base)
    assert canonical_event(empty) != canonical_event(none)
    key = b"k" * 32
    assert link(key, None, empty) != link(key, None, none)
    assert link(key, None, none) != link(key, "", none)
    assert len(link(key, None, none)) == 64


def test_timestamps_have_one_form_whatever_their_zone() -> None:
    moment = datetime(2026, 5, 1, 12, 0, 0, 6, tzinfo=UTC)
    kyiv = moment.astimezone(timezone(timedelta(hours=3)))
    assert utc_text(moment) == utc_text(kyiv) == "2026-05-01T12:00:00.000006Z"
    with pytest.raises(ValueError, match="timezone-aware"):
        utc_text(datetime(2026, 5, 1))


def test_an_event_needs_a_session_with_the_chain_key(world_url: str) -> None:
    engine = make_engine(world_url)
    try:
        with Session(engine) as session, pytest.raises(RuntimeError, match="chain key"):
            record_audit(session, action="read", resource_type="patient")
    finally:
        engine.dispose()


# -- lumbar audit verify -------------------------------------------------------------------


def _verify_cli(
    url: str, data_dir: Path, *args: str, secret: str | None = SECRET
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LUMBAR_")}
    env["LUMBAR_DATA_DIR"] = str(data_dir)
    if secret is not None:
        env["LUMBAR_SECRET_KEY"] = secret
    return subprocess.run(
        [sys.executable, "-m", "lumbar", "audit", "verify", "--database-url", url, *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def test_the_command_exits_0_when_intact_and_1_naming_the_broken_link(
    world: World, world_url: str, tmp_path: Path
) -> None:
    _activity(world)
    intact = _verify_cli(world_url, tmp_path)
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "intact" in intact.stdout
    data = json.loads(_verify_cli(world_url, tmp_path, "--json").stdout)
    assert data["intact"] is True and data["broken"] is None
    noted = data["head"]
    middle = _event_ids(world_url)[5]
    _run(world_url, "UPDATE audit_events SET outcome = 'error' WHERE id = :id", id=middle)
    broken = _verify_cli(world_url, tmp_path)
    assert broken.returncode == 1, broken.stdout + broken.stderr
    assert f"first broken link: event {middle}" in broken.stdout
    as_json = _verify_cli(world_url, tmp_path, "--json", "--noted-head", noted)
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["broken"]["event_id"] == middle


@pytest.mark.parametrize("backend", ["sqlite"])  # the secret's source: one backend is enough
def test_the_command_reads_the_secret_file_and_never_makes_one(
    world: World, world_url: str, tmp_path: Path
) -> None:
    _activity(world)
    missing = _verify_cli(world_url, tmp_path, secret=None)
    assert missing.returncode == 2
    assert "no secret" in missing.stderr
    assert not (tmp_path / SECRET_FILE).exists()
    (tmp_path / SECRET_FILE).write_text(SECRET)
    (tmp_path / SECRET_FILE).chmod(0o600)
    tmp_path.chmod(0o700)
    from_file = _verify_cli(world_url, tmp_path, secret=None)
    assert from_file.returncode == 0, from_file.stdout + from_file.stderr
