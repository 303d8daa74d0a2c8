"""One JSON error shape for every failure: {"error": {"code", "message", "fields"}}."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from sqlalchemy.exc import OperationalError
from starlette.exceptions import HTTPException

from lumbar.api.headers import EVERY_REPLY, NOT_CACHED
from lumbar.api.server_logs import scrubbed_traceback
from lumbar.engine.answers import InvalidAnswers
from lumbar.engine.programme import DiaryError
from lumbar.storage.access import AccessDenied, InvalidRecord, RecordNotFound
from lumbar.surrogates import replace_surrogates

log = logging.getLogger("lumbar.api")
HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "too_many_requests",
    503: "unavailable",
}
RETRY_AFTER_SECONDS = 5
ErrorCode = Literal[
    "bad_request",
    "unauthorized",
    "forbidden",
    "not_found",
    "method_not_allowed",
    "conflict",
    "too_large",
    "invalid",
    "too_many_requests",
    "unavailable",
    "error",
]


class ErrorField(BaseModel):
    field: str = Field(description="The input at fault, e.g. `answers.age`, `pain`, `body`.")
    problem: str


class ErrorDetail(BaseModel):
    code: ErrorCode = Field(description="Stable and machine-readable; follows the HTTP status.")
    message: str = Field(description="For people; in English.")
    fields: list[ErrorField] = Field(description="The inputs at fault; often empty.")


class ErrorResponse(BaseModel):
    """Every error the API answers has this shape."""

    error: ErrorDetail


_STRING = {"schema": {"type": "string"}}
ERROR_RESPONSES: dict[int, dict[str, Any]] = {
    401: {
        "description": "Not signed in: no valid bearer token or API key (or a wrong password).",
        "headers": {"WWW-Authenticate": {**_STRING, "required": True}},
    },
    403: {"description": "The caller's role may not do this."},
    404: {"description": "No such record, or one the caller may not see (existence not revealed)."},
    422: {"description": "The request is not valid; `fields` names the inputs at fault."},
    429: {
        "description": "Too many failed sign-ins for this account or address: wait.",
        "headers": {"Retry-After": {**_STRING, "required": True, "description": "Seconds."}},
    },
}


UNAVAILABLE = {
    "description": "The records database is busy or unavailable; nothing was stored: retry.",
    "headers": {"Retry-After": {**_STRING, "required": True, "description": "Seconds."}},
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}},
}


def declare_response(
    app: FastAPI,
    status: int,
    response: dict[str, Any],
    applies: Callable[[dict[str, Any]], bool] = lambda _: True,
) -> None:
    """List `response` under `status` in the OpenAPI description of every operation for
    which `applies(operation)` holds (for statuses any route may answer)."""
    build = app.openapi  # FastAPI's: builds the description once, then returns it

    def openapi() -> dict[str, Any]:
        built = app.openapi_schema is not None
        description = build()
        if not built:
            for operations in description["paths"].values():
                for operation in operations.values():
                    if applies(operation):
                        operation["responses"][str(status)] = response
        return description

    app.openapi = openapi  # type: ignore[method-assign]


def declare_unavailable(app: FastAPI) -> None:
    """The 503 on every operation that checks credentials (those answer 401): each reads
    the records database, which may be unavailable."""
    declare_response(app, 503, UNAVAILABLE, lambda operation: "401" in operation["responses"])


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The `responses=` of a route that can answer these error statuses (OpenAPI)."""
    return {status: {**ERROR_RESPONSES[status], "model": ErrorResponse} for status in statuses}


HtmlErrors = Callable[[Request, int, str, dict[str, str] | None], Response]


