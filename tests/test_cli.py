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


def _edited_kb(tmp_path: Path, old: str, new: str) -> Path:
    """A copy of the packaged knowledge base with one edit in kb.yaml."""
    import shutil

    from lumbar.kb.loader import default_data_dir

    folder = tmp_path / "kb"
    shutil.copytree(default_data_dir(), folder)
    meta = folder / "kb.yaml"
    text = meta.read_text(encoding="utf-8")
    assert old in text
    meta.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder


def test_assess_and_eval_use_the_knowledge_base_folder_given(tmp_path: Path) -> None:
    folder = _edited_kb(tmp_path, 'version: "', 'version: "edited-')
    run = lumbar(
        "assess", "--answers", "examples/left-flank-pain.yaml", "--json", "--kb", str(folder)
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["kb_version"].startswith("edited-")


def test_eval_compare_shows_what_an_edit_changed(tmp_path: Path) -> None:
    # Every urgent cause must reach twice the probability to raise the triage: fewer
    # consultations within 24 hours, so triage moves and under-triage can only grow.
    folder = _edited_kb(tmp_path, "    consultation_24: 0.12", "    consultation_24: 0.50")
    run = lumbar("eval", "vignettes/dev", "--compare", str(folder), "--json")
    assert run.returncode == 0, run.stderr
    compared = json.loads(run.stdout)
    assert compared["n"] > 100
    exact = compared["metrics"]["triage_exact"]
    assert exact["change"] == exact["other"] - exact["base"]
    assert compared["metrics"]["under_triage"]["change"] >= 0
    moved = [change for change in compared["changed"] if change["triage"][0] != change["triage"][1]]
    assert moved, compared["changed"]
    assert all(set(change) >= {"id", "triage", "top1", "gold_probability"} for change in moved)
    shown = lumbar("eval", "vignettes/dev", "--compare", str(folder))
    assert shown.returncode == 0, shown.stderr
    assert "change" in shown.stdout and moved[0]["id"] in shown.stdout


def test_a_broken_knowledge_base_folder_is_named_with_every_problem(tmp_path: Path) -> None:
    folder = _edited_kb(tmp_path, "likelihood_temper: 1.0", "likelihood_temper: warm")
    (folder / "priors.yaml").write_text("- not a mapping\n", encoding="utf-8")
    run = lumbar("eval", "vignettes/dev", "--kb", str(folder))
    assert run.returncode == 2
    assert "kb.yaml:" in run.stderr and "priors.yaml" in run.stderr, run.stderr
