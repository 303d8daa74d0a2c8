"""The `lumbar` command line, run as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import REPO


def lumbar(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lumbar", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "COLUMNS": "120"},
    )


def test_kb_check_passes() -> None:
    run = lumbar("kb", "check")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 errors" in run.stdout


def test_version_names_the_package_and_the_knowledge_base(kb) -> None:  # type: ignore[no-untyped-def]
    from importlib.metadata import version

    run = lumbar("--version")
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"lumbar {version('lumbar')}, knowledge base {kb.version}"


def test_assess_prints_json_with_triage_and_version() -> None:
    run = lumbar("assess", "--answers", "examples/left-flank-pain.yaml", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["triage"]["level"] in {"consultation_24", "emergency"}
    assert result["conditions"][0]["id"] == "renal_colic"
    assert result["kb_version"]


def test_assess_screen_in_every_language() -> None:
    for lang, word in (
        ("en", "This is not a diagnosis"),
        ("uk", "Це не діагноз"),
        ("ru", "Это не диагноз"),
    ):
        run = lumbar("assess", "--answers", "examples/left-flank-pain.yaml", "--lang", lang)
        assert run.returncode == 0, run.stderr
        assert word in " ".join(run.stdout.split()), lang


def test_assess_names_a_bad_field(tmp_path: Path) -> None:
    path = tmp_path / "answers.yaml"
    path.write_text("age: 40\nsex: male\npain_severity: 14\n", encoding="utf-8")
    run = lumbar("assess", "--answers", str(path))
    assert run.returncode == 2
    assert "pain_severity" in run.stderr and "between 0 and 10" in run.stderr
