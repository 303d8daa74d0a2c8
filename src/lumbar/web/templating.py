"""Jinja2 pages: one environment, and `render` that adds what every page needs."""

from __future__ import annotations

from functools import cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from lumbar.engine import default_model
from lumbar.i18n import format_date, format_datetime
from lumbar.kb.models import LANGUAGES
from lumbar.server.deps import server
from lumbar.web.session import CSRF_FIELD, Visitor, remember_visitor
from lumbar.web.words import word

LANGUAGE_NAMES = {"en": "English", "uk": "Українська", "ru": "Русский"}


@cache
def environment() -> Environment:
    """The template environment: autoescaped HTML, undefined names are errors."""
    env = Environment(
        loader=PackageLoader("lumbar.web", "templates"),
        autoescape=select_autoescape(default=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    # dates as the page's language writes them: local_date(day, lang), local_datetime(...)
    env.globals.update(local_date=format_date, local_datetime=format_datetime)
    return env


def emergency_dial(request: Request, lang: str) -> str:
    """The number to call: the server's setting, else the usual one for the language."""
    configured = server(request).settings.emergency_number
    return configured or word("web_emergency_dial", lang)


def render(
    request: Request,
    who: Visitor,
    template: str,
    *,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """The page `template` for this visitor, with the cookies it needs."""
    lang = who.lang

    def t(key: str, **values: Any) -> str:
        return word(key, lang, **values)

    page = (
        environment()
        .get_template(template)
        .render(
            request=request,
            who=who,
            lang=lang,
            t=t,
            languages=[(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
            csrf_field=CSRF_FIELD,
            dial=emergency_dial(request, lang),
            kb_version=default_model().kb.version,
            path=request.url.path,
            **context,
        )
    )
    response = HTMLResponse(page, status_code=status)
    remember_visitor(request, response, who)
    return response


def pdf_download(content: bytes, name: str) -> Response:
    """A PDF the browser saves as `name`."""
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
