"""Browser tests: a real `lumbar serve` on SQLite and Debian's Chromium driven by Playwright.

Screenshots of the key pages go to `artifacts/screenshots/` (or $LUMBAR_ARTIFACTS).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from ..live_server import running_server

ADMIN = ("admin@lumbar.test", "admin-password-1")
CLINICIAN = ("doctor@clinic.test", "doctor-password-1", "Riverside Clinic")
CHROMIUM = os.environ.get("LUMBAR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
ARTIFACTS = Path(os.environ.get("LUMBAR_ARTIFACTS", Path(__file__).parents[2] / "artifacts"))


@pytest.fixture(scope="session")
def web_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The server, with an admin from the environment and one clinician of one clinic."""
    folder = tmp_path_factory.mktemp("web")
    env = {
        "LUMBAR_ADMIN_EMAIL": ADMIN[0],
        "LUMBAR_ADMIN_PASSWORD": ADMIN[1],
        "LUMBAR_LOGIN_ATTEMPTS_PER_MINUTE": "50",
    }
    with running_server(f"sqlite:///{folder / 'lumbar.db'}", folder / "server.log", env) as url:
        with httpx.Client(base_url=url, timeout=30) as client:
            token = client.post(
                "/v1/auth/token", json={"email": ADMIN[0], "password": ADMIN[1]}
            ).json()["access_token"]
            created = client.post(
                "/v1/users",
                json={
                    "email": CLINICIAN[0],
                    "password": CLINICIAN[1],
                    "role": "clinician",
                    "clinic": CLINICIAN[2],
                },
                headers={"Authorization": f"Bearer {token}"},
            )
            assert created.status_code == 201, created.text
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def screenshots() -> Path:
    folder = ARTIFACTS / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    return folder
