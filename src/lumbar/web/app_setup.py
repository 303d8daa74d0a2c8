"""Mount the web app on the FastAPI application: pages, static files, security headers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files

from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from lumbar.web import routes_account, routes_interview, routes_invitation, routes_records

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
API_PREFIXES = ("/v1", "/docs", "/redoc", "/openapi.json")


def is_web_path(path: str) -> bool:
    """Whether a path belongs to the web app (HTML) rather than the API (JSON)."""
    return not path.startswith(API_PREFIXES)


def install_web_app(app: FastAPI) -> None:
    """Add the web pages, /static and the pages' Content-Security-Policy."""
    static = files("lumbar.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    favicon = str(static.joinpath("favicon.ico"))

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon_ico() -> FileResponse:
        """The icon browsers ask for on every page, from the package."""
        return FileResponse(favicon, media_type="image/x-icon")

    for module in (routes_interview, routes_account, routes_invitation, routes_records):
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        if is_web_path(request.url.path):  # the other headers: lumbar.api.headers
            response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        return response
