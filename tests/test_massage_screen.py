"""The massage and manual-therapy screen: refusals, cautions, completeness, the command."""

from __future__ import annotations

import json
from typing import Any

import yaml

from lumbar.engine import assess
from lumbar.engine.massage_screen import screen_massage
from lumbar.kb.loader import KnowledgeBase

from .conftest import REPO
from .test_cli import lumbar

INTAKE: dict[str, Any] = yaml.safe_load(
    (REPO / "examples" / "massage-intake.yaml").read_text(encoding="utf-8")
)
CLEAN = {**INTAKE, "anticoagulant_use": False}


def screen(**changes: Any) -> Any:
    return screen_massage(assess({**CLEAN, **changes}))


def reason_ids(result: Any) -> set[str]:
    return {reason.id for reason in result.reasons}


def test_chronic_back_pain_without_warning_signs_is_allowed() -> None:
    result = screen()
    assert (result.massage, result.manual_therapy) == ("allowed", "allowed")
    assert result.reasons == ()
    assert "massage_classic_lumbar" in result.protocols


def test_each_contraindication_refuses_both() -> None:
    cases = {
        "ms_tumour": {"history_cancer": True},
        "ms_fever": {"fever": True},
        "ms_fracture": {"onset_after_trauma": True},
        "ms_cauda_equina": {"saddle_anesthesia": True, "bladder_dysfunction": True},
        "ms_progressive_deficit": {"progressive_weakness": True},
        "ms_clot": {"leg_swelling_one_side": True},
        "ms_skin": {"skin_problem_back": True},
        "ms_vascular": {"pulsatile_abdominal_mass": True},
    }
    for rule, answers in cases.items():
        result = screen(**answers)
        assert rule in reason_ids(result), rule
        assert result.massage == "not_allowed", rule
        assert result.manual_therapy == "not_allowed", rule
        assert result.protocols == (), rule


def test_open_red_flag_or_urgent_triage_refuses() -> None:
    result = screen(fever=True, immunosuppression=True)
    assert any(r.source == "red_flag" for r in result.reasons) or "screen_urgent" in reason_ids(
        result
    )
    assert result.massage == "not_allowed"


def test_internal_organ_inflammation_refuses() -> None:
    result = screen(
        loc_flank_right=True,
        kidney_punch_tenderness=True,
        dysuria=True,
        fever=False,
        loc_lower_back_central=False,
        loc_lower_back_left=False,
    )
    assert "ms_internal_organ" in reason_ids(result)
    assert result.massage == "not_allowed"


def test_osteoporosis_refuses_manipulation_but_allows_careful_massage() -> None:
    result = screen(history_osteoporosis=True)
    assert result.manual_therapy == "not_allowed"
    assert result.massage == "allowed_with_cautions"


def test_blood_thinners_and_pregnancy_are_cautions() -> None:
    thinners = screen_massage(assess(INTAKE))
    assert (thinners.massage, thinners.manual_therapy) == (
        "allowed_with_cautions",
        "allowed_with_cautions",
    )
    pregnant = screen(age=30, pregnant=True)
    assert "ms_pregnancy" in reason_ids(pregnant)
    assert pregnant.massage in {"allowed_with_cautions", "not_allowed"}
    assert pregnant.massage != "allowed"


def test_unanswered_safety_questions_refuse_and_are_listed() -> None:
    answers = {k: v for k, v in CLEAN.items() if k not in {"fever", "skin_problem_back"}}
    result = screen_massage(assess(answers))
    assert result.massage == "not_allowed"
    assert set(result.missing) == {"fever", "skin_problem_back"}
    male = {k: v for k, v in CLEAN.items() if k != "pregnant"} | {"sex": "male"}
    assert "pregnant" not in screen_massage(assess(male)).missing


def test_acute_attack_gets_the_gentle_protocol_only() -> None:
    result = screen(duration="days", pain_severity=8, onset_after_lifting=True)
    assert "ms_acute_attack" in reason_ids(result)
    assert result.massage == "allowed_with_cautions"
    assert result.protocols == ("massage_gentle_acute",)


def test_every_rule_has_text_in_every_language(kb: KnowledgeBase) -> None:
    for rule in kb.massage_screen.rules:
        for lang in ("en", "uk", "ru"):
            assert rule.text.get(lang).strip()


def test_cli_screen_massage_json_and_screen() -> None:
    run = lumbar("screen-massage", "--answers", "examples/massage-intake.yaml", "--json")
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["massage"] == "allowed_with_cautions"
    assert result["reasons"][0]["id"] == "ms_bleeding"
    for lang, word in (("en", "allowed with cautions"), ("uk", "дозволено з обережністю")):
        shown = lumbar(
            "screen-massage", "--answers", "examples/massage-intake.yaml", "--lang", lang
        )
        assert shown.returncode == 0, shown.stderr
        assert word in shown.stdout
