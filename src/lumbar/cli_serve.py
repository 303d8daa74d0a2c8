"""`lumbar serve`: upgrade the database, then run the API with uvicorn."""

from __future__ import annotations

from typing import Annotated

import typer
import uvicorn

from lumbar.storage.migrate import upgrade
from lumbar.storage.settings import get_settings


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
    uvicorn.run(
        "lumbar.api.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
    )
