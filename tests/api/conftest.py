"""A real `lumbar serve` process over HTTP on 127.0.0.1, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from ..storage.postgres import PostgresServer, find_bin_dir, remove, start_server

ADMIN = ("admin@lumbar.test", "admin-password-1")


@dataclass(frozen=True)
class LiveServer:
    url: str
    log: Path

    def client(self, token: str | None = None, **headers: str) -> httpx.Client:
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return httpx.Client(base_url=self.url, headers=headers, timeout=30)

    def token(self, email: str, password: str) -> str:
        with self.client() as client:
            reply = client.post("/v1/auth/token", json={"email": email, "password": password})
            assert reply.status_code == 200, reply.text
            return str(reply.json()["access_token"])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def api_postgres() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    server = start_server(bin_dir)
    try:
        yield server
    finally:
        remove(server)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("server")
    if request.param == "sqlite":
        database = f"sqlite:///{folder / 'lumbar.db'}"
    else:
        database = request.getfixturevalue("api_postgres").create_database("api")
    port = _free_port()
    log = folder / "server.log"
    env = {
        **os.environ,
        "LUMBAR_DATABASE_URL": database,
        "LUMBAR_ADMIN_EMAIL": ADMIN[0],
        "LUMBAR_ADMIN_PASSWORD": ADMIN[1],
        "LUMBAR_LOGIN_ATTEMPTS_PER_MINUTE": "5",
    }
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "lumbar", "serve", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                if httpx.get(f"{url}/v1/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"the server did not start:\n{log.read_text()}")
        yield LiveServer(url, log)
    finally:
        process.terminate()
        process.wait(timeout=20)
