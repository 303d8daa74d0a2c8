"""Errors on web pages: an HTML page in the person's language, or the sign-in page."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from lumbar.web.session import signed_out_visitor
from lumbar.web.templating import render
from lumbar.web.words import word

STATUS_WORDS = {
    403: "web_error_forbidden",
    404: "web_error_not_found",
    405: "web_error_not_found",
    413: "web_error_too_large",
    429: "web_error_too_many",
}


def web_error_page(
    request: Request, status: int, message: str, headers: dict[str, str] | None = None
) -> Response:
    """The error as a page; 401 sends the person to sign in and back."""
    if status == 401:
        return RedirectResponse(f"/signin?next={request.url.path}", status_code=303)
    who = signed_out_visitor(request)
    key = STATUS_WORDS.get(status)
    if key is not None:
        shown = word(key, who.lang)
    elif status == 422:
        shown = message  # names the field; the pages say most problems in the person's words
    else:
        shown = word("web_error_internal", who.lang)
    response = render(request, who, "error.html", status=status, message=shown)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response
