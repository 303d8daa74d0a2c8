"""Many clients at once on `lumbar serve --workers 2`: no 5xx, and no acknowledged write lost.

Issue 13: on SQLite every request reads for the access check and then writes an audit event;
a deferred transaction cannot take the write lock it needs and answered "database is locked".
The same load runs on PostgreSQL. Bounded: CLIENTS threads, ROUNDS requests each.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from ..live_server import ADMIN, STRAIN, LiveServer, serve
from .conftest import database_url

CLIENTS = 32
ROUNDS = 12
PATIENTS = 4
PASSWORD = "patient-password-1"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def busy(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("busy")
    database = database_url(request, request.param, folder, "busy")
    with serve(database, folder, workers=2, login_attempts_per_minute=10_000) as server:
        yield server


def _patients(server: LiveServer) -> list[dict[str, Any]]:
    admin = server.token(*ADMIN)
    people = []
    for _ in range(PATIENTS):
        email = f"busy-{uuid.uuid4().hex[:8]}@lumbar.test"
        account = server.create_account(admin, email, "patient", "busy", PASSWORD)
        people.append({**account, "email": email, "token": server.token(email, PASSWORD)})
    return people


def _client_run(server: LiveServer, people: list[dict[str, Any]], seed: int) -> dict[str, Any]:
    """One client's mixed requests: write an assessment, read the list, sign in."""
    rng = random.Random(seed)
    statuses: Counter[int] = Counter()
    written: list[tuple[str, str, str]] = []
    for _ in range(ROUNDS):
        person = rng.choice(people)
        pid = person["patient_id"]
        with server.client(person["token"]) as client:
            kind = rng.random()
            if kind < 0.45:
                reply = client.post(f"/v1/patients/{pid}/assessments", json={"answers": STRAIN})
                if reply.status_code == 201:
                    written.append((person["token"], pid, reply.json()["id"]))
            elif kind < 0.9:
                reply = client.get(f"/v1/patients/{pid}/assessments")
            else:
                reply = client.post(
                    "/v1/auth/token", json={"email": person["email"], "password": PASSWORD}
                )
        statuses[reply.status_code] += 1
    return {"statuses": statuses, "written": written}


def test_concurrent_clients_get_no_server_errors_and_lose_no_write(busy: LiveServer) -> None:
    people = _patients(busy)
    with ThreadPoolExecutor(CLIENTS) as pool:
        runs = list(pool.map(lambda seed: _client_run(busy, people, seed), range(CLIENTS)))
    statuses: Counter[int] = sum((run["statuses"] for run in runs), Counter())
    assert not {code for code in statuses if code >= 500}, (statuses, _tail(busy.log))
    assert set(statuses) <= {200, 201}, statuses
    written = [item for run in runs for item in run["written"]]
    assert written
    for token, pid, aid in written:
        with busy.client(token) as client:
            assert client.get(f"/v1/assessments/{aid}").status_code == 200, (pid, aid)


def _tail(log: Path) -> str:
    return "\n".join(log.read_text().splitlines()[-30:])
