"""The composition root: `create_app()` builds one FastAPI application from the REST API
and the web app, for `lumbar serve` and the tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from lumbar.api import routes_accounts, routes_public, routes_records
from lumbar.api.docs_pages import ASSETS_PREFIX, install_docs
from lumbar.api.errors import declare_unavailable, install_error_handlers
from lumbar.api.headers import PrivateReplyHeaders
from lumbar.api.limits import install_body_limit
from lumbar.engine import default_model
from lumbar.server.deps import ServerState
from lumbar.storage.accounts import prepare_server
from lumbar.storage.database import make_engine, make_session_factory
from lumbar.storage.server_secret import server_secret
from lumbar.storage.settings import Settings, get_settings
from lumbar.web.app_setup import install_web_app, is_web_path
from lumbar.web.errors import web_error_page

DESCRIPTION = (
    "Low back pain triage, likely causes, whom to see, tests and a care plan, with records, "
    "a pain diary and an exercise programme. Not a diagnosis: if you have chest pain, "
    "fainting, sudden tearing pain, numbness around the back passage, genitals or inner "
    "thighs, or loss of bladder or bowel control, call an ambulance."
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
        secret = server_secret(chosen)
        sessions = make_session_factory(engine, secret)
        with sessions() as session:
            prepare_server(session, chosen)
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
        docs_url=None,  # install_docs serves /docs without a CDN (and no ReDoc)
        redoc_url=None,
    )
    error_reply = install_error_handlers(app, web_error_page, is_web_path)
    install_body_limit(app, chosen.max_body_bytes, error_reply)
    declare_unavailable(app)
    for module in (routes_public, routes_accounts, routes_records):
        app.include_router(module.router)
    install_web_app(app)
    install_docs(app)
    app.add_middleware(PrivateReplyHeaders, cacheable_prefixes=("/static/", ASSETS_PREFIX))
    return app
