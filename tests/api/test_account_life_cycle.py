"""Separation of duties and the account life cycle, against a live server on both databases.

Admins manage accounts but cannot read health records: they cannot set a person's
password, cannot hold a key acting as a person, and every change they make is audited
with the account it touched. Deactivation, a new password and key revocation end the
credentials they concern at once, and a reactivated account's old tokens stay dead.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from ..live_server import STRAIN
from .conftest import ADMIN, LiveServer

PASSWORD = "life-cycle-password-1"


def _email(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex[:8]}@lumbar.test"


@pytest.fixture(scope="module")
def admin(live: LiveServer) -> str:
    return live.token(*ADMIN)


@pytest.fixture(scope="module")
def patient(live: LiveServer, admin: str) -> dict[str, Any]:
    email = _email("patient")
    account = live.create_account(admin, email, "patient", "north", PASSWORD)
    token = live.token(email, PASSWORD)
    with live.client(token) as client:
        stored = client.post(
            f"/v1/patients/{account['patient_id']}/assessments", json={"answers": STRAIN}
        )
        assert stored.status_code == 201, stored.text
    return {**account, "email": email, "assessment": stored.json()["id"]}


def test_an_admin_cannot_choose_a_persons_password(live: LiveServer, admin: str) -> None:
    with live.client(admin) as client:
        body = {"email": _email("c"), "password": PASSWORD, "role": "clinician", "clinic": "n"}
        reply = client.post("/v1/users", json=body)
    assert reply.status_code == 422
    assert reply.json()["error"]["fields"][0]["field"] == "password"


def test_a_person_chooses_their_own_password_with_a_one_time_invitation(
    live: LiveServer, admin: str
) -> None:
    email = _email("clinician")
    with live.client(admin) as client:
        created = client.post(
            "/v1/users", json={"email": email, "role": "clinician", "clinic": "n"}
        )
    assert created.status_code == 201, created.text
    account, invitation = created.json()["account"], created.json()["invitation"]
    assert account["has_password"] is False
    with live.client() as client:
        refused = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert refused.status_code == 401
        weak = {"invitation": invitation["code"], "password": "short"}
        assert client.post("/v1/auth/invitation", json=weak).status_code == 422
        used = {"invitation": invitation["code"], "password": PASSWORD}
        accepted = client.post("/v1/auth/invitation", json=used)
        assert accepted.status_code == 200, accepted.text
        again = client.post("/v1/auth/invitation", json={**used, "password": "another-one-1"})
        assert again.status_code == 401
    with live.client(accepted.json()["access_token"]) as client:
        assert client.get("/v1/me").json()["has_password"] is True
    with live.client(admin) as client:
        events = client.get("/v1/audit", params={"limit": 100}).json()["items"]
    touched = {(e["action"], e["resource_id"]) for e in events if e["resource_type"] == "user"}
    assert {("create", account["id"]), ("invite", account["id"])} <= touched
    assert ("accept_invitation", account["id"]) in touched


def test_an_admin_cannot_mint_a_key_that_acts_as_a_person(
    live: LiveServer, admin: str, patient: dict[str, Any]
) -> None:
    body = {"name": "mine", "scopes": ["assessments:read"]}
    with live.client(admin) as client:
        reply = client.post(f"/v1/users/{patient['id']}/api-keys", json=body)
        assert reply.status_code == 422
        assert "never to a person" in reply.json()["error"]["message"]
        record = client.get(f"/v1/assessments/{patient['assessment']}")
        assert record.status_code == 404, "admins read no health records"


def test_integration_keys_do_only_their_named_actions_for_their_clinic(
    live: LiveServer, admin: str, patient: dict[str, Any]
) -> None:
    ehr = live.create_account(admin, _email("ehr"), "integration", "north")
    elsewhere = live.create_account(admin, _email("ehr"), "integration", "south")
    with live.client(admin) as client:
        made = client.post(
            f"/v1/users/{ehr['id']}/api-keys",
            json={"name": "EHR", "scopes": ["assessments:read"]},
        )
        assert made.status_code == 201, made.text
        other = client.post(
            f"/v1/users/{elsewhere['id']}/api-keys",
            json={"name": "EHR", "scopes": ["assessments:read"]},
        ).json()["key"]
    key = made.json()["key"]
    with live.client(**{"X-API-Key": key}) as client:
        assert client.get(f"/v1/assessments/{patient['assessment']}").status_code == 200
        denied = client.post(
            f"/v1/patients/{patient['patient_id']}/diary", json={"day": "2026-11-20", "pain": 3}
        )
        assert denied.status_code == 403, "diary:write was not granted"
        assert client.post("/v1/patients", json={}).status_code == 403
    with live.client(**{"X-API-Key": other}) as client:
        assert client.get(f"/v1/assessments/{patient['assessment']}").status_code == 404
    with live.client() as client:
        no_password = client.post("/v1/auth/token", json={"email": ehr["email"], "password": ""})
        assert no_password.status_code in (401, 422)
    with live.client(admin) as client:
        assert client.delete(f"/v1/api-keys/{made.json()['id']}").status_code == 204
        listed = client.get(f"/v1/users/{ehr['id']}/api-keys").json()["items"]
        assert listed[0]["revoked_at"] is not None and "key" not in listed[0]
    with live.client(**{"X-API-Key": key}) as client:
        assert client.get(f"/v1/assessments/{patient['assessment']}").status_code == 401


def test_deactivation_ends_tokens_and_reactivation_does_not_revive_them(
    live: LiveServer, admin: str, patient: dict[str, Any]
) -> None:
    token = live.token(patient["email"], PASSWORD)
    with live.client(admin) as client:
        off = client.patch(f"/v1/users/{patient['id']}", json={"active": False})
        assert off.status_code == 200 and off.json()["active"] is False
    with live.client(token) as client:
        assert client.get("/v1/me").status_code == 401
    with live.client(admin) as client:
        assert client.patch(f"/v1/users/{patient['id']}", json={"active": True}).status_code == 200
        me = client.get("/v1/me").json()["id"]
        assert client.patch(f"/v1/users/{me}", json={"active": False}).status_code == 422
    with live.client(token) as client:
        assert client.get("/v1/me").status_code == 401, "the old token stays dead"
    with live.client(live.token(patient["email"], PASSWORD)) as client:
        assert client.get("/v1/me").status_code == 200


def test_a_new_password_ends_every_earlier_token(live: LiveServer, admin: str) -> None:
    email = _email("patient")
    live.create_account(admin, email, "patient", "north", PASSWORD)
    first, second = live.token(email, PASSWORD), live.token(email, PASSWORD)
    with live.client(first) as client:
        wrong = client.post(
            "/v1/me/password", json={"current_password": "nope", "new_password": "brand-new-pw-1"}
        )
        assert wrong.status_code == 422
        assert wrong.json()["error"]["fields"][0]["field"] == "current_password"
        changed = client.post(
            "/v1/me/password",
            json={"current_password": PASSWORD, "new_password": "brand-new-pw-1"},
        )
        assert changed.status_code == 200, changed.text
    for old in (first, second):
        with live.client(old) as client:
            assert client.get("/v1/me").status_code == 401
    with live.client(changed.json()["access_token"]) as client:
        assert client.get("/v1/me").status_code == 200
    with live.client() as client:
        old_password = client.post("/v1/auth/token", json={"email": email, "password": PASSWORD})
        assert old_password.status_code == 401
