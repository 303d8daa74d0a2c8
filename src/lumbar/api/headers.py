"""Headers on every reply, API and web alike: nothing is sniffed, framed or cached.

Replies carry health data (assessments, records, the pages that show them), so none may be
kept by a browser or a shared cache (`Cache-Control: no-store`), except static assets,
which are the same for everyone. `Referrer-Policy: same-origin` sends no address to other
sites yet keeps the `Origin` header on the web app's own form posts, which the CSRF check
reads (`no-referrer` would make browsers send `Origin: null`).
"""

from __future__ import annotations

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

EVERY_REPLY = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
NOT_CACHED = {"Cache-Control": "no-store"}


class PrivateReplyHeaders:
    """Pure ASGI middleware setting EVERY_REPLY on every HTTP reply, and NOT_CACHED on every
    reply whose path does not start with one of `cacheable_prefixes`."""

    def __init__(self, app: ASGIApp, cacheable_prefixes: tuple[str, ...] = ()) -> None:
        self.app = app
        self.cacheable_prefixes = cacheable_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = dict(EVERY_REPLY)
        if not str(scope["path"]).startswith(self.cacheable_prefixes):
            added.update(NOT_CACHED)

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in added.items():
                    headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)
