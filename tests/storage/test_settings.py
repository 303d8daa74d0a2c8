"""Settings come from LUMBAR_* variables; the default database is a file in the data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from lumbar.storage.settings import get_settings


def test_defaults_follow_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("LUMBAR_DATA_DIR", "LUMBAR_DATABASE_URL", "LUMBAR_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    settings = get_settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'lumbar' / 'lumbar.db'}"
    assert (settings.token_minutes, settings.login_attempts_per_minute) == (15, 5)
    assert settings.secret_key is None


def test_home_folder_without_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in ("LUMBAR_DATA_DIR", "LUMBAR_DATABASE_URL", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    expected = tmp_path / ".local" / "share" / "lumbar" / "lumbar.db"
    assert get_settings().database_url == f"sqlite:///{expected}"


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("LUMBAR_DATA_DIR", str(tmp_path))
    assert get_settings().database_url == f"sqlite:///{tmp_path / 'lumbar.db'}"
    monkeypatch.setenv("LUMBAR_DATABASE_URL", "postgresql+psycopg://db.example/lumbar")
    monkeypatch.setenv("LUMBAR_TOKEN_MINUTES", "5")
    monkeypatch.setenv("LUMBAR_SECRET_KEY", "s" * 40)
    settings = get_settings()
    assert settings.database_url == "postgresql+psycopg://db.example/lumbar"
    assert settings.token_minutes == 5
    assert settings.secret_key is not None and "s" * 40 not in repr(settings)
