"""`lumbar db` and `lumbar users` on a temporary SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from lumbar.cli import app
from lumbar.storage.accounts import find_user, user_for_api_key
from lumbar.storage.migrate import current_revision, head_revision

from .conftest import PASSWORD, open_session

runner = CliRunner()


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    for name in ("LUMBAR_ADMIN_EMAIL", "LUMBAR_ADMIN_PASSWORD", "LUMBAR_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
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


def test_users_create_reads_the_password_from_stdin(database: str) -> None:
    _run("db", "upgrade", "--database-url", database)
    args = ("users", "create", "--email", "Doc@North.test", "--role", "clinician")
    output = _run(
        *args,
        "--clinic",
        "North",
        "--password-stdin",
        "--database-url",
        database,
        stdin=PASSWORD + "\n",
    )
    assert "created clinician account" in output
    key = _run(
        "users",
        "create-api-key",
        "--email",
        "doc@north.test",
        "--name",
        "ehr",
        "--database-url",
        database,
    ).splitlines()[0]
    with open_session(database) as session:
        user = find_user(session, "doc@north.test")
        assert user is not None and user.clinic_id is not None
        assert user_for_api_key(session, key) == user


def test_users_create_prompts_for_a_hidden_password(database: str) -> None:
    _run("db", "upgrade", "--database-url", database)
    output = _run(
        "users",
        "create",
        "--email",
        "a@b.test",
        "--role",
        "admin",
        "--database-url",
        database,
        stdin=f"{PASSWORD}\n{PASSWORD}\n",
    )
    assert PASSWORD not in output


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("--role", "clinician"), PASSWORD, "needs a clinic"),
        (("--role", "admin"), "short", "at least 10 characters"),
        (("--role", "king"), PASSWORD, "role must be one of"),
    ],
)
def test_users_create_explains_refusals(
    database: str, args: tuple[str, ...], stdin: str, message: str
) -> None:
    _run("db", "upgrade", "--database-url", database)
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "x@y.test",
            *args,
            "--password-stdin",
            "--database-url",
            database,
        ],
        input=stdin + "\n",
    )
    assert result.exit_code == 2 and message in result.output


def test_users_create_needs_a_migrated_database(database: str) -> None:
    result = runner.invoke(
        app,
        [
            "users",
            "create",
            "--email",
            "x@y.test",
            "--role",
            "admin",
            "--password-stdin",
            "--database-url",
            database,
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 2 and "lumbar db upgrade" in result.output
