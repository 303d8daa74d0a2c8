"""Keep-alive round trips of `lumbar serve` with one and with two workers, side by side.

Each server runs on a fresh SQLite database on 127.0.0.1; one keep-alive connection sends
GET /v1/health again and again and every round trip is timed (after a few to warm up).
Before issue 15 the two-worker server stalled ~44 ms on each: Nagle's algorithm was on.

Run: .venv/bin/python benchmarks/server_keep_alive.py [--requests N]
"""

from __future__ import annotations

import argparse
import http.client
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from latency import print_latency_rows

WARM_UP = 10


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def _server(workers: int) -> Iterator[int]:
    """The port of a running `lumbar serve --workers N`, stopped at the end."""
    with tempfile.TemporaryDirectory() as folder:
        port = _free_port()
        environment = {
            **os.environ,
            "LUMBAR_DATABASE_URL": f"sqlite:///{Path(folder) / 'lumbar.db'}",
            "LUMBAR_DATA_DIR": folder,
        }
        command = [sys.executable, "-m", "lumbar", "serve", "--port", str(port)]
        process = subprocess.Popen(
            [*command, "--workers", str(workers)],
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_until_up(port, process)
            yield port
        finally:
            process.terminate()
            process.wait(timeout=30)


def _wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise RuntimeError(f"lumbar serve exited with status {process.returncode}")
        try:
            _round_trips(port, 1)
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("lumbar serve did not answer")


def _round_trips(port: int, count: int) -> list[float]:
    """The duration in ms of each of `count` GET /v1/health on one keep-alive connection."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    durations = []
    try:
        for _ in range(count):
            began = time.perf_counter()
            connection.request("GET", "/v1/health")
            connection.getresponse().read()
            durations.append((time.perf_counter() - began) * 1000)
    finally:
        connection.close()
    return durations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=200, help="round trips per server")
    requests = int(parser.parse_args().requests)
    rows = {}
    for workers in (1, 2):
        with _server(workers) as port:
            rows[f"--workers {workers}"] = _round_trips(port, WARM_UP + requests)[WARM_UP:]
    print_latency_rows(
        f"keep-alive GET /v1/health: {requests} round trips, one connection",
        "server",
        rows,
        "ms",
        2,
    )


if __name__ == "__main__":
    main()
