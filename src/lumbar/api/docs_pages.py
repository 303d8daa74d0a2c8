"""The API's documentation page, /docs (Swagger UI), served whole by lumbar: its script,
stylesheet and icon come from the installed fastapi-offline package, so it works on a
clinic network with no internet, under a CSP that allows this server only (the one inline
script FastAPI writes, which starts Swagger UI, is allowed by its hash).

There is no /redoc: ReDoc cannot run without inline styles."""

from __future__ import annotations

import base64
import hashlib
from html.parser import HTMLParser
from importlib.resources import files

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

DOCS_PATH = "/docs"
ASSETS_PREFIX = "/docs/assets/"


class _InlineScripts(HTMLParser):
    """The text of each <script> of a page that has no `src`."""

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self._inside = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._inside = tag == "script" and not dict(attrs).get("src")
        if self._inside:
            self.texts.append("")

    def handle_data(self, data: str) -> None:
        if self._inside:
            self.texts[-1] += data

    def handle_endtag(self, tag: str) -> None:
        self._inside = False


def content_security_policy(page: str) -> str:
    """'self' only, and the page's own inline scripts by their SHA-256."""
    scripts = _InlineScripts()
    scripts.feed(page)
    scripts.close()
    hashes = "".join(
        f" 'sha256-{base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()}'"
        for text in scripts.texts
    )
    return (
        f"default-src 'self'; script-src 'self'{hashes}; style-src 'self'; "
        "img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


def install_docs(app: FastAPI) -> None:
    """/docs and its assets under ASSETS_PREFIX, for an app made with `docs_url=None,
    redoc_url=None` (FastAPI's own pages load Swagger UI and ReDoc from a CDN)."""
    assets = files("fastapi_offline").joinpath("static")
    app.mount(ASSETS_PREFIX.rstrip("/"), StaticFiles(directory=str(assets)), name="docs-assets")
    made = get_swagger_ui_html(
        openapi_url=app.openapi_url or "/openapi.json",
        title=f"{app.title} API",
        swagger_js_url=f"{ASSETS_PREFIX}swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS_PREFIX}swagger-ui.css",
        swagger_favicon_url=f"{ASSETS_PREFIX}favicon.png",
        swagger_ui_parameters=app.swagger_ui_parameters,
    )
    page = bytes(made.body).decode()
    policy = content_security_policy(page)

    @app.get(DOCS_PATH, include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})
