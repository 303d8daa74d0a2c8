"""Each storage test runs on SQLite (a file in tmp) and on a real PostgreSQL server.

The server starts once per test session, on first use. Every test gets a fresh database
copied from a template migrated once: `url` has no rows; `world_url` has two clinics,
a clinician and a patient in each, and an admin (see `seed_world`). SQLite templates are
copied files; PostgreSQL ones are cloned with CREATE DATABASE ... TEMPLATE.
"""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from lumbar.storage.access import Actor
from lumbar.storage.accounts import create_clinic, create_user, find_user
from lumbar.storage.database import make_engine, make_session_factory
from lumbar.storage.migrate import upgrade
from lumbar.storage.models import User

from .postgres import PostgresServer, find_bin_dir, remove, start_server

BACKENDS = ("sqlite", "postgresql")
TEMPLATES = ("bare", "world")
PASSWORD = "correct horse battery"
SECRET = "storage-tests-secret-0123456789abcdef"  # the audit chain key's source
_database_numbers = itertools.count()


def seed_world(url: str) -> None:
    """Clinics North and South, a clinician and a patient in each, and an admin."""
    engine = make_engine(url)
    with make_session_factory(engine, SECRET)() as session, session.begin():
        for clinic_name in ("north", "south"):
            clinic = create_clinic(session, clinic_name.title())
            for role in ("clinician", "patient"):
                create_user(session, f"{role}@{clinic_name}.test", PASSWORD, role, clinic.id)
        create_user(session, "admin@lumbar.test", PASSWORD, "admin")
    engine.dispose()


def _make_template(url: str, name: str) -> None:
    upgrade(url)
    if name == "world":
        seed_world(url)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    bin_dir = find_bin_dir()
    if bin_dir is None:
        pytest.skip("PostgreSQL is not installed (.ci/run installs it)")
    server = start_server(bin_dir)
    try:
        for name in TEMPLATES:
            _make_template(server.create_database(f"template_{name}"), name)
        yield server
    finally:
        remove(server)


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("templates")
    for name in TEMPLATES:
        _make_template(f"sqlite:///{folder / name}.db", name)
    return {name: folder / f"{name}.db" for name in TEMPLATES}


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def _new_database(request: pytest.FixtureRequest, backend: str, template: str | None) -> str:
    number = next(_database_numbers)
    if backend == "sqlite":
        path: Path = request.getfixturevalue("tmp_path") / f"lumbar{number}.db"
        if template:
            shutil.copyfile(request.getfixturevalue("sqlite_templates")[template], path)
        return f"sqlite:///{path}"
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.create_database(
        f"test_{number}", template=f"template_{template}" if template else None
    )


@pytest.fixture
def empty_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A new database without tables."""
    return _new_database(request, backend, None)


@pytest.fixture
def url(backend: str, request: pytest.FixtureRequest) -> str:
    """A new database at the newest revision, without rows."""
    return _new_database(request, backend, "bare")


@pytest.fixture
def world_url(backend: str, request: pytest.FixtureRequest) -> str:
    """A new database at the newest revision with the seeded world."""
    return _new_database(request, backend, "world")


@contextmanager
def open_session(url: str) -> Iterator[Session]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine, SECRET)() as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture
def session(url: str) -> Iterator[Session]:
    with open_session(url) as opened:
        yield opened


@dataclass(frozen=True)
class World:
    session: Session
    north_clinician: User
    north_patient: User
    south_clinician: User
    south_patient: User
    admin: User

    def actor(self, user: User) -> Actor:
        return Actor(user, client_address="192.0.2.1", request_id="req-1")


@pytest.fixture
def world(world_url: str) -> Iterator[World]:
    with open_session(world_url) as session:

        def user(email: str) -> User:
            found = find_user(session, email)
            assert found is not None
            return found

        yield World(
            session,
            user("clinician@north.test"),
            user("patient@north.test"),
            user("clinician@south.test"),
            user("patient@south.test"),
            user("admin@lumbar.test"),
        )
