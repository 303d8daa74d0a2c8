"""The README's set-up commands and CI stay in step."""

from __future__ import annotations

from .conftest import REPO


def _readme_commands() -> list[str]:
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    inside, commands = False, []
    for line in lines:
        if line.startswith("```"):
            if inside:
                break
            inside = True
            continue
        if inside and line.strip() and not line.startswith("#"):
            commands.append(line.strip())
    return commands


def test_readme_opens_with_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _readme_commands()
    assert len(commands) == 2
    assert commands[1] in (REPO / ".ci" / "run").read_text(encoding="utf-8")
