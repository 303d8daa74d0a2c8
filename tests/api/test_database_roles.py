"""PostgreSQL with two roles: the tables' owner migrates, the server connects as a role
that owns nothing, and that role cannot change or remove an assessment or an audit event,
nor touch a table's triggers, whatever SQL it sends.

With one role (the tables' owner) the triggers are all there is, and the owner may disable
them: tests/storage/test_audit_chain.py does so, and finds the change in the chain.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from psycopg import errors
from typer.testing import CliRunner

from lumbar.cli import app
from lumbar.storage.audit_chain import session_key, verify
from lumbar.storage.database import make_engine, make_session_factory
from lumbar.storage.migrate import current_revision, head_revision
from lumbar.storage.models import Base
from lumbar.storage.privileges import (
    PrivilegeError,
    grant_application_role,
    table_privileges,
)

from ..live_server import STRAIN
from ..storage.postgres import USER, PostgresServer
from .conftest import ADMIN, LiveServer, serve

SECRET = "database-roles-secret-0123456789abcdef"
PASSWORD = "roles-password-1"
OWNER = "lumbar_owner"
APP = "lumbar_app"
PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER")
_numbers = itertools.count()
runner = CliRunner()


@dataclass(frozen=True)
class Roles:
    postgres: PostgresServer

    def url(self, role: str, database: str) -> str:
        return f"postgresql+psycopg://{role}@127.0.0.1:{self.postgres.port}/{database}"

    def connect(self, role: str, database: str) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(
            f"host=127.0.0.1 port={self.postgres.port} user={role} dbname={database}",
            autocommit=True,
        )

    def new_database(self) -> str:
        """A database owned by the owner role (so it may create tables in `public`)."""
        name = f"roles_{next(_numbers)}"
        with self.connect(USER, "postgres") as connection:
            connection.execute(f"CREATE DATABASE {name} OWNER {OWNER}")
        return name


@pytest.fixture(scope="module")
def roles(api_postgres: PostgresServer) -> Roles:
    with psycopg.connect(
        f"host=127.0.0.1 port={api_postgres.port} user={USER} dbname=postgres", autocommit=True
    ) as connection:
        for role in (OWNER, APP):
            connection.execute(f"CREATE ROLE {role} LOGIN")
    return Roles(api_postgres)


def _environment(roles: Roles, database: str, folder: Path) -> dict[str, str]:
    return {
        "LUMBAR_DATABASE_URL": roles.url(APP, database),
        "LUMBAR_MIGRATION_DATABASE_URL": roles.url(OWNER, database),
        "LUMBAR_SECRET_KEY": SECRET,
        "LUMBAR_DATA_DIR": str(folder),
    }


def _tables() -> list[str]:
    return [*Base.metadata.tables, "alembic_version"]


def _privileges(roles: Roles, database: str, role: str) -> dict[str, tuple[str, ...]]:
    with roles.connect(USER, database) as connection:
        return {
            table: tuple(
                privilege
                for privilege in PRIVILEGES
                if connection.execute(
                    "SELECT has_table_privilege(%s, %s, %s)", (role, table, privilege)
                ).fetchone()
                == (True,)
            )
            for table in _tables()
        }


def test_db_upgrade_migrates_as_the_owner_and_grants_the_app_role(
    roles: Roles, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = roles.new_database()
    for name, value in _environment(roles, database, tmp_path).items():
        monkeypatch.setenv(name, value)
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert f"granted {APP}" in result.output
    assert current_revision(roles.url(APP, database)) == head_revision()
    with roles.connect(USER, database) as connection:
        owners = connection.execute(
            "SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'"
        ).fetchall()
        assert owners == [(OWNER,)]
        sequence = connection.execute(
            "SELECT pg_get_serial_sequence('audit_events', 'id')"
        ).fetchone()
        assert sequence is not None
        can = {
            privilege: connection.execute(
                "SELECT has_sequence_privilege(%s, %s, %s)", (APP, sequence[0], privilege)
            ).fetchone()
            for privilege in ("USAGE", "SELECT", "UPDATE")
        }
        assert can == {"USAGE": (True,), "SELECT": (True,), "UPDATE": (False,)}
    assert _privileges(roles, database, APP) == {t: table_privileges(t) for t in _tables()}
    assert _privileges(roles, database, APP)["audit_events"] == ("SELECT", "INSERT")
    assert _privileges(roles, database, APP)["assessments"] == ("SELECT", "INSERT")
    assert _privileges(roles, database, APP)["users"] == ("SELECT", "INSERT", "UPDATE", "DELETE")
    assert _privileges(roles, database, APP)["alembic_version"] == ("SELECT",)


@dataclass(frozen=True)
class Served:
    server: LiveServer
    database: str
    assessment_id: str


@pytest.fixture(scope="module")
def served(roles: Roles, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """`lumbar serve` as the app role on a fresh database, with a patient and an assessment."""
    folder = tmp_path_factory.mktemp("roles")
    database = roles.new_database()
    environment = _environment(roles, database, folder)
    with serve(environment["LUMBAR_DATABASE_URL"], folder, env=environment) as server:
        admin = server.token(*ADMIN)
        email = f"clinician-{uuid.uuid4().hex[:6]}@lumbar.test"
        server.create_account(admin, email, "clinician", "roles", PASSWORD)
        with server.client(server.token(email, PASSWORD)) as client:
            patient = client.post("/v1/patients", json={"label": "roles-1", "sex": "male"})
            assert patient.status_code == 201, patient.text
            pid = patient.json()["id"]
            stored = client.post(f"/v1/patients/{pid}/assessments", json={"answers": STRAIN})
            assert stored.status_code == 201, stored.text
            read = client.get(f"/v1/assessments/{stored.json()['id']}")
            assert read.status_code == 200, read.text
        yield Served(server, database, stored.json()["id"])


def test_the_server_runs_as_the_app_role_and_the_chain_holds(roles: Roles, served: Served) -> None:
    log = served.server.log.read_text()
    assert "Traceback" not in log
    with roles.connect(USER, served.database) as connection:
        users = connection.execute(
            "SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = %s",
            (served.database,),
        ).fetchall()
    assert (APP,) in users  # the server's pool
    engine = make_engine(roles.url(APP, served.database))
    try:
        with make_session_factory(engine, SECRET)() as session:
            report = verify(session, session_key(session))
    finally:
        engine.dispose()
    assert report.intact, report
    assert report.assessments_checked == 1
    assert report.events_checked > 5


REFUSED = [
    "UPDATE assessments SET triage_level = 'self_care'",
    "DELETE FROM assessments",
    "TRUNCATE assessments CASCADE",
    "UPDATE audit_events SET outcome = 'denied'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events",
    "ALTER TABLE audit_events DISABLE TRIGGER USER",
    "ALTER TABLE assessments DISABLE TRIGGER assessments_reject_change",
    "DROP TRIGGER audit_events_reject_change ON audit_events",
    "DROP TRIGGER assessments_reject_change ON assessments",
    "ALTER TABLE audit_events DROP COLUMN chain_hash",
    "DROP TABLE audit_events",
    f"ALTER TABLE assessments OWNER TO {APP}",
    "CREATE TRIGGER sneak BEFORE INSERT ON audit_events "
    "FOR EACH ROW EXECUTE FUNCTION lumbar_reject_change()",
    "SELECT setval(pg_get_serial_sequence('audit_events', 'id'), 1)",
    "UPDATE alembic_version SET version_num = '0001'",
    f"SET ROLE {OWNER}",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_change_write_once_rows_or_their_guards(
    roles: Roles, served: Served, statement: str
) -> None:
    with (
        roles.connect(APP, served.database) as connection,
        pytest.raises(errors.InsufficientPrivilege),
    ):
        connection.execute(statement)


def test_the_app_role_can_do_its_work(roles: Roles, served: Served) -> None:
    with roles.connect(APP, served.database) as connection, connection.transaction():
        connection.execute("UPDATE users SET active = active")
        connection.execute(
            "INSERT INTO audit_events (id, at, actor_kind, action, resource_type, outcome) "
            "VALUES (nextval(pg_get_serial_sequence('audit_events', 'id')), now(), "
            "'system', 'read', 'patient', 'ok')"
        )
        row = connection.execute(
            "SELECT count(*) FROM assessments WHERE id = %s", (served.assessment_id,)
        ).fetchone()
        assert row == (1,)
        raise psycopg.Rollback()  # leave the database as it was


def test_grant_refuses_roles_that_could_change_write_once_rows(
    roles: Roles, served: Served
) -> None:
    owner_url = roles.url(OWNER, served.database)
    with roles.connect(USER, "postgres") as connection:
        connection.execute(f"CREATE ROLE lumbar_member LOGIN IN ROLE {OWNER}")
        connection.execute("CREATE ROLE lumbar_maker LOGIN CREATEROLE")
    refused = {
        USER: "superuser",
        OWNER: "running the migrations",
        "lumbar_member": f"member of {OWNER}",
        "lumbar_maker": "CREATEROLE",
        "nobody_at_all": "no role",
    }
    for role, reason in refused.items():
        with pytest.raises(PrivilegeError, match=reason):
            grant_application_role(owner_url, role)
    result = runner.invoke(app, ["db", "grant", "lumbar_member", "--database-url", owner_url])
    assert result.exit_code == 2
    assert "member of" in result.output


def test_grant_takes_back_what_was_granted_beyond_it(roles: Roles, served: Served) -> None:
    owner_url = roles.url(OWNER, served.database)
    with roles.connect(OWNER, served.database) as connection:
        connection.execute(f"GRANT UPDATE, DELETE, TRUNCATE ON assessments TO {APP}")
    result = runner.invoke(app, ["db", "grant", APP, "--database-url", owner_url])
    assert result.exit_code == 0, result.output
    assert f"{APP}: SELECT, INSERT on public.assessments" in result.output
    assert _privileges(roles, served.database, APP)["assessments"] == ("SELECT", "INSERT")
    with roles.connect(OWNER, served.database) as connection:
        connection.execute("GRANT UPDATE ON audit_events TO PUBLIC")
    try:
        with pytest.raises(PrivilegeError, match="may still UPDATE audit_events"):
            grant_application_role(owner_url, APP)
    finally:
        with roles.connect(OWNER, served.database) as connection:
            connection.execute("REVOKE UPDATE ON audit_events FROM PUBLIC")
