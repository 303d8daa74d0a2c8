"""The HTTP protocol `lumbar serve` gives uvicorn: h11 with Nagle's algorithm off.

asyncio turns Nagle's algorithm off (TCP_NODELAY) only on sockets whose protocol number is
IPPROTO_TCP. With one worker uvicorn's listening socket has it, but the socket it binds for
several workers has 0, and its connections kept Nagle on: on a keep-alive connection each
reply's last segment then waited ~40 ms for the client's delayed ACK (issue 15).
"""

from __future__ import annotations

import asyncio
import socket

from uvicorn.protocols.http.h11_impl import H11Protocol


class NoDelayH11Protocol(H11Protocol):
    """uvicorn's h11 protocol (what its "auto" picks without httptools) that sets TCP_NODELAY
    on every TCP connection, whichever socket accepted it."""

    def connection_made(  # type: ignore[override]
        self, transport: asyncio.Transport
    ) -> None:
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