def error_response(
    status: int,
    message: str,
    fields: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    """The error as JSON with its HTTP status."""
    error = {"code": HTTP_CODES.get(status, "error"), "message": message, "fields": fields or []}
    readable = replace_surrogates(error)  # a field named by a client may hold one
    return JSONResponse({"error": readable}, status_code=status, headers=headers)


def _field(location: tuple[Any, ...]) -> str:
    parts = [str(part) for part in location if part not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _problem(problem: dict[str, Any]) -> dict[str, str]:
    """A validation problem as {"field", "problem"}; JSON that does not parse is `body`'s."""
    if problem["type"] == "json_invalid":
        reason = problem.get("ctx", {}).get("error", "")
        position = problem["loc"][-1]
        return {"field": "body", "problem": f"not valid JSON: {reason} (character {position})"}
    return {"field": _field(tuple(problem["loc"])), "problem": str(problem["msg"])}


def install_error_handlers(
    app: FastAPI, html: HtmlErrors | None = None, is_html: Callable[[str], bool] | None = None
) -> Callable[[Request, int, str], Response]:
    """Map every exception a client can cause to the error shape; never a 500 with details.

    Requests for which `is_html(path)` holds get `html(request, status, message, headers)`
    instead: the web app's error page. Returns that reply, `respond(request, status,
    message)`, for middleware that answers before the app (the body size limit).
    """

    def respond(
        request: Request,
        status: int,
        message: str,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Response:
        if html is not None and is_html is not None and is_html(request.url.path):
            detail = "; ".join(f"{f['field']}: {f['problem']}" for f in fields or ()) or message
            return html(request, status, replace_surrogates(detail), headers)
        return error_response(status, message, fields, headers)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        fields = [_problem(problem) for problem in error.errors()]
        return respond(request, 422, "the request is not valid", fields)

    @app.exception_handler(InvalidAnswers)
    async def invalid_answers(request: Request, error: InvalidAnswers) -> Response:
        fields = [{"field": f"answers.{p.field}", "problem": p.problem} for p in error.problems]
        return respond(request, 422, "some answers are not valid", fields)

    @app.exception_handler(InvalidRecord)
    async def invalid_record(request: Request, error: InvalidRecord) -> Response:
        fields = [{"field": f"answers.{p.field}", "problem": p.problem} for p in error.problems]
        return respond(request, 422, str(error), fields)

    @app.exception_handler(DiaryError)
    async def invalid_diary(request: Request, error: DiaryError) -> Response:
        return respond(request, 422, str(error), [{"field": error.field, "problem": str(error)}])

    @app.exception_handler(RecordNotFound)
    @app.exception_handler(AccessDenied)
    async def not_found(request: Request, _: Exception) -> Response:
        return respond(request, 404, "no such record")

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        if error.status_code == 400:
            # FastAPI's answer to a body it cannot read (not UTF-8, for one); invalid JSON
            # syntax is already a 422, and both are the same client mistake.
            problem = [{"field": "body", "problem": "not readable as JSON"}]
            return respond(request, 422, "the request body is not valid JSON", problem)
        headers = dict(error.headers or {})
        return respond(request, error.status_code, str(error.detail), headers=headers or None)

    @app.exception_handler(OperationalError)
    async def database_unavailable(request: Request, error: OperationalError) -> Response:
        """503 with Retry-After when the database is locked past the busy timeout, down or
        read-only: nothing was stored, and trying again later is right. Handled inside the
        app (unlike a 500), so the reply carries every header and the connection stays up."""
        log.error(
            "database unavailable (%s) on %s %s\n%s",
            type(error.orig).__name__,
            request.method,
            getattr(request.scope.get("route"), "path", "?"),
            scrubbed_traceback(error),
        )
        message = "the records database is busy or unavailable: nothing was stored, try again"
        return respond(request, 503, message, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        """500, and the traceback in the log without exception messages, which may hold
        what the client sent (answers, labels, emails)."""
        route = request.scope.get("route")
        path = getattr(route, "path", "?")
        log.error(
            "unexpected %s on %s %s\n%s",
            type(error).__name__,
            request.method,
            path,
            scrubbed_traceback(error),
        )
        # Starlette answers this outside every middleware, so the private-reply headers that
        # PrivateReplyHeaders adds to all other replies are set here.
        return respond(request, 500, "internal error", headers={**EVERY_REPLY, **NOT_CACHED})

    return respond
