"""`lumbar audit verify` (the audit log's hash chain) and `lumbar db grant` (the server's
PostgreSQL role): what makes the write-once tables hold, or shows that they did not."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

from lumbar.cli_common import DatabaseUrl, console, fail, shown_url

if TYPE_CHECKING:
    from lumbar.storage.audit_chain import ChainReport

audit_app = typer.Typer(help="The audit log: check its hash chain.", no_args_is_help=True)


def _secret() -> str:
    """The server's secret; never a new one (a new secret would call every link broken)."""
    from lumbar.storage.server_secret import SECRET_FILE, server_secret
    from lumbar.storage.settings import get_settings

    settings = get_settings()
    if settings.secret_key is None and not (settings.data_dir / SECRET_FILE).exists():
        fail(
            f"no secret: set LUMBAR_SECRET_KEY or LUMBAR_DATA_DIR to the server's "
            f"({settings.data_dir / SECRET_FILE} does not exist)"
        )
    return server_secret(settings)


def _print(report: ChainReport) -> None:
    state = "[green]intact[/green]" if report.intact else "[red]BROKEN[/red]"
    console.print(f"audit chain: {state}")
    console.print(
        f"events checked: {report.events_checked}, before the chain (not protected): "
        f"{report.events_before_chain}"
        + (f", first chained event: {report.first_chained_id}" if report.first_chained_id else "")
    )
    if report.broken is not None:
        broken = report.broken
        console.print(
            f"[red]first broken link: event {broken.event_id}[/red] ({broken.problem}): "
            f"{broken.detail}; {report.broken_links} broken in all"
        )
    console.print(
        f"assessments checked: {report.assessments_checked}, before the chain: "
        f"{report.assessments_before_chain}"
    )
    for problem in report.assessment_problems[:20]:
        sealed = f" (sealed by event {problem.event_id})" if problem.event_id else ""
        console.print(
            f"[red]assessment {problem.assessment_id}[/red] {problem.problem}{sealed}: "
            f"{problem.detail}"
        )
    if len(report.assessment_problems) > 20:
        console.print(f"… and {len(report.assessment_problems) - 20} more assessments")
    if report.head is not None:
        console.print(
            f"head: {report.head}\n"
            "Note the head outside this database: only a noted head (--noted-head) shows "
            "that the newest events were removed."
        )


@audit_app.command("verify")
def audit_verify(
    database_url: DatabaseUrl = None,
    noted_head: Annotated[
        str | None,
        typer.Option(
            "--noted-head",
            help="A head printed by an earlier run (ID:HASH): its event must still be there.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check the audit log's hash chain and every assessment's seal.

    Every link of the chain, in id order, and every assessment against the seal in the
    event that records its creation. Needs the server's secret (LUMBAR_SECRET_KEY, or the
    secret file in LUMBAR_DATA_DIR). Exit 0 intact, 1 broken (the first broken link
    named), 2 when it could not check."""
    from lumbar.storage.audit_chain import Head, session_key, verify
    from lumbar.storage.database import make_engine, make_session_factory
    from lumbar.storage.migrate import current_revision, head_revision
    from lumbar.storage.settings import get_settings

    url = database_url or get_settings().database_url
    try:
        head = Head.parse(noted_head) if noted_head is not None else None
    except ValueError as error:
        fail(str(error))
    if current_revision(url) != head_revision():
        fail(f"{shown_url(url)} is not at the newest revision: run `lumbar db upgrade` first")
    engine = make_engine(url)
    try:
        with make_session_factory(engine, _secret())() as session:
            report = verify(session, session_key(session), noted_head=head)
    finally:
        engine.dispose()
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        _print(report)
    if not report.intact:
        raise typer.Exit(1)


def db_grant(
    role: Annotated[str, typer.Argument(help="The role the server connects as.")],
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            help="The tables' owner's URL. Default: LUMBAR_MIGRATION_DATABASE_URL, else "
            "LUMBAR_DATABASE_URL.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """PostgreSQL: grant the server's role (owning nothing) what it needs, as the owner.

    Run as the tables' owner. ROLE gets SELECT and INSERT on assessments and audit_events,
    SELECT, INSERT, UPDATE and DELETE on the other tables, USAGE and SELECT on their
    sequences, SELECT on alembic_version, and nothing that alters a table or a trigger.
    Refuses a superuser, the owner or a member of its role, a role with CREATEROLE."""
    from lumbar.storage.privileges import PrivilegeError, grant_application_role, migration_url
    from lumbar.storage.settings import get_settings

    try:
        url = database_url or migration_url(get_settings())
        report = grant_application_role(url, role)
    except PrivilegeError as error:
        fail(str(error))
    for table, privileges in report.tables.items():
        typer.echo(f"{role}: {', '.join(privileges)} on {report.schema}.{table}")
    for sequence in report.sequences:
        typer.echo(f"{role}: USAGE, SELECT on sequence {sequence}")
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}")
