"""Issue 13, nothing of a person's health in logs, against a real `lumbar serve --workers 2`
on SQLite and PostgreSQL: a marker in every field of every write route, API and web forms,
sent by several clients at once before, during and after a database fault, and not one
marker in anything the server writes to stdout or stderr. The faults' tracebacks are there
for operators, without exception messages.

The fault makes every write fail while reads still work, so requests fail after their input
was checked: PostgreSQL is made read-only (as a standby is), and on SQLite, whose open files
a chmod does not affect, a trigger fails every audit event (which every request writes).
Before the fix a database error on the invalid-answers path logged the refused answer
("got 'healthmark-...'").
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
import sqlalchemy as sa

from lumbar.api.headers import EVERY_REPLY, NOT_CACHED

from ..live_server import ADMIN, STRAIN, LiveServer, serve
from .conftest import database_url

CLIENTS = 4
PASSWORD = "patient-password-1"
SECRET = uuid.uuid4().hex  # in every marker; in the log it would be health data
MARK = f"healthmark-{SECRET}"
MARK_ID = f"healthmark_{SECRET}"  # shaped like a finding or exercise id
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]*)"')
YESTERDAY = (date.today() - timedelta(days=1)).isoformat()
# uvicorn closes a connection after a 500 it did not write itself, so a client reusing it
# could have its next request reset: every request here has a connection of its own.
ONE_REQUEST_EACH = {"Connection": "close"}


@dataclass(frozen=True)
class Site:
    server: LiveServer
    database: str
    admin: str
    clinician: str
    patient: str
    patient_id: str
    integration_id: str


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def site(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("logs")
    database = database_url(request, request.param, folder, "logs")
    many = {"LUMBAR_REGISTRATIONS_PER_HOUR": "100000"}
    with serve(database, folder, workers=2, login_attempts_per_minute=100_000, env=many) as server:
        admin = server.token(*ADMIN)
        suffix = uuid.uuid4().hex[:8]
        doctor, person = f"doctor-{suffix}@lumbar.test", f"patient-{suffix}@lumbar.test"
        server.create_account(admin, doctor, "clinician", "logs", PASSWORD)
        patient = server.create_account(admin, person, "patient", "logs", PASSWORD)
        integration = server.create_account(
            admin, f"ehr-{suffix}@lumbar.test", "integration", "logs"
        )
        yield Site(
            server,
            database,
            admin,
            server.token(doctor, PASSWORD),
            server.token(person, PASSWORD),
            patient["patient_id"],
            integration["id"],
        )


@dataclass(frozen=True)
class Client:
    """One client's connections and form tokens, made while the database works."""

    api: httpx.Client
    interview_id: str
    visitor: httpx.Client  # the web app, signed out
    visitor_csrf: str
    person: httpx.Client  # the web app, signed in as the patient
    person_csrf: str
    doctor: httpx.Client  # the web app, signed in as the clinician
    doctor_csrf: str


def _web(site: Site, token: str | None, page: str) -> tuple[httpx.Client, str]:
    """A browser-like client (signed in with `token`) and the CSRF token of `page`'s form."""
    headers = {"Origin": site.server.url, **ONE_REQUEST_EACH}
    client = httpx.Client(base_url=site.server.url, headers=headers, timeout=60)
    if token is not None:
        client.cookies.set("lumbar_session", token)
    shown = client.get(page)
    assert shown.status_code == 200, shown.text
    found = CSRF_FIELD.search(shown.text)
    assert found is not None, shown.text
    return client, found.group(1)


def _client(site: Site) -> Client:
    headers = {"X-Request-ID": MARK, **ONE_REQUEST_EACH}
    api = httpx.Client(base_url=site.server.url, headers=headers, timeout=60)
    started = api.post(
        f"/v1/patients/{site.patient_id}/interviews",
        json={},
        headers={"Authorization": f"Bearer {site.patient}"},
    )
    assert started.status_code == 201, started.text
    return Client(
        api,
        started.json()["id"],
        *_web(site, None, "/signin"),
        *_web(site, site.patient, f"/patients/{site.patient_id}"),
        *_web(site, site.clinician, "/clinic"),
    )


