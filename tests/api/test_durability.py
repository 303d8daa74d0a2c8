"""Acknowledged writes survive kill -9 of the server (issue 13), on SQLite and PostgreSQL.

Writers post assessments while the server is killed without warning; after a restart every
write that was answered 201 is there, and SQLite's integrity check is clean. Bounded: a few
writers, a fixed number of kills, each after a short burst.
"""

from __future__ import annotations

import signal
import sqlite3
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest

from ..live_server import ADMIN, STRAIN, LiveServer, ServerProcess, spawn_server
from .conftest import database_url

KILLS = 2
WRITERS = 4
BURST_SECONDS = 1.5
PASSWORD = "patient-password-1"


def _patient(server: LiveServer) -> dict[str, Any]:
    admin = server.token(*ADMIN)
    email = f"durable-{uuid.uuid4().hex[:8]}@lumbar.test"
    account = server.create_account(admin, email, "patient", "durable", PASSWORD)
    return {**account, "token": server.token(email, PASSWORD)}


def _write_until(server: LiveServer, person: dict[str, Any], stop: threading.Event) -> list[str]:
    """Post assessments until `stop`; the ids the server acknowledged with 201."""
    acknowledged = []
    path = f"/v1/patients/{person['patient_id']}/assessments"
    with server.client(person["token"]) as client:
        while not stop.is_set():
            try:
                reply = client.post(path, json={"answers": STRAIN}, timeout=5)
            except httpx.TransportError:
                continue
            if reply.status_code == 201:
                acknowledged.append(reply.json()["id"])
    return acknowledged


def _burst_then_kill(started: ServerProcess, person: dict[str, Any]) -> list[str]:
    """Writers post for a moment, then the server is killed with SIGKILL under them."""
    stop = threading.Event()
    results: list[list[str]] = [[] for _ in range(WRITERS)]

    def writer(slot: int) -> None:
        results[slot] = _write_until(started.server, person, stop)

    threads = [threading.Thread(target=writer, args=(slot,)) for slot in range(WRITERS)]
    for thread in threads:
        thread.start()
    time.sleep(BURST_SECONDS)
    started.process.send_signal(signal.SIGKILL)
    started.process.wait(timeout=30)
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    return [aid for found in results for aid in found]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_acknowledged_writes_survive_kill_9(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    database = database_url(request, backend, tmp_path, "durable")
    acknowledged: list[str] = []
    person: dict[str, Any] | None = None
    for kill in range(KILLS):
        started = spawn_server(database, tmp_path, name=f"killed-{kill}")
        server = started.wait_until_up()
        person = person or _patient(server)
        acknowledged += _burst_then_kill(started, person)
    assert person is not None and acknowledged
    final = spawn_server(database, tmp_path, name="after")
    try:
        with final.wait_until_up().client(person["token"]) as client:
            missing = [
                a for a in acknowledged if client.get(f"/v1/assessments/{a}").status_code != 200
            ]
    finally:
        final.stop()
    assert missing == [], f"{len(missing)} of {len(acknowledged)} acknowledged writes lost"
    if backend == "sqlite":
        with sqlite3.connect(tmp_path / "lumbar.db") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
