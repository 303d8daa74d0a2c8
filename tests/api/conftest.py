"""A real `lumbar serve` process over HTTP on 127.0.0.1, on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..live_server import ADMIN, LiveServer, ServerProcess, serve, spawn_server
from ..storage.postgres import PostgresServer, find_bin_dir, remove, start_server

__all__ = ["ADMIN", "LiveServer", "ServerProcess", "database_url", "serve", "spawn_server"]


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


def database_url(request: pytest.FixtureRequest, backend: str, folder: Path, name: str) -> str:
    """A fresh database: a SQLite file in `folder`, or database `name` on the test PostgreSQL."""
    if backend == "sqlite":
        return f"sqlite:///{folder / 'lumbar.db'}"
    return str(request.getfixturevalue("api_postgres").create_database(name))


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def live(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LiveServer]:
    folder = tmp_path_factory.mktemp("server")
    database = database_url(request, request.param, folder, "api")
    with serve(database, folder) as server:
        yield server
