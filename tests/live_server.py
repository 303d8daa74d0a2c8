"""Start real `lumbar serve` processes on 127.0.0.1 for tests that talk HTTP to them."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

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

    def create_account(
        self,
        admin_token: str,
        email: str,
        role: str,
        clinic: str | None = None,
        password: str | None = None,
    ) -> dict[str, Any]:
        """An account made by an admin; a person then sets `password` with the invitation."""
        body = {"email": email, "role": role, **({"clinic": clinic} if clinic else {})}
        with self.client(admin_token) as admin:
            created = admin.post("/v1/users", json=body)
        assert created.status_code == 201, created.text
        reply: dict[str, Any] = created.json()
        if password is not None:
            code = reply["invitation"]["code"]
            with self.client() as client:
                accepted = client.post(
                    "/v1/auth/invitation", json={"invitation": code, "password": password}
                )
            assert accepted.status_code == 200, accepted.text
        account: dict[str, Any] = reply["account"]
        return account


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ServerProcess:
    """A `lumbar serve` process that has been started but may not answer yet."""

    process: subprocess.Popen[bytes]
    server: LiveServer

    def wait_until_up(self) -> LiveServer:
        """Poll /v1/health until it answers; fail with the log if the process exits first."""
        for _ in range(300):
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited:\n{self.server.log.read_text()}")
            try:
                if httpx.get(f"{self.server.url}/v1/health", timeout=1).status_code == 200:
                    return self.server
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(f"the server did not start:\n{self.server.log.read_text()}")

    def wait_for_log(self, text: str, count: int = 1) -> str:
        """The log once `text` appears in it `count` times (e.g. once per worker)."""
        for _ in range(300):
            log = self.server.log.read_text()
            if log.count(text) >= count:
                return log
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError(f"{text!r} did not appear {count} times:\n{log}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
        self.process.wait(timeout=30)


def spawn_server(
    database: str,
    folder: Path,
    *,
    name: str = "server",
    workers: int = 1,
    login_attempts_per_minute: int = 5,
    env: Mapping[str, str] | None = None,
) -> ServerProcess:
    """Start `lumbar serve` on `database` on a free port; its output goes to folder/name.log.
    `env` adds or overrides environment variables (e.g. other `LUMBAR_*` settings)."""
    port = free_port()
    log = folder / f"{name}.log"
    environment = {
        **os.environ,
        "LUMBAR_DATABASE_URL": database,
        "LUMBAR_DATA_DIR": str(folder),  # the server's secret file
        "LUMBAR_ADMIN_EMAIL": ADMIN[0],
        "LUMBAR_ADMIN_PASSWORD": ADMIN[1],
        "LUMBAR_LOGIN_ATTEMPTS_PER_MINUTE": str(login_attempts_per_minute),
        **(env or {}),
    }
    command = [sys.executable, "-m", "lumbar", "serve", "--port", str(port)]
    if workers != 1:
        command += ["--workers", str(workers)]
    with log.open("w") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=environment)
    return ServerProcess(process, LiveServer(f"http://127.0.0.1:{port}", log))


@contextmanager
def serve(
    database: str,
    folder: Path,
    *,
    name: str = "server",
    workers: int = 1,
    login_attempts_per_minute: int = 5,
    env: Mapping[str, str] | None = None,
) -> Iterator[LiveServer]:
    """A running `lumbar serve` on `database`, stopped at the end."""
    started = spawn_server(
        database,
        folder,
        name=name,
        workers=workers,
        login_attempts_per_minute=login_attempts_per_minute,
        env=env,
    )
    try:
        yield started.wait_until_up()
    finally:
        started.stop()


# Answers of a typical lifting strain, for tests that need a valid assessment.
STRAIN = {
    "age": 40,
    "sex": "male",
    "loc_lower_back_central": True,
    "onset_after_lifting": True,
    "duration": "days",
    "pain_severity": 6,
}
