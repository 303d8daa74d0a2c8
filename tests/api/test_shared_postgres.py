"""Several `lumbar serve` processes on one PostgreSQL database are one service.

Two servers (A and B, different ports) on one database: a token, a record, an interview
and the sign-in limit work across them, because the servers keep nothing of their own.
Started at the same moment on a fresh database, they migrate and set up the first admin
one after the other (an advisory lock), and so do the workers of `lumbar serve --workers`.
"""

from __future__ import annotations

import itertools
import re
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from lumbar.storage.migrate import current_revision, head_revision

from ..live_server import STRAIN
from ..storage.postgres import PostgresServer
from .conftest import ADMIN, LiveServer, ServerProcess, spawn_server

PASSWORD = "shared-password-1"
_databases = itertools.count()


def _fresh_database(postgres: PostgresServer) -> str:
    return postgres.create_database(f"shared_{next(_databases)}")


def _start_together(database: str, folder: Path, *names: str) -> list[ServerProcess]:
    """Start the servers at once (each migrates the database on start), then wait for all."""
    started = [spawn_server(database, folder, name=name) for name in names]
    try:
        for process in started:
            process.wait_until_up()
    except BaseException:
        for process in started:
            process.stop()
        raise
    return started


def _problems(log: str) -> list[str]:
    return [line for line in log.splitlines() if "Traceback" in line or "ERROR" in line]


def _admins(database: str) -> int:
    conninfo = database.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(conninfo) as connection:
        row = connection.execute("SELECT count(*) FROM users WHERE role = 'admin'").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def pair(
    api_postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, LiveServer, LiveServer]]:
    """Servers A and B, started together on one fresh database."""
    folder = tmp_path_factory.mktemp("shared")
    database = _fresh_database(api_postgres)
    started = _start_together(database, folder, "a", "b")
    try:
        yield database, started[0].server, started[1].server
    finally:
        for process in started:
            process.stop()


@pytest.fixture(scope="module")
def people(pair: tuple[str, LiveServer, LiveServer]) -> dict[str, Any]:
    """A clinician and a patient of one clinic, created on A, signed in on A."""
    _, a, _ = pair
    found: dict[str, Any] = {}
    admin = a.token(*ADMIN)
    for role in ("clinician", "patient"):
        email = f"{role}-{uuid.uuid4().hex[:6]}@lumbar.test"
        account = a.create_account(admin, email, role, "shared", PASSWORD)
        found[role] = {**account, "token": a.token(email, PASSWORD)}
    return found


def test_started_together_on_a_fresh_database_they_migrate_once(
    pair: tuple[str, LiveServer, LiveServer],
) -> None:
    database, a, b = pair
    assert current_revision(database) == head_revision()
    assert _admins(database) == 1
    for server in (a, b):
        assert _problems(server.log.read_text()) == []
        with server.client() as client:
            assert client.get("/v1/health").status_code == 200


def test_a_token_from_one_server_works_on_the_other(
    pair: tuple[str, LiveServer, LiveServer], people: dict[str, Any]
) -> None:
    _, a, b = pair
    token = a.token(*ADMIN)
    with b.client(token) as client:
        me = client.get("/v1/me")
    assert me.status_code == 200, me.text
    assert me.json()["email"] == ADMIN[0]
    with b.client(people["clinician"]["token"]) as client:
        assert client.get("/v1/me").json()["role"] == "clinician"


def test_records_written_on_one_server_are_read_on_the_other(
    pair: tuple[str, LiveServer, LiveServer], people: dict[str, Any]
) -> None:
    _, a, b = pair
    token = people["clinician"]["token"]
    with a.client(token) as on_a:
        patient = on_a.post("/v1/patients", json={"label": "shared-1", "sex": "male"})
        assert patient.status_code == 201, patient.text
        pid = patient.json()["id"]
        stored = on_a.post(f"/v1/patients/{pid}/assessments", json={"answers": STRAIN})
        assert stored.status_code == 201, stored.text
        entry = on_a.post(f"/v1/patients/{pid}/diary", json={"day": "2026-11-20", "pain": 4})
        assert entry.status_code == 201, entry.text
    with b.client(token) as on_b:
        assert on_b.get(f"/v1/patients/{pid}").json()["label"] == "shared-1"
        read = on_b.get(f"/v1/assessments/{stored.json()['id']}")
        assert read.status_code == 200, read.text
        assert read.json()["result"]["triage"] == stored.json()["result"]["triage"]
        diary = on_b.get(f"/v1/patients/{pid}/diary").json()["items"]
        assert [(e["id"], e["pain"]) for e in diary] == [(entry.json()["id"], 4)]
        queue = on_b.get("/v1/queue")
        assert queue.status_code == 200


def test_an_interview_moves_between_servers(
    pair: tuple[str, LiveServer, LiveServer], people: dict[str, Any]
) -> None:
    _, a, b = pair
    patient = people["patient"]
    pid = patient["patient_id"]
    with a.client(patient["token"]) as on_a, b.client(patient["token"]) as on_b:
        started = on_a.post(f"/v1/patients/{pid}/interviews", json={"language": "uk"})
        assert started.status_code == 201, started.text
        iid = started.json()["id"]
        first = started.json()["next_question"]["id"]
        answered = on_b.put(
            f"/v1/interviews/{iid}/answers", json={"answers": STRAIN, "asked": [first]}
        )
        assert answered.status_code == 200, answered.text
        assert answered.json()["asked"] == [first]
        finished = on_a.post(f"/v1/interviews/{iid}/finish")
        assert finished.status_code == 201, finished.text
        assert finished.json()["answers"] == STRAIN
        assert finished.json()["language"] == "uk"
        again = on_b.get(f"/v1/interviews/{iid}").json()
        assert again["status"] == "finished"
        assert again["assessment_id"] == finished.json()["id"]


def test_the_sign_in_limit_counts_failures_on_every_server(
    pair: tuple[str, LiveServer, LiveServer], people: dict[str, Any]
) -> None:
    """The limit is 5 failures a minute per account; alternating servers does not help."""
    _, a, b = pair
    email = people["clinician"]["email"]
    codes = []
    for server in (a, b, a, b, a, b):
        with server.client() as client:
            reply = client.post("/v1/auth/token", json={"email": email, "password": "wrong"})
            codes.append(reply.status_code)
            if reply.status_code == 429:
                assert reply.headers["Retry-After"] == "60"
    assert codes == [401] * 5 + [429]
    with b.client() as client:  # the right password is refused too while throttled
        right = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert right.status_code == 429


def test_serve_with_two_workers_on_a_fresh_database(
    api_postgres: PostgresServer, tmp_path_factory: pytest.TempPathFactory
) -> None:
    folder = tmp_path_factory.mktemp("workers")
    database = _fresh_database(api_postgres)
    started = spawn_server(database, folder, name="workers", workers=2)
    try:
        server = started.wait_until_up()
        log = started.wait_for_log("Application startup complete.", count=2)
        assert len(set(re.findall(r"Started server process \[(\d+)\]", log))) == 2
        token = server.token(*ADMIN)
        for _ in range(6):  # the kernel spreads the connections over the workers
            with server.client(token) as client:
                assert client.get("/v1/me").status_code == 200
                assessed = client.post("/v1/assess", json={"answers": STRAIN})
                assert assessed.status_code == 200, assessed.text
        assert _problems(server.log.read_text()) == []
        assert _admins(database) == 1
    finally:
        started.stop()
