"""The REST API against a real server: flows, authorization matrix, errors, logs."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from lumbar.engine import assess

from ..live_server import STRAIN as LIFTING
from .conftest import ADMIN, LiveServer

PASSWORD = "patient-password-1"
STRAIN = {**LIFTING, "worse_with_movement": True}


@pytest.fixture(scope="module")
def world(live: LiveServer) -> dict[str, Any]:
    """Two clinics, a clinician and a patient account in each, an admin, tokens."""
    admin = live.token(*ADMIN)
    people: dict[str, Any] = {"admin": {"token": admin}}
    for clinic in ("north", "south"):
        for role in ("clinician", "patient"):
            email = f"{role}-{clinic}-{uuid.uuid4().hex[:6]}@lumbar.test"
            account = live.create_account(admin, email, role, clinic, PASSWORD)
            people[f"{role}_{clinic}"] = {**account, "token": live.token(email, PASSWORD)}
    with live.client(people["patient_north"]["token"]) as client:
        pid = people["patient_north"]["patient_id"]
        stored = client.post(f"/v1/patients/{pid}/assessments", json={"answers": STRAIN})
        assert stored.status_code == 201, stored.text
        people["assessment_north"] = stored.json()["id"]
        entry = client.post(f"/v1/patients/{pid}/diary", json={"day": "2026-11-20", "pain": 5})
        assert entry.status_code == 201, entry.text
    return people


def test_openapi_is_published(live: LiveServer) -> None:
    with live.client() as client:
        spec = client.get("/openapi.json").json()
    assert "/v1/assess" in spec["paths"]
    assert "/v1/patients/{patient_id}/programme" in spec["paths"]


def test_stateless_interview_runs_to_the_end(live: LiveServer) -> None:
    answers: dict[str, Any] = {}
    asked = 0
    with live.client(**{"Accept-Language": "ru"}) as client:
        while True:
            reply = client.post("/v1/assess", json={"answers": answers, "asked": asked})
            assert reply.status_code == 200, reply.text
            body = reply.json()
            if body["should_stop"]:
                break
            question = body["next_question"]
            for fid in question["findings"]:
                answers[fid] = STRAIN.get(fid, False if question["kind"] != "number" else 5)
            if question["kind"] == "choice":
                answers[question["findings"][0]] = STRAIN.get(question["findings"][0], "days")
            asked += 1
            assert asked <= 40
    assert body["language"] == "ru"
    assert body["assessment"]["triage"]["level"] == assess(answers).triage.level
    assert "диагноз" in body["assessment"]["text"]["disclaimer"]


def test_bad_input_is_422_naming_the_field_never_500(live: LiveServer) -> None:
    with live.client() as client:
        bad = client.post("/v1/assess", json={"answers": {"age": "forty", "sex": "male"}})
        assert bad.status_code == 422
        assert bad.json()["error"]["fields"][0]["field"] == "answers.age"
        for body in ([], "x", {"answers": []}, {"answers": {"age": 1e308}}, {"nope": 1}):
            reply = client.post("/v1/assess", json=body)
            assert reply.status_code == 422, (body, reply.text)
            assert reply.json()["error"]["code"] == "invalid"
        garbage = client.post(
            "/v1/assess", content=b"\xff{", headers={"Content-Type": "application/json"}
        )
        assert garbage.status_code == 422
        assert garbage.json()["error"]["fields"] == [
            {"field": "body", "problem": "not readable as JSON"}
        ]


def test_sign_in_errors_and_rate_limit(live: LiveServer) -> None:
    with live.client() as client:
        assert client.get("/v1/me").status_code == 401
        email = f"nobody-{uuid.uuid4().hex[:6]}@lumbar.test"
        codes = [
            client.post("/v1/auth/token", json={"email": email, "password": "wrong"}).status_code
            for _ in range(7)
        ]
    assert codes[0] == 401
    assert codes[-1] == 429


def test_patient_flow_interview_diary_programme_care_plan(
    live: LiveServer, world: dict[str, Any]
) -> None:
    patient = world["patient_north"]
    pid = patient["patient_id"]
    with live.client(patient["token"]) as client:
        started = client.post(f"/v1/patients/{pid}/interviews", json={"language": "uk"})
        assert started.status_code == 201, started.text
        iid = started.json()["id"]
        saved = client.put(
            f"/v1/interviews/{iid}/answers", json={"answers": STRAIN, "asked": ["age"]}
        )
        assert saved.status_code == 200, saved.text
        finished = client.post(f"/v1/interviews/{iid}/finish")
        assert finished.status_code == 201, finished.text
        assert finished.json()["result"]["triage"]["level"] == assess(STRAIN).triage.level
        again = client.post(f"/v1/interviews/{iid}/finish")
        assert again.status_code == 422
        listed = client.get(f"/v1/patients/{pid}/assessments").json()["items"]
        assert len(listed) >= 2
        duplicate = client.post(f"/v1/patients/{pid}/diary", json={"day": "2026-11-20", "pain": 4})
        assert duplicate.status_code == 422
        too_much = client.post(f"/v1/patients/{pid}/diary", json={"day": "2026-11-21", "pain": 11})
        assert too_much.status_code == 422
        assert too_much.json()["error"]["fields"][0]["field"] == "pain"
        programme = client.get(f"/v1/patients/{pid}/programme", params={"days": 3})
        assert programme.status_code == 200, programme.text
        assert programme.json()["status"] == "active"
        assert len(programme.json()["days"]) == 3
        assert client.get(f"/v1/patients/{pid}/programme?cleared=true").status_code == 403
        plan = client.get(f"/v1/assessments/{world['assessment_north']}/care-plan").json()
        assert plan["mode"] == "patient"
        for item in plan["options"]:
            assert "dosing" not in item["treatment_text"]
    with live.client(world["clinician_north"]["token"]) as client:
        plan = client.get(f"/v1/assessments/{world['assessment_north']}/care-plan").json()
        assert plan["mode"] == "clinician"
        medicines = [i for i in plan["options"] if i["kind"] == "medicine"]
        assert medicines and any(i["treatment_text"]["dosing"] for i in medicines)


def test_assessments_cannot_be_changed(live: LiveServer, world: dict[str, Any]) -> None:
    path = f"/v1/assessments/{world['assessment_north']}"
    with live.client(world["clinician_north"]["token"]) as client:
        assert client.put(path, json={"answers": {}}).status_code == 405
        assert client.delete(path).status_code == 405
        assert client.get(path).status_code == 200


def test_authorization_matrix(live: LiveServer, world: dict[str, Any]) -> None:
    pid = world["patient_north"]["patient_id"]
    aid = world["assessment_north"]
    requests = {
        "patient": ("GET", f"/v1/patients/{pid}", None),
        "assessments": ("GET", f"/v1/patients/{pid}/assessments", None),
        "assessment": ("GET", f"/v1/assessments/{aid}", None),
        "care_plan": ("GET", f"/v1/assessments/{aid}/care-plan", None),
        "add_assessment": ("POST", f"/v1/patients/{pid}/assessments", {"answers": STRAIN}),
        "diary": ("GET", f"/v1/patients/{pid}/diary", None),
        "programme": ("GET", f"/v1/patients/{pid}/programme", None),
        "interview": ("POST", f"/v1/patients/{pid}/interviews", {"language": "en"}),
    }
    allowed = {"patient_north", "clinician_north"}
    for who in ("patient_north", "clinician_north", "patient_south", "clinician_south", "admin"):
        with live.client(world[who]["token"]) as client:
            for name, (method, path, body) in requests.items():
                status = client.request(method, path, json=body).status_code
                if who in allowed:
                    assert status in (200, 201), (who, name, status)
                else:
                    assert status == 404, (who, name, status)
    with live.client() as anonymous:
        for method, path, body in requests.values():
            assert anonymous.request(method, path, json=body).status_code == 401
    admin_only = [("GET", "/v1/audit"), ("POST", "/v1/users")]
    for who in ("patient_north", "clinician_north"):
        with live.client(world[who]["token"]) as client:
            for method, path in admin_only:
                assert client.request(method, path, json={}).status_code in (403, 422)
            assert client.get("/v1/audit").status_code == 403
    with live.client(world["patient_north"]["token"]) as client:
        assert client.post("/v1/patients", json={}).status_code == 403
        assert client.get("/v1/queue").status_code == 403


def test_api_keys_and_the_audit_trail(live: LiveServer, world: dict[str, Any]) -> None:
    ehr = live.create_account(
        world["admin"]["token"], f"ehr-{uuid.uuid4().hex[:6]}@n.test", "integration", "north"
    )
    with live.client(world["admin"]["token"]) as admin:
        created = admin.post(
            f"/v1/users/{ehr['id']}/api-keys",
            json={"name": "EHR", "scopes": ["patients:write", "patients:read"]},
        )
        assert created.status_code == 201, created.text
        key = created.json()["key"]
    with live.client(**{"X-API-Key": key}) as integration:
        new = integration.post("/v1/patients", json={"label": "EHR-1"})
        assert new.status_code == 201, new.text
    with live.client(world["admin"]["token"]) as admin:
        events = admin.get("/v1/audit", params={"limit": 100}).json()["items"]
    assert any(e["actor_kind"] == "api_key" and e["resource_type"] == "patient" for e in events)
    assert any(e["outcome"] == "denied" for e in events)
    assert all(set(e) >= {"actor_user_id", "action", "outcome", "at"} for e in events)


def test_no_health_data_in_the_server_log(live: LiveServer, world: dict[str, Any]) -> None:
    marker = f"secret-label-{uuid.uuid4().hex}"
    pid = world["patient_north"]["patient_id"]
    with live.client(world["clinician_north"]["token"]) as client:
        client.post("/v1/patients", json={"label": marker})
        client.post(
            f"/v1/patients/{pid}/diary",
            json={"day": "2026-11-22", "pain": 7, "warning_signs": {"saddle_anesthesia": False}},
        )
        client.post("/v1/assess", json={"answers": {**STRAIN, "history_cancer": True}})
    log = live.log.read_text()
    assert "/v1/patients" in log  # the log is being written
    for secret in (marker, "saddle_anesthesia", "history_cancer", "pain", PASSWORD):
        assert secret not in log, secret


def test_input_the_fuzzing_found_is_refused_never_500(
    live: LiveServer, world: dict[str, Any]
) -> None:
    """Found by tests/api/test_openapi_conformance.py and by hand on PostgreSQL: NUL
    characters and ids longer than any id (PostgreSQL refuses both), offsets beyond SQL
    integers, and dates so far ahead that the programme would replay every day up to them
    while holding the database's write lock."""
    pid = world["patient_north"]["patient_id"]
    headers = {"X-Request-ID": "r" * 200}
    with live.client(world["clinician_north"]["token"], **headers) as client:
        for path in (
            f"/v1/patients/{'x' * 80}",
            "/v1/patients/a%00b",
            f"/v1/assessments/{'y' * 80}/care-plan",
            "/v1/interviews/a%00b",
        ):
            reply = client.get(path)
            assert reply.status_code == 404, (path, reply.text)
            assert reply.json()["error"] == {
                "code": "not_found",
                "message": "no such record",
                "fields": [],
            }
        label = client.post("/v1/patients", json={"label": "a\u0000b"})
        assert label.status_code == 422
        assert label.json()["error"]["fields"][0]["field"] == "label"
        offset = client.get(f"/v1/patients/{pid}/assessments", params={"offset": 10**20})
        assert offset.status_code == 422
        assert offset.json()["error"]["fields"][0]["field"] == "offset"
        today = client.get(f"/v1/patients/{pid}/programme", params={"today": "3663-07-15"})
        assert today.status_code == 422
        assert today.json()["error"]["fields"][0]["field"] == "today"
        day = client.post(f"/v1/patients/{pid}/diary", json={"day": "9999-12-31", "pain": 1})
        assert day.status_code == 422
        assert day.json()["error"]["fields"][0]["field"] == "day"
    with live.client() as client:
        login = client.post("/v1/auth/token", json={"email": "a\u0000@b.c", "password": "x"})
        assert login.status_code == 422
    with live.client(world["admin"]["token"]) as admin:
        key = admin.post(
            f"/v1/users/{'z' * 80}/api-keys", json={"name": "EHR", "scopes": ["patients:read"]}
        )
        assert key.status_code == 404
        clinic = admin.post(
            "/v1/users",
            json={"email": "c@lumbar.test", "role": "clinician", "clinic": "\u0000"},
        )
        assert clinic.status_code == 422
        found = admin.get("/v1/audit", params={"patient_id": "x" * 80, "action": "a\u0000"})
        assert found.status_code == 200, found.text
        events = admin.get("/v1/audit", params={"patient_id": "x" * 80, "limit": 100})
        assert events.json()["items"], "the refused read of the long id is in the audit log"
        assert all(len(e["request_id"]) <= 64 for e in events.json()["items"])
