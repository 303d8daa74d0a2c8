"""Docs tested against the code: every command and option, every setting and every
knowledge-base file is documented, or this fails (issue 15)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import click
from typer.main import get_command

from lumbar.cli import app
from lumbar.kb.loader import default_data_dir
from lumbar.storage.settings import Settings

from .conftest import REPO

# Typer's own options, the same in every Typer program.
FRAMEWORK_OPTIONS = {"--help", "--install-completion", "--show-completion"}


def _docs() -> str:
    pages = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    return "\n".join(page.read_text(encoding="utf-8") for page in pages)


def _commands(command: click.Command, path: tuple[str, ...]) -> Iterator[tuple[str, click.Command]]:
    yield " ".join(path), command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, (*path, name))


def test_every_command_and_option_is_documented() -> None:
    docs = _docs()
    missing = []
    for name, command in _commands(get_command(app), ("lumbar",)):
        if name not in docs:
            missing.append(name)
        options = [o for p in command.params for o in p.opts if o.startswith("--")]
        missing += [f"{name} {o}" for o in options if o not in FRAMEWORK_OPTIONS and o not in docs]
    assert not missing, f"not in README.md or docs/: {missing}"


def test_every_setting_is_documented() -> None:
    docs = _docs()
    missing = [f"LUMBAR_{name.upper()}" for name in Settings.model_fields]
    assert not [env for env in missing if env not in docs]


def test_every_knowledge_base_file_is_in_the_knowledge_base_guide() -> None:
    guide = (REPO / "docs" / "knowledge-base.md").read_text(encoding="utf-8")
    entries = sorted(Path(default_data_dir()).iterdir())
    missing = [e.name for e in entries if e.suffix == ".yaml" or e.is_dir()]
    assert not [name for name in missing if f"`{name}" not in guide and name != "__pycache__"]