def _markers_everywhere(site: Site, client: Client, round_: str) -> list[tuple[str, int]]:
    """Every write route once, each field holding a marker; (route, status) of each."""
    pid, iid, api = site.patient_id, client.interview_id, client.api
    who = {
        "patient": {"Authorization": f"Bearer {site.patient}"},
        "clinician": {"Authorization": f"Bearer {site.clinician}"},
        "admin": {"Authorization": f"Bearer {site.admin}"},
        "anyone": {},
    }
    unique = f"{MARK}-{round_}-{uuid.uuid4().hex[:6]}"  # a new account and clinic each time
    email = f"{unique}@lumbar.test"
    api_posts: list[tuple[str, str, str, dict[str, Any]]] = [
        ("anyone", "POST", f"/v1/assess?lang={MARK}", {"answers": {"fever": MARK, MARK_ID: 1}}),
        ("anyone", "POST", "/v1/assess", {"answers": {**STRAIN, "sex": MARK}, "asked": 2}),
        ("clinician", "POST", "/v1/patients", {"label": MARK, "birth_year": 1980}),
        ("patient", "POST", f"/v1/patients/{pid}/assessments", {"answers": {"fever": MARK}}),
        ("patient", "POST", f"/v1/patients/{pid}/interviews", {"language": MARK}),
        (
            "patient",
            "PUT",
            f"/v1/interviews/{iid}/answers",
            {"answers": {**STRAIN, "history_cancer": MARK}, "asked": ["age"]},
        ),
        ("patient", "PUT", f"/v1/interviews/{iid}/answers", {"answers": {}, "asked": [MARK_ID]}),
        ("patient", "PUT", f"/v1/interviews/{iid}/answers", {"answers": {MARK_ID: True}}),
        (
            "patient",
            "POST",
            f"/v1/patients/{pid}/diary",
            {"day": YESTERDAY, "pain": MARK, "warning_signs": {MARK: True}},
        ),
        (
            "patient",
            "POST",
            f"/v1/patients/{pid}/diary",
            {"day": YESTERDAY, "pain": 3, "exercises_done": [MARK_ID]},
        ),
        (
            "patient",
            "POST",
            f"/v1/patients/{pid}/diary",
            {"day": YESTERDAY, "pain": 3, "warning_signs": {MARK_ID: True}},
        ),
        ("anyone", "POST", "/v1/auth/token", {"email": email, "password": MARK}),
        ("anyone", "POST", "/v1/auth/invitation", {"invitation": MARK, "password": MARK}),
        ("patient", "POST", "/v1/me/password", {"current_password": MARK, "new_password": MARK}),
        ("admin", "POST", "/v1/users", {"email": email, "role": "clinician", "clinic": unique}),
        (
            "admin",
            "POST",
            f"/v1/users/{site.integration_id}/api-keys",
            {"name": MARK, "scopes": ["patients:read"]},
        ),
    ]
    statuses = [
        (path, api.request(method, path, json=body, headers=who[role]).status_code)
        for role, method, path, body in api_posts
    ]
    state = json.dumps({"answers": {"age": 40, "fever": MARK}, "steps": [["age"], ["fever"]]})
    web_posts: list[tuple[httpx.Client, str, str, dict[str, Any]]] = [
        (client.visitor, client.visitor_csrf, "/signin", {"email": email, "password": MARK}),
        (
            client.visitor,
            client.visitor_csrf,
            "/register",
            {"email": email, "password": MARK, "password_again": MARK, "consent": "yes"},
        ),
        (client.visitor, client.visitor_csrf, "/interview", {"state": state}),
        (client.visitor, client.visitor_csrf, "/interview", {"patient": MARK, "reply": MARK}),
        (client.visitor, client.visitor_csrf, "/report.pdf", {"state": state}),
        (client.doctor, client.doctor_csrf, "/clinic/patients", {"label": MARK, "sex": "male"}),
        (
            client.person,
            client.person_csrf,
            f"/patients/{pid}/diary",
            {"day": YESTERDAY, "pain": MARK, "function": MARK, "exercise": [MARK]},
        ),
        (
            client.person,
            client.person_csrf,
            f"/patients/{pid}/diary",
            {"day": YESTERDAY, "pain": "3", "exercise": [MARK_ID]},
        ),
    ]
    statuses += [
        (path, web.post(path, data={"csrf": csrf, **form}).status_code)
        for web, csrf, path, form in web_posts
    ]
    return statuses


