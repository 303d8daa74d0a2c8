"""`lumbar serve --workers 2` answers on a keep-alive connection without Nagle's stall."""

from __future__ import annotations

import http.client
import statistics
import time
from pathlib import Path
from urllib.parse import urlsplit

from .live_server import serve

ROUND_TRIPS = 25
WARM_UP = 5
STALL = 0.040  # Linux's shortest delayed ACK; a stalled round trip takes at least this


def test_keep_alive_round_trips_do_not_wait_for_delayed_acks(tmp_path: Path) -> None:
    """Issue 15: with several workers uvicorn's connections kept Nagle's algorithm on, so
    every reply on a keep-alive connection waited ~44 ms for the client's delayed ACK.

    This checks that the stall is gone, not how fast the server is: stalled, the median
    round trip of a small GET is at least 40 ms on any machine; without the stall it is a
    few milliseconds, so half of 40 ms leaves room for a busy machine."""
    with serve(f"sqlite:///{tmp_path / 'lumbar.db'}", tmp_path, workers=2) as server:
        url = urlsplit(server.url)
        connection = http.client.HTTPConnection(str(url.hostname), url.port, timeout=10)
        durations = []
        client_ports = set()
        try:
            for _ in range(ROUND_TRIPS):
                began = time.perf_counter()
                connection.request("GET", "/v1/health")
                reply = connection.getresponse()
                reply.read()
                durations.append(time.perf_counter() - began)
                assert reply.status == 200
                client_ports.add(connection.sock.getsockname()[1])
        finally:
            connection.close()
    assert len(client_ports) == 1  # one connection, kept alive throughout
    assert statistics.median(durations[WARM_UP:]) < STALL / 2, durations
