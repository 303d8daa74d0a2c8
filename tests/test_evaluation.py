"""The evaluation harness and the development vignette set's safety bar."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lumbar.evaluation.scoring import METRICS, score_vignettes
from lumbar.evaluation.vignettes import VignetteSetError, load_vignettes

from .conftest import DEV_VIGNETTES, EXTERNAL_VIGNETTES

# The external set's under-triaged cases that no cited rule yet catches from what they state,
# each with the reason (README, docs/triage-policy.md). The list may only shrink: a new miss
# fails, and so does a listed case that is now right (take it off the list).
KNOWN_EXTERNAL_UNDER_TRIAGE = {
    "ext-case-010": "spinal infection in a diabetic whose fever is stated only as feeling feverish",
    "ext-case-014": "renal infarction whose severity is given only in words ('severe distress')",
    "ext-visc-029": "penetrating aortic ulcer presenting as weeks of mechanical thoracic pain",
}

KEYS = {"n", "failures", *METRICS}


@pytest.fixture(scope="module")
def dev_summary() -> dict[str, object]:
    return score_vignettes(load_vignettes(DEV_VIGNETTES)).summary()


def test_dev_set_covers_every_condition_three_times(kb) -> None:  # type: ignore[no-untyped-def]
    counts: dict[str, int] = {}
    for vignette in load_vignettes(DEV_VIGNETTES):
        for cid in vignette.gold.conditions:
            counts[cid] = counts.get(cid, 0) + 1
    assert {cid for cid, n in counts.items() if n >= 3} == set(kb.conditions)


def test_dev_set_answers_are_all_valid(dev_summary: dict[str, object]) -> None:
    assert dev_summary["errors"] == {}


def test_no_emergency_is_missed_and_nothing_is_under_triaged(
    dev_summary: dict[str, object],
) -> None:
    failures = dev_summary["failures"]
    assert dev_summary["emergency_sensitivity"] == 1.0, failures["emergency_sensitivity"]  # type: ignore[index]
    assert dev_summary["under_triage"] == 0.0, failures["under_triage"]  # type: ignore[index]


def test_eval_json_output_has_the_contract_keys() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "lumbar", "eval", str(DEV_VIGNETTES), "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    summary = json.loads(out)
    assert set(summary) >= KEYS
    for key in KEYS - {"n", "failures"}:
        assert 0.0 <= summary[key] <= 1.0
    assert set(summary["failures"]) >= KEYS - {"n", "failures"}


def test_interview_mode_meets_its_targets_on_the_dev_set() -> None:
    """Median questions <= 12 and no emergency lost. Agreement is held at 84%: the all-at-once
    assessment of a vignette that never mentions the core danger signs is a consultation
    (unknown is not no), while the simulated person answers "no" to them; issue 12."""
    out = subprocess.run(
        [sys.executable, "-m", "lumbar", "eval", str(DEV_VIGNETTES), "--interview", "--json"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    summary = json.loads(out)
    failures = summary["failures"]
    assert summary["questions_median"] <= 12
    assert summary["questions_max"] <= 30
    assert summary["interview_agreement"] >= 0.84, failures["interview_agreement"]
    assert summary["interview_emergency_sensitivity"] == 1.0, failures[
        "interview_emergency_sensitivity"
    ]


def test_a_single_file_holding_a_list_is_a_vignette_set(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        "- id: v1\n  age: 30\n  sex: male\n  answers: {onset_after_lifting: true}\n"
        "  gold: {conditions: [lumbar_strain], triage: self_care}\n",
        encoding="utf-8",
    )
    summary = score_vignettes(load_vignettes(path)).summary()
    assert summary["n"] == 1


def test_under_and_over_triage_are_scored_against_every_accepted_level(tmp_path: Path) -> None:
    path = tmp_path / "set.yaml"
    path.write_text(
        "- id: strain-called-emergency\n  age: 30\n  sex: male\n"
        "  answers: {onset_after_lifting: true, muscle_spasm: true}\n"
        "  gold: {conditions: [lumbar_strain], triage: emergency_ambulance}\n"
        "- id: strain-accepting-self-care\n  age: 30\n  sex: male\n"
        "  answers: {onset_after_lifting: true, muscle_spasm: true}\n"
        "  gold: {conditions: [lumbar_strain], triage: consultation, triage_ok: [self_care]}\n",
        encoding="utf-8",
    )
    summary = score_vignettes(load_vignettes(path)).summary()
    assert summary["failures"]["under_triage"] == ["strain-called-emergency"]
    assert summary["failures"]["emergency_sensitivity"] == ["strain-called-emergency"]
    assert "strain-accepting-self-care" not in summary["failures"]["triage_exact"]


def test_a_malformed_vignette_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("- id: v1\n  age: 30\n", encoding="utf-8")
    with pytest.raises(VignetteSetError, match=r"bad\.yaml item 1"):
        load_vignettes(path)


def test_external_set_is_large_enough_and_valid() -> None:
    """Issue 12: at least 100 cases written by others, 30 emergencies, 25 benign."""
    vignettes = load_vignettes(EXTERNAL_VIGNETTES)
    assert len(vignettes) >= 100
    assert all(v.source and v.notes for v in vignettes)
    emergencies = [v for v in vignettes if v.gold.triage in ("emergency", "emergency_ambulance")]
    benign = [v for v in vignettes if v.gold.triage in ("self_care", "consultation")]
    assert len(emergencies) >= 30
    assert len(benign) >= 25
    assert score_vignettes(vignettes).summary()["errors"] == {}


def test_external_set_under_triages_nothing_beyond_its_known_misses() -> None:
    """Every under-triaged external case is a known, explained miss (the list above)."""
    summary = score_vignettes(load_vignettes(EXTERNAL_VIGNETTES)).summary()
    assert set(summary["failures"]["under_triage"]) == set(KNOWN_EXTERNAL_UNDER_TRIAGE)