@contextmanager
def writes_fail(database: str) -> Iterator[None]:
    """The database refuses every write, reads still work, until the end of the block."""
    engine = sa.create_engine(database, isolation_level="AUTOCOMMIT")
    if engine.dialect.name == "postgresql":
        start = ["ALTER SYSTEM SET default_transaction_read_only = on", "SELECT pg_reload_conf()"]
        end = ["ALTER SYSTEM RESET default_transaction_read_only", "SELECT pg_reload_conf()"]
    else:
        start = [
            "CREATE TRIGGER fault BEFORE INSERT ON audit_events "
            "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END"
        ]
        end = ["DROP TRIGGER fault"]

    def run(statements: list[str]) -> None:
        with engine.connect() as connection:
            for statement in statements:
                connection.execute(sa.text(statement))

    try:
        run(start)
        time.sleep(0.5)  # PostgreSQL's servers read the new setting before their next query
        yield
    finally:
        run(end)
        time.sleep(0.5)
        engine.dispose()


def _round(site: Site, clients: list[Client], name: str) -> list[tuple[str, int]]:
    with ThreadPoolExecutor(len(clients)) as pool:
        runs = pool.map(lambda client: _markers_everywhere(site, client, name), clients)
        return [status for run in runs for status in run]


def test_no_marker_reaches_the_log_under_load_and_faults(site: Site) -> None:
    clients = [_client(site) for _ in range(CLIENTS)]
    try:
        with writes_fail(site.database):
            during = _round(site, clients, "during")
        after = _round(site, clients, "after")
    finally:
        for client in clients:
            for connection in (client.api, client.visitor, client.person, client.doctor):
                connection.close()
    log = site.server.log.read_text()
    leaked = [line for line in log.splitlines() if SECRET in line]
    assert not leaked, "\n".join(leaked[:20])
    assert not [status for status in after if status[1] >= 500], after
    assert any(status >= 500 for _, status in during), during
    assert "unexpected" in log and "PUT /v1/interviews/{interview_id}/answers" in log
    assert "Traceback (most recent call last)" in log and "(message left out)" in log
    with site.server.client() as anyone:
        assert anyone.get("/v1/health").status_code == 200


def test_a_server_error_reply_is_private_too(site: Site) -> None:
    """A 500 carries the same no-store and nosniff headers as every other reply (Starlette's
    outermost error handler writes it outside the middleware that sets them)."""
    api = httpx.Client(base_url=site.server.url, headers=ONE_REQUEST_EACH, timeout=60)
    patient = {"Authorization": f"Bearer {site.patient}"}
    try:
        started = api.post(f"/v1/patients/{site.patient_id}/interviews", json={}, headers=patient)
        assert started.status_code == 201, started.text
        with writes_fail(site.database):
            failed = api.put(
                f"/v1/interviews/{started.json()['id']}/answers",
                json={"answers": STRAIN},
                headers=patient,
            )
    finally:
        api.close()
    assert failed.status_code >= 500, failed.text
    for name, value in {**EVERY_REPLY, **NOT_CACHED}.items():
        assert failed.headers.get(name) == value, (name, dict(failed.headers))
