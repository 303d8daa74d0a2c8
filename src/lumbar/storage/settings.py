"""Storage and security settings, read from `LUMBAR_*` environment variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import BeforeValidator, Field, IPvAnyNetwork, SecretStr, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DATABASE_FILE = "lumbar.db"


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/lumbar`, or `~/.local/share/lumbar`."""
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "lumbar"


def comma_separated(value: object) -> object:
    """`a, b` from the environment as ["a", "b"]; anything else as it is."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """Where the database is, how long tokens live, the signing secret, the login limit."""

    model_config = SettingsConfigDict(env_prefix="LUMBAR_")

    data_dir: Path = Field(default_factory=default_data_dir)
    database_url: str = ""  # empty: the SQLite file `lumbar.db` in data_dir
    # PostgreSQL: the tables' owner, for migrations; the server then connects as a role
    # granted only what it needs (`lumbar db grant`). Empty: migrate with database_url.
    migration_database_url: str = ""
    token_minutes: int = Field(default=15, ge=1)
    secret_key: SecretStr | None = Field(default=None, min_length=32)  # None: generated
    login_attempts_per_minute: int = Field(default=5, ge=1)
    registrations_per_hour: int = Field(default=10, ge=1)  # patient sign-ups per address
    admin_email: str | None = None  # first-run admin, created when no admin exists
    admin_password: SecretStr | None = None
    emergency_number: str | None = Field(default=None, pattern=r"^[0-9+]{2,15}$")  # web app
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)  # larger request bodies: 413
    # proxies (addresses or networks) whose X-Forwarded-For names the client; none by default
    trusted_proxies: Annotated[list[IPvAnyNetwork], NoDecode, BeforeValidator(comma_separated)] = (
        Field(default_factory=list)
    )

    @model_validator(mode="after")
    def _default_database_url(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / DATABASE_FILE}"
        return self


def get_settings() -> Settings:
    """The settings from the environment as it is now."""
    return Settings()
