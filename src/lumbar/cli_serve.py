"""`lumbar serve`: upgrade the database, then run the API with uvicorn."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from lumbar.cli_common import fail

if TYPE_CHECKING:
    from lumbar.storage.settings import Settings


def prepare(settings: Settings) -> None:
    """The first-run setup, once, before the workers start: they would otherwise race to
    store the secret and the first admin (on SQLite a waiting writer can fail at once)."""
    from lumbar.storage.accounts import prepare_server
    from lumbar.storage.database import make_engine, make_session_factory
    from lumbar.storage.server_secret import server_secret

    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine, server_secret(settings))() as session:
            prepare_server(session, settings)
            session.commit()
    finally:
        engine.dispose()


def serve_command(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Server processes.")] = 1,
) -> None:
    """Serve the REST API (OpenAPI at /docs and /openapi.json). The database is set by
    LUMBAR_DATABASE_URL (default: a SQLite file in LUMBAR_DATA_DIR); migrations are applied
    first, as LUMBAR_MIGRATION_DATABASE_URL (PostgreSQL: the tables' owner) when it is set,
    which then grants the server's role what it needs (`lumbar db grant`). Several servers
    may share one PostgreSQL database. X-Forwarded-For and X-Forwarded-Proto count only
    from the proxies in LUMBAR_TRUSTED_PROXIES (none by default)."""
    import uvicorn

    from lumbar.api.http_protocol import NoDelayH11Protocol
    from lumbar.api.server_logs import logging_config
    from lumbar.storage.privileges import PrivilegeError, upgrade_and_grant
    from lumbar.storage.settings import get_settings

    settings = get_settings()
    proxies = [str(network) for network in settings.trusted_proxies]
    try:
        upgrade_and_grant(settings)  # as LUMBAR_MIGRATION_DATABASE_URL, when set
    except PrivilegeError as error:
        fail(str(error))
    prepare(settings)
    uvicorn.run(
        "lumbar.server.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        http=NoDelayH11Protocol,  # TCP_NODELAY with several workers too
        log_level="info",
        log_config=logging_config(),  # no client data in the log
        proxy_headers=bool(proxies),
        forwarded_allow_ips=proxies,
    )
