"""Folders and files only their owner may open: the records database and the secret."""

from __future__ import annotations

import os
from pathlib import Path

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


def _tighten(path: Path, mode: int) -> None:
    status = path.stat()
    if status.st_uid == os.getuid() and status.st_mode & 0o777 & ~mode:
        path.chmod(mode)


def private_folder(folder: Path) -> Path:
    """`folder`, created if missing, open to its owner only (tightened if we own it)."""
    folder.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    _tighten(folder, PRIVATE_FOLDER)
    return folder


def private_file(path: Path) -> Path:
    """`path`, created empty if missing, readable by its owner only; missing folders on the
    way are made private (an existing folder is left as it is: it may be a home folder).

    SQLite gives its -wal and -shm files the database file's permissions, so making the
    database file private first keeps them private too."""
    path.parent.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, PRIVATE_FILE))
    _tighten(path, PRIVATE_FILE)
    return path
