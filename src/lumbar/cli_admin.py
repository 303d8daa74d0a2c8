"""`lumbar db` and `lumbar users`: migrations and accounts from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated

import typer

from lumbar.cli_common import DatabaseUrl, errors, fail, shown_url
from lumbar.storage.roles import ROLES, SCOPES

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from lumbar.storage.models import Invitation, User

db_app = typer.Typer(
    help="The database: migrations and, on PostgreSQL, two roles: the tables' owner migrates "
    "(LUMBAR_MIGRATION_DATABASE_URL) and the server connects as a role that owns nothing and "
    "may only add assessments and audit events (LUMBAR_DATABASE_URL; `lumbar db grant`).",
    no_args_is_help=True,
)
users_app = typer.Typer(help="Accounts and API keys.", no_args_is_help=True)


def _url(database_url: str | None) -> str:
    from lumbar.storage.settings import get_settings

    return database_url or get_settings().database_url


@contextmanager
def _session(url: str) -> Iterator[Session]:
    """A session on a database migrated to the newest revision; committed on success."""
    from lumbar.storage.database import make_engine, make_session_factory
    from lumbar.storage.migrate import current_revision, head_revision
    from lumbar.storage.server_secret import server_secret
    from lumbar.storage.settings import get_settings

    if current_revision(url) != head_revision():
        fail(f"{shown_url(url)} is not at the newest revision: run `lumbar db upgrade` first")
    engine = make_engine(url)
    try:
        with (
            make_session_factory(engine, server_secret(get_settings()))() as session,
            session.begin(),
        ):
            yield session
    finally:
        engine.dispose()


@db_app.command("upgrade")
def db_upgrade(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
    database_url: DatabaseUrl = None,
) -> None:
    """Create or migrate the database; then create the first admin if LUMBAR_ADMIN_* are set.

    Without --database-url, migrates as LUMBAR_MIGRATION_DATABASE_URL (the tables' owner)
    when it is set, then grants the role of LUMBAR_DATABASE_URL what the server needs."""
    from lumbar.storage.accounts import bootstrap_admin_from_settings
    from lumbar.storage.database import lock_for_setup
    from lumbar.storage.migrate import current_revision, upgrade
    from lumbar.storage.privileges import PrivilegeError, migration_url, upgrade_and_grant
    from lumbar.storage.settings import get_settings

    granted = None
    try:
        if database_url is None:
            url = migration_url(get_settings())
            granted = upgrade_and_grant(get_settings(), revision)
        else:
            url = database_url
            upgrade(url, revision)
    except PrivilegeError as error:
        fail(str(error))
    typer.echo(f"{shown_url(url)}: at revision {current_revision(url)}")
    if granted is not None:
        typer.echo(f"granted {granted.role} the server's privileges (see `lumbar db grant`)")
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
    """Migrate the database down to REVISION (as LUMBAR_MIGRATION_DATABASE_URL if set)."""
    from lumbar.storage.migrate import current_revision, downgrade
    from lumbar.storage.privileges import PrivilegeError, migration_url
    from lumbar.storage.settings import get_settings

    try:
        url = database_url or migration_url(get_settings())
    except PrivilegeError as error:
        fail(str(error))
    downgrade(url, revision)
    typer.echo(f"{shown_url(url)}: at revision {current_revision(url) or 'base'}")


@db_app.command("current")
def db_current(database_url: DatabaseUrl = None) -> None:
    """Show the database's revision and the newest one."""
    from lumbar.storage.migrate import current_revision, head_revision

    url = _url(database_url)
    typer.echo(
        f"{shown_url(url)}: at revision {current_revision(url) or 'base (empty)'}; "
        f"newest is {head_revision()}"
    )


def _account(session: Session, email: str) -> User:
    from lumbar.storage.accounts import find_user

    user = find_user(session, email)
    if user is None:
        fail("no account with this email")
    return user


def _print_invitation(invitation: Invitation, code: str) -> None:
    typer.echo(code)
    errors.print(
        "Give this invitation to the person: with it they choose their own password "
        f"(web app: /invitation; API: POST /v1/auth/invitation). It works once, until "
        f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC."
    )


@users_app.command("create")
def users_create(
    email: Annotated[str, typer.Option(help="The login email (case-insensitive).")],
    role: Annotated[str, typer.Option(help=f"One of {', '.join(ROLES)}.")],
    clinic: Annotated[
        str | None,
        typer.Option(help="Clinic name, created if new. Clinicians and integrations need one."),
    ] = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Create an account. A person gets an invitation (printed) with which they choose
    their own password; an integration gets API keys (create-api-key)."""
    from lumbar.storage.accounts import AccountError, clinic_named, create_user, invite

    try:
        with _session(_url(database_url)) as session:
            clinic_id = clinic_named(session, clinic).id if clinic is not None else None
            user = create_user(session, email, None, role, clinic_id)
            invited = invite(session, user) if role != "integration" else None
    except AccountError as error:
        fail(str(error))
    errors.print(f"created {role} account {user.id}")
    if invited is not None:
        _print_invitation(*invited)


@users_app.command("invite")
def users_invite(
    email: Annotated[str, typer.Option(help="The person's account.")],
    database_url: DatabaseUrl = None,
) -> None:
    """A new invitation for a person who lost theirs or their password; earlier ones end.
    Their password stays as it is until they use it."""
    from lumbar.storage.accounts import AccountError, invite

    try:
        with _session(_url(database_url)) as session:
            invited = invite(session, _account(session, email))
    except AccountError as error:
        fail(str(error))
    _print_invitation(*invited)


@users_app.command("deactivate")
def users_deactivate(
    email: Annotated[str, typer.Option(help="The account.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Deactivate an account: it can no longer sign in or act, its tokens stop working and
    an integration's API keys are revoked."""
    from lumbar.storage.accounts import set_user_active

    with _session(_url(database_url)) as session:
        set_user_active(session, _account(session, email), False)
    typer.echo("deactivated")


@users_app.command("activate")
def users_activate(
    email: Annotated[str, typer.Option(help="The account.")],
    database_url: DatabaseUrl = None,
) -> None:
    """Reactivate an account; tokens issued before it was deactivated stay invalid."""
    from lumbar.storage.accounts import set_user_active

    with _session(_url(database_url)) as session:
        set_user_active(session, _account(session, email), True)
    typer.echo("activated")


@users_app.command("create-api-key")
def users_create_api_key(
    email: Annotated[str, typer.Option(help="The integration account the key belongs to.")],
    name: Annotated[str, typer.Option(help="What the key is for, e.g. the integration's name.")],
    scope: Annotated[
        list[str],
        typer.Option(help=f"An action the key may do (repeat): {', '.join(SCOPES)}."),
    ],
    database_url: DatabaseUrl = None,
) -> None:
    """Create an API key of an integration account; it is printed once."""
    from lumbar.storage.accounts import AccountError, create_api_key

    try:
        with _session(_url(database_url)) as session:
            _, key = create_api_key(session, _account(session, email), name, scope)
    except AccountError as error:
        fail(str(error))
    typer.echo(key)
    errors.print("Store this key now: only its hash is kept, it cannot be shown again.")


@users_app.command("revoke-api-key")
def users_revoke_api_key(
    prefix: Annotated[str, typer.Option(help="The key's prefix (the 8 characters after lbk_).")],
    database_url: DatabaseUrl = None,
) -> None:
    """Revoke an API key at once."""
    from sqlalchemy import select

    from lumbar.storage.accounts import revoke_api_key
    from lumbar.storage.models import ApiKey

    with _session(_url(database_url)) as session:
        api_key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
        if api_key is None:
            fail("no API key with this prefix")
        revoke_api_key(session, api_key)
    typer.echo("revoked")
