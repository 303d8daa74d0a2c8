"""The logging of `lumbar serve`: nothing a client sent reaches the log.

An exception's message may hold what a client sent (an answer in "got 'yes'", an email in a
database's "Key (email)=(...) already exists"), so a logged traceback keeps its frames (file,
line, function, code) and the exceptions' types, never their messages or local variables.
The access log leaves out query strings.
"""

from __future__ import annotations

import logging
import traceback
from copy import copy
from types import TracebackType
from typing import Any

from uvicorn.logging import AccessFormatter, DefaultFormatter

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]
CAUSE = "\nThe above exception was the direct cause of the following exception:\n\n"
CONTEXT = "\nDuring handling of the above exception, another exception occurred:\n\n"


def _type_name(error: BaseException) -> str:
    kind = type(error)
    return (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )


def scrubbed_traceback(error: BaseException) -> str:
    """The traceback of `error` and of the exceptions it came from, like Python prints it,
    with each exception's type in place of its message."""
    parts: list[str] = []
    seen: set[int] = set()

    def add(current: BaseException) -> None:
        seen.add(id(current))
        if current.__cause__ is not None and id(current.__cause__) not in seen:
            add(current.__cause__)
            parts.append(CAUSE)
        elif (
            current.__context__ is not None
            and not current.__suppress_context__
            and id(current.__context__) not in seen
        ):
            add(current.__context__)
            parts.append(CONTEXT)
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.extract_tb(current.__traceback__).format())
        parts.append(f"{_type_name(current)} (message left out)\n")
        if isinstance(current, BaseExceptionGroup):
            for number, inner in enumerate(current.exceptions, 1):
                if id(inner) not in seen:
                    parts.append(f"\nException {number} of the group:\n")
                    add(inner)

    add(error)
    return "".join(parts)


class ScrubbedFormatter(DefaultFormatter):
    """uvicorn's formatter, with tracebacks scrubbed of exception messages."""

    def formatException(self, ei: ExcInfo) -> str:
        return scrubbed_traceback(ei[1]) if ei[1] is not None else ""


class PathOnlyAccessFormatter(AccessFormatter):
    """uvicorn's access log line with the path but not the query string."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        shown = copy(record)
        if isinstance(record.args, tuple) and len(record.args) == 5:
            address, method, path, version, status = record.args
            shown.args = (address, method, str(path).partition("?")[0], version, status)
        return super().formatMessage(shown)


def logging_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the scrubbing formatters, for every logger."""
    default = {"()": ScrubbedFormatter, "fmt": "%(levelprefix)s %(message)s", "use_colors": None}
    access = {
        "()": PathOnlyAccessFormatter,
        "fmt": '%(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
    }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"default": default, "access": access},
        "handlers": {
            "default": {
                "formatter": "default",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
            },
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
            },
        },
        "root": {"handlers": ["default"], "level": "WARNING"},
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.error": {"level": "INFO"},
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
            "lumbar": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }
