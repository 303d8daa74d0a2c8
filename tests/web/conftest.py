"""Browser tests: a real `lumbar serve` on SQLite and Debian's Chromium driven by Playwright.

Screenshots of the key pages go to `artifacts/screenshots/` (or $LUMBAR_ARTIFACTS).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..live_server import ADMIN, serve

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
    database = f"sqlite:///{folder / 'lumbar.db'}"
    with serve(database, folder, login_attempts_per_minute=50) as server:
        admin = server.token(*ADMIN)
        server.create_account(admin, CLINICIAN[0], "clinician", CLINICIAN[2], CLINICIAN[1])
        yield server.url


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
