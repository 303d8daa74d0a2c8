"""The FastAPI application: `create_app()` for `lumbar serve` and the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from lumbar.api import routes_accounts, routes_public, routes_records
from lumbar.api.context import ServerState
from lumbar.api.errors import install_error_handlers
from lumbar.engine import default_model
from lumbar.storage.accounts import prepare_server
from lumbar.storage.database import make_engine, make_session_factory
from lumbar.storage.settings import Settings, get_settings
from lumbar.web.app_setup import install_web_app, is_web_path
from lumbar.web.errors import web_error_page

DESCRIPTION = (
    "Low back pain triage, likely causes, whom to see, tests and a care plan, with records, "
    "a pain diary and an exercise programme. Not a diagnosis: if you have chest pain, "
    "fainting, sudden tearing pain, numbness between the legs or loss of bladder or bowel "
    "control, call an ambulance."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The API on the configured database (migrations must be applied: `lumbar db upgrade`,
    which `lumbar serve` runs first). Each process prepares the database on start
    (`prepare_server`); nothing else is kept between requests, so any number of processes
    may serve one PostgreSQL database."""
    chosen = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(chosen.database_url)
        sessions = make_session_factory(engine)
        with sessions() as session:
            secret = prepare_server(session, chosen)
            session.commit()
        default_model()
        app.state.lumbar = ServerState(chosen, sessions, secret)
        yield
        engine.dispose()

    app = FastAPI(
        title="lumbar",
        version=default_model().kb.version,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    install_error_handlers(app, web_error_page, is_web_path)
    for module in (routes_public, routes_accounts, routes_records):
        app.include_router(module.router)
    install_web_app(app)
    return app
