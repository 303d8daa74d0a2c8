"""The server's secret (it signs tokens and keys the audit chain), kept out of the database.

From LUMBAR_SECRET_KEY when set (every server of a service then shares it), else from the
file `secret_key` in the data folder, made on first use: readable by its owner only, in a
folder only its owner may open. Someone who copies the records database alone can neither
forge a sign-in nor rewrite the audit log unnoticed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from pathlib import Path

from lumbar.storage.private_files import PRIVATE_FILE, private_folder
from lumbar.storage.settings import Settings

SECRET_FILE = "secret_key"


class SecretUnavailable(RuntimeError):
    """The secret file exists but cannot be read, or stays empty."""


def _create(path: Path) -> None:
    """Write a new secret to `path` unless it exists; atomic: a hard link of a full file,
    so a process starting at the same moment reads either nothing or the whole secret."""
    draft = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
    try:
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(48))
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first
            os.link(draft, path)
    finally:
        draft.unlink(missing_ok=True)


def server_secret(settings: Settings) -> str:
    """The secret: LUMBAR_SECRET_KEY, else the data folder's secret file (made if absent)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value()
    path = private_folder(settings.data_dir) / SECRET_FILE
    if not path.exists():
        _create(path)
    for _ in range(50):
        try:
            secret = path.read_text().strip()
        except OSError as error:
            raise SecretUnavailable(f"cannot read {path}: {error.strerror}") from error
        if secret:
            return secret
        time.sleep(0.1)
    raise SecretUnavailable(f"{path} is empty: remove it to make a new secret")
