"""`lumbar --help` and `lumbar assess` start without the database and server stack (issue 15).

Each command runs as a real process under `python -X importtime`, which lists every module
the process imported; no timing is asserted (benchmarks/startup.py measures it).
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import REPO

# What lumbar.storage, lumbar.api and lumbar.web import.
SERVER_STACK = frozenset(
    {
        "alembic",
        "argon2",
        "fastapi",
        "fastapi_offline",
        "fpdf",
        "jinja2",
        "jwt",
        "multipart",
        "psycopg",
        "python_multipart",
        "sqlalchemy",
        "starlette",
        "uvicorn",
    }
)


def imported_modules(*args: str) -> tuple[set[str], str]:
    """The modules `python -m lumbar ARGS` imported, and what it printed."""
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "lumbar", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "120"},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    modules = {
        line.rsplit("|", 1)[1].strip()
        for line in run.stderr.splitlines()
        if line.startswith("import time:") and not line.endswith("imported package")
    }
    assert "lumbar.cli" in modules  # the listing is complete, not empty
    return modules, run.stdout


@pytest.mark.parametrize(
    ("args", "printed"),
    [
        (("--help",), "serve"),
        (("assess", "--answers", "examples/left-flank-pain.yaml"), "This is not a diagnosis"),
    ],
    ids=["help", "assess"],
)
def test_command_imports_no_database_or_server_module(args: tuple[str, ...], printed: str) -> None:
    modules, stdout = imported_modules(*args)
    assert printed in " ".join(stdout.split())
    assert not {name for name in modules if name.split(".")[0] in SERVER_STACK}
