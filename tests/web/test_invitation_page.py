"""An invited person chooses their own password in the web app, once, over real HTTP."""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

import httpx

from ..live_server import ADMIN, LiveServer

PASSWORD = "my-own-password-1"


def _invited(web_server: str) -> str:
    server = LiveServer(web_server, log=Path(os.devnull))
    admin = server.token(*ADMIN)
    with server.client(admin) as client:
        body = {"email": f"nurse-{uuid.uuid4().hex[:6]}@clinic.test", "role": "clinician"}
        created = client.post("/v1/users", json={**body, "clinic": "Invited"})
    assert created.status_code == 201, created.text
    return str(created.json()["invitation"]["code"])


def _form(client: httpx.Client, code: str) -> str:
    page = client.get("/invitation", params={"code": code})
    assert page.status_code == 200 and code in page.text
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found is not None
    return found.group(1)


def test_an_invitation_sets_the_persons_own_password_and_signs_in(web_server: str) -> None:
    code = _invited(web_server)
    with httpx.Client(base_url=web_server, timeout=30, headers={"Origin": web_server}) as client:
        csrf = _form(client, code)
        fields = {"csrf": csrf, "invitation": code, "password": PASSWORD}
        mismatch = client.post("/invitation", data={**fields, "password_again": "other-one-12"})
        assert mismatch.status_code == 422
        accepted = client.post("/invitation", data={**fields, "password_again": PASSWORD})
        assert accepted.status_code == 303 and accepted.headers["location"] == "/clinic"
        assert "lumbar_session" in accepted.headers.get("set-cookie", "")
    with httpx.Client(base_url=web_server, timeout=30, headers={"Origin": web_server}) as client:
        csrf = _form(client, code)
        again = client.post(
            "/invitation",
            data={
                "csrf": csrf,
                "invitation": code,
                "password": PASSWORD,
                "password_again": PASSWORD,
            },
        )
        assert again.status_code == 422 and "7 days" in again.text
