"""`lumbar db` and `lumbar users` on a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lumbar.cli import app
from lumbar.storage.accounts import accept_invitation, api_key_holder, find_user
from lumbar.storage.migrate import current_revision, head_revision

from .conftest import PASSWORD, open_session

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("LUMBAR_ADMIN_EMAIL", "LUMBAR_ADMIN_PASSWORD", "LUMBAR_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LUMBAR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("LUMBAR_SECRET_KEY", raising=False)
    return f"sqlite:///{tmp_path / 'data' / 'lumbar.db'}"


def _run(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_upgrade_creates_the_database_and_first_admin(
    database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LUMBAR_ADMIN_EMAIL", "root@example.org")
    monkeypatch.setenv("LUMBAR_ADMIN_PASSWORD", PASSWORD)
    output = _run("db", "upgrade", "--database-url", database)
    assert f"at revision {head_revision()}" in output
    assert "created the first admin account" in output
    assert "created the first admin" not in _run("db", "upgrade", "--database-url", database)
    assert "newest is" in _run("db", "current", "--database-url", database)
    _run("db", "downgrade", "base", "--database-url", database)
    assert current_revision(database) is None


def test_users_create_invites_people_and_keys_go_to_integrations(database: str) -> None:
    _run("db", "upgrade", "--database-url", database)
    args = ("users", "create", "--email", "Doc@North.test", "--role", "clinician")
    result = runner.invoke(app, [*args, "--clinic", "North", "--database-url", database])
    assert result.exit_code == 0, result.output
    assert "created clinician account" in result.stderr
    code = result.stdout.strip()
    key_args = ["create-api-key", "--email", "doc@north.test", "--name", "x"]
    refused = runner.invoke(
        app, ["users", *key_args, "--scope", "patients:read", "--database-url", database]
    )
    assert refused.exit_code == 2 and "never to a person" in refused.output
    _run(
        "users",
        "create",
        "--email",
        "ehr@north.test",
        "--role",
        "integration",
        "--clinic",
        "North",
        "--database-url",
        database,
    )
    key = _run(
        "users",
        "create-api-key",
        "--email",
        "ehr@north.test",
        "--name",
        "ehr",
        "--scope",
        "patients:read",
        "--scope",
        "assessments:write",
        "--database-url",
        database,
    ).splitlines()[0]
    with open_session(database) as session:
        user = find_user(session, "doc@north.test")
        assert user is not None and user.clinic_id is not None and user.password_hash is None
        assert accept_invitation(session, code, PASSWORD) == user
        holder = api_key_holder(session, key)
        assert holder is not None
        assert holder[1].scopes == ["assessments:write", "patients:read"]
        session.commit()
    prefix = key.split("_")[1]
    _run("users", "revoke-api-key", "--prefix", prefix, "--database-url", database)
    _run("users", "deactivate", "--email", "doc@north.test", "--database-url", database)
    with open_session(database) as session:
        assert api_key_holder(session, key) is None
        doc = find_user(session, "doc@north.test")
        assert doc is not None and not doc.active
    _run("users", "activate", "--email", "doc@north.test", "--database-url", database)
    assert _run("users", "invite", "--email", "doc@north.test", "--database-url", database)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--role", "clinician"), "needs a clinic"),
        (("--role", "integration"), "needs a clinic"),
        (("--role", "king"), "role must be one of"),
    ],
)
def test_users_create_explains_refusals(database: str, args: tuple[str, ...], message: str) -> None:
    _run("db", "upgrade", "--database-url", database)
    result = runner.invoke(
        app, ["users", "create", "--email", "x@y.test", *args, "--database-url", database]
    )
    assert result.exit_code == 2 and message in result.output


def test_users_create_needs_a_migrated_database(database: str) -> None:
    result = runner.invoke(
        app,
        ["users", "create", "--email", "x@y.test", "--role", "admin", "--database-url", database],
    )
    assert result.exit_code == 2 and "lumbar db upgrade" in result.output
