"""`lumbar db` and `lumbar users`: migrations and accounts from the command line."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from sqlalchemy import make_url
from sqlalchemy.orm import Session

from lumbar.cli_common import errors, fail
from lumbar.storage.accounts import (
    AccountError,
    bootstrap_admin_from_settings,
    create_api_key,
    create_clinic,
    create_user,
    find_clinic,
    find_user,
)
from lumbar.storage.database import lock_for_setup, make_engine, make_session_factory
from lumbar.storage.migrate import current_revision, downgrade, head_revision, upgrade
from lumbar.storage.models import ROLES
from lumbar.storage.security import WeakPassword
from lumbar.storage.settings import get_settings

db_app = typer.Typer(help="The database: migrations.", no_args_is_help=True)
users_app = typer.Typer(help="Accounts and API keys.", no_args_is_help=True)

DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL. Default: LUMBAR_DATABASE_URL, else lumbar.db in the data folder.",
        show_default=False,
    ),
]


def _url(database_url: str | None) -> str:
    return database_url or get_settings().database_url


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


@contextmanager
def _session(url: str) -> Iterator[Session]:
    """A session on a database migrated to the newest revision; committed on success."""
    if current_revision(url) != head_revision():
        fail(f"{_shown(url)} is not at the newest revision: run `lumbar db upgrade` first")
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session, session.begin():
            yield session
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    database_url: DatabaseUrl = None,
) -> None:
    """Create or migrate the database; then create the first admin if LUMBAR_ADMIN_* are set."""
    url = _url(database_url)
    upgrade(url, revision)
    typer.echo(f"{_shown(url)}: at revision {current_revision(url)}")
    if revision != "head":
        return
    with _session(url) as session:
        lock_for_setup(session.connection())  # one first admin when several run together
        admin = bootstrap_admin_from_settings(session, get_settings())
        if admin is not None:
            typer.echo(f"created the first admin account ({admin.id})")


@db_app.command("downgrade")
def db_downgrade(
    revision: Annotated[str, typer.Argument(help='Target revision; "base" drops every table.')],
    database_url: DatabaseUrl = None,
) -> None:
    """Migrate the database down to REVISION."""
    url = _url(database_url)
    downgrade(url, revision)
    typer.echo(f"{_shown(url)}: at revision {current_revision(url) or 'base'}")


@db_app.command("current")
def db_current(database_url: DatabaseUrl = None) -> None:
    """Show the database's revision and the newest one."""
    url = _url(database_url)
    typer.echo(
        f"{_shown(url)}: at revision {current_revision(url) or 'base (empty)'}; "
        f"newest is {head_revision()}"
    )


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The login email (case-insensitive).")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")],
    clinic: Annotated[
        str | None,
        typer.Option(help="Clinic name, created if new. Required for clinicians."),
    ] = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from the first stdin line."),
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an account; the password is prompted for (hidden) or read from stdin."""
    url = _url(database_url)
    password = _read_password(password_stdin)
    try:
        with _session(url) as session:
            clinic_id = None
            if clinic is not None:
                found = find_clinic(session, clinic) or create_clinic(session, clinic)
                clinic_id = found.id
            user = create_user(session, email, password, role, clinic_id)
    except (AccountError, WeakPassword) as error:
        fail(str(error))
    typer.echo(f"created {role} account {user.id}")


@users_app.command("create-api-key")
def users_create_api_key(
    email: Annotated[str, typer.Option(help="The account the key acts as.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. the integration's name.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API key; it is printed once and cannot be shown again."""
    with _session(_url(database_url)) as session:
        user = find_user(session, email)
        if user is None:
            fail("no account with this email")
        _, key = create_api_key(session, user, name)
    typer.echo(key)
    errors.print("Store this key now: only its hash is kept, it cannot be shown again.")
