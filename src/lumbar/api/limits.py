"""The largest request body the server reads (`LUMBAR_MAX_BODY_BYTES`), API and web alike."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from lumbar.api.errors import declare_response

ErrorReply = Callable[[Request, int, str], Response]
TOO_LARGE = {
    "description": "The request body is larger than the server reads (LUMBAR_MAX_BODY_BYTES).",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


def install_body_limit(app: FastAPI, max_bytes: int, reply: ErrorReply) -> None:
    """Refuse request bodies larger than `max_bytes` (BodySizeLimit), and list the 413 in
    the OpenAPI description of every operation (any request can carry a body)."""
    app.add_middleware(BodySizeLimit, max_bytes=max_bytes, reply=reply)
    declare_response(app, 413, TOO_LARGE)


class BodySizeLimit:
    """Pure ASGI middleware: a request body larger than `max_bytes` is refused with 413.

    A declared Content-Length over the limit is answered at once with `reply(request, 413,
    message)` (the app's error reply: JSON for the API, the error page for the web app);
    none of the body is read. A body sent in chunks is counted as it arrives: the read that
    passes the limit raises HTTPException(413), which the app's error handlers answer the
    same way. (Starlette's RequestBodyLimitMiddleware answers in plain text.)
    """

    def __init__(self, app: ASGIApp, max_bytes: int, reply: ErrorReply) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.reply = reply

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = f"the request body is larger than {self.max_bytes} bytes"
        declared = Headers(scope=scope).get("content-length", "")
        if declared.isascii() and declared.isdigit() and int(declared) > self.max_bytes:
            await self.reply(Request(scope), 413, message)(scope, receive, send)
            return
        counted = 0
        replying = False

        async def counting_receive() -> Message:
            nonlocal counted
            received = await receive()
            if received["type"] == "http.request":
                counted += len(received.get("body", b""))
                if counted > self.max_bytes and not replying:
                    raise HTTPException(413, message)
            return received

        async def watching_send(sent: Message) -> None:
            # Once the reply has started, the route has read what it needed; a later receive
            # only waits for the client to hang up.
            nonlocal replying
            replying = True
            await send(sent)

        await self.app(scope, counting_receive, watching_send)
