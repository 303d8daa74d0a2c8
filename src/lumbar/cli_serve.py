"""`lumbar serve`: upgrade the database, then run the API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from lumbar.storage.accounts import prepare_server
from lumbar.storage.database import make_engine, make_session_factory
from lumbar.storage.migrate import upgrade
from lumbar.storage.settings import Settings, get_settings


def prepare(settings: Settings) -> None:
    """The first-run setup, once, before the workers start: they would otherwise race to
    store the secret and the first admin (on SQLite a waiting writer can fail at once)."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
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
    first. Several servers may share one PostgreSQL database."""
    settings = get_settings()
    upgrade(settings.database_url)
    prepare(settings)
    uvicorn.run(
        "lumbar.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
