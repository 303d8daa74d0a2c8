"""The result a person reads (issue 14): one urgency with its reason, plain words instead of
numbers, and a short plan; the shared view, the terminal and the interview warning."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from lumbar.engine import assess, default_model
from lumbar.engine.interview import Purpose, Question, urgent_red_flags
from lumbar.engine.programme import build_programme
from lumbar.engine.wording import why_asked
from lumbar.i18n import format_date, format_number
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import LANGUAGES
from lumbar.programme_text import day_title, minutes_text
from lumbar.render import render_assessment
from lumbar.result_view import result_view, urgent_notice

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
# Chest pain going through to the back fires an emergency-department rule, while the
# answers point to a heart attack: the result is "call an ambulance".
CHEST_TO_BACK = {
    "age": 66,
    "sex": "male",
    "loc_chest": True,
    "loc_mid_back": True,
    "onset_sudden": True,
}
SUDDEN_SEVERE = {
    "age": 40,
    "sex": "male",
    "loc_lower_back_central": True,
    "onset_sudden": True,
    "pain_severity": 9,
}
MULTIPLIER = re.compile(r"[×x]\s?\d")


@pytest.fixture(scope="module")
def kb() -> KnowledgeBase:
    return default_model().kb


def _strain() -> dict[str, Any]:
    answers = yaml.safe_load((EXAMPLES / "lifting-strain.yaml").read_text())
    return assess(answers).to_dict()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_interview_warning_shows_the_level_the_result_will_show(
    kb: KnowledgeBase, lang: str
) -> None:
    rules = urgent_red_flags(CHEST_TO_BACK)
    assert rules  # an urgent rule fired mid-interview...
    rule_level = max(default_model().rule_ranks[r] for r in rules)
    notice = urgent_notice(kb, CHEST_TO_BACK, lang)
    result = assess(CHEST_TO_BACK).triage.level
    assert notice is not None and notice.level == result == "emergency_ambulance"
    assert rule_level < 4  # ...whose own level is lower than the result's
    assert notice.label == kb.texts.triage[result].label.get(lang)
    assert notice.because and kb.texts.findings["loc_chest"].label.get(lang).lower() in (
        notice.because.lower()
    )
    assert notice.may_rise is None  # already the most urgent level


def test_an_emergency_department_warning_says_it_may_rise(kb: KnowledgeBase) -> None:
    answers = {"age": 40, "sex": "male", "fever": True, "confusion": True}
    notice = urgent_notice(kb, answers, "en")
    assert notice is not None and notice.level == assess(answers).triage.level == "emergency"
    assert notice.may_rise == kb.texts.ui["urgent_may_rise"].en
    assert urgent_notice(kb, {"age": 40, "sex": "male"}, "en") is None
    assert urgent_notice(kb, {"loc_chest": True}, "en") is None  # no age or sex yet


@pytest.mark.parametrize("lang", LANGUAGES)
def test_urgent_banner_says_why_in_the_persons_words(kb: KnowledgeBase, lang: str) -> None:
    view = result_view(kb, assess(CHEST_TO_BACK).to_dict(), lang)
    assert view.triage.urgent and view.triage.because
    prefix = kb.texts.ui["triage_because"].get(lang).split("{")[0]
    assert view.triage.because.startswith(prefix)
    assert kb.texts.findings["loc_mid_back"].label.get(lang).lower() in view.triage.because.lower()
    assert result_view(kb, _strain(), lang).triage.because is None  # self-care: no banner


def test_help_is_called_for_once_and_reported_signs_are_not_warned_of(kb: KnowledgeBase) -> None:
    urgent = result_view(kb, assess(CHEST_TO_BACK).to_dict(), "en")
    assert urgent.call_for_help is None and not urgent.warnings  # the banner says it
    strain = result_view(kb, _strain(), "en")
    assert strain.warnings and strain.call_for_help is None  # the warning list says it
    sudden = assess(SUDDEN_SEVERE).to_dict()
    engine = {w["rule"] for w in sudden["triage"]["warning_signs"]}
    shown = {w.watch_for for w in result_view(kb, sudden, "en").warnings}
    assert shown  # the heart and nerve warnings stay
    assert not any(text.startswith("sudden, very severe pain") for text in shown)
    # the engine's list still names the rule; the view leaves it out for this person
    dropped = {"rf_sudden_severe_left_upper", "rf_older_sudden_severe_loin_pain"}
    assert dropped & engine or not any("sudden, very severe" in t for t in shown)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_patient_reasons_are_words_and_likelihood_a_band(kb: KnowledgeBase, lang: str) -> None:
    result = assess(CHEST_TO_BACK).to_dict()
    patient = result_view(kb, result, lang)
    words = {
        kb.texts.ui[key].get(lang)
        for key in (
            "reason_strongly_points_to",
            "reason_points_to",
            "reason_points_against",
            "reason_strongly_points_against",
        )
    }
    bands = {kb.texts.ui[k].get(lang) for k in ("likelihood_high", "likelihood_moderate")}
    bands.add(kb.texts.ui["likelihood_low"].get(lang))
    for cause in (*patient.causes, *patient.serious):
        assert cause.chance in bands and "%" not in cause.chance
        for label, text in cause.why:
            assert text in words and not MULTIPLIER.search(label + text)
    clinician = result_view(kb, result, lang, clinician=True)
    assert "%" in clinician.causes[0].chance
    assert any("×" in text for _, text in clinician.causes[0].why)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_why_asked_names_a_body_system_not_a_disease(kb: KnowledgeBase, lang: str) -> None:
    question = Question(
        "foamy_urine", "boolean", ("foamy_urine",), Purpose("rule_out", ("glomerulonephritis",))
    )
    plain = why_asked(kb, question, lang)
    assert kb.texts.ui["system_kidney"].get(lang) in plain
    name = kb.texts.conditions["glomerulonephritis"].name.get(lang)
    assert name not in plain
    assert name in why_asked(kb, question, lang, clinician=True)


def test_numbers_and_dates_as_each_language_writes_them() -> None:
    assert format_number(0.5, "en") == "0.5"
    assert format_number(0.5, "uk") == format_number(0.5, "ru") == "0,5"
    assert format_number(7, "uk") == "7"
    assert format_date(date(2026, 12, 2), "en") == "2 December 2026"
    assert format_date(date(2026, 12, 2), "uk") == format_date(date(2026, 12, 2), "ru")
    assert format_date(date(2026, 12, 2), "ru") == "02.12.2026"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_self_care_plan_shows_three_of_each_first(kb: KnowledgeBase, lang: str) -> None:
    plan = result_view(kb, _strain(), lang).care_plan
    summary = kb.care_plan.patient_summary
    assert 0 < len(plan.first_options) <= summary.options
    assert 0 < len(plan.first_avoid) <= summary.avoid
    assert len(plan.first_do_now) <= summary.do_now
    kinds = [kb.treatments[item.id].kind for item in plan.first_options]
    assert len(set(kinds)) == len(kinds)  # not three kinds of exercise
    assert {kb.treatments[item.id].kind for item in plan.first_avoid}.isdisjoint(
        {"folk_remedy", "homeopathy", "apitherapy"}
    )
    assert [item.id for item in plan.first_avoid] == [
        "bed_rest",
        "lumbar_belt_corset",
        "paracetamol",
    ]
    not_covered = kb.texts.ui["position_not_covered"].get(lang)
    assert not any(not_covered in item.positions for item in (*plan.options, *plan.avoid))
    assert len(plan.options) + len(plan.avoid) > 20  # the rest is kept for "more"


def test_self_care_result_says_when_to_see_someone_not_whom(kb: KnowledgeBase) -> None:
    assert not result_view(kb, _strain(), "en").visit_needed
    assert result_view(kb, assess(CHEST_TO_BACK).to_dict(), "en").visit_needed
    assert result_view(kb, _strain(), "en", clinician=True).visit_needed


@pytest.mark.parametrize("lang", LANGUAGES)
def test_programme_header_reads_for_a_person(kb: KnowledgeBase, lang: str) -> None:
    today = date(2026, 12, 2)
    programme = build_programme(
        assess(yaml.safe_load((EXAMPLES / "lifting-strain.yaml").read_text())),
        (),
        start=today,
        today=today,
        days=3,
    )
    title = day_title(kb, programme.days[0], True, lang)
    assert "step" not in title.lower() and "0 of" not in title and "0 з" not in title
    assert title[0].isupper() and format_date(today, lang) in title
    assert minutes_text(kb, 0.5, lang) == kb.texts.ui["programme_minutes_under_one"].get(lang)
    assert "0.5" not in minutes_text(kb, 0.5, lang)


def test_no_result_text_refers_to_the_article(kb: KnowledgeBase) -> None:
    for treatment in kb.treatments.values():
        for field in (treatment.text.what, treatment.text.patient_note):
            if field is not None:
                assert "the article" not in field.en
                assert not re.search(r"\bстатт[іяею]", field.uk)
                assert not re.search(r"\bстать[еия]", field.ru)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_terminal_result_speaks_plainly(kb: KnowledgeBase, lang: str) -> None:
    out = io.StringIO()
    render_assessment(Console(file=out, width=120), kb, assess(CHEST_TO_BACK), lang)
    text = out.getvalue()
    assert not MULTIPLIER.search(text) and "%" not in text
    assert kb.texts.ui["triage_because"].get(lang).split("{")[0] in text
    assert text.count(kb.texts.ui["disclaimer"].get(lang)[:20]) == 1
    out = io.StringIO()
    render_assessment(Console(file=out, width=120), kb, assess(_strain()["answers"]), lang)
    strain = out.getvalue()
    assert kb.texts.ui["when_to_see_heading"].get(lang) in strain
    assert kb.texts.ui["see_whom_heading"].get(lang) not in strain
