"""The day-by-day exercise programme: start, progression, hold, regression, stop, safety."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lumbar.engine import assess
from lumbar.engine.assessment import Assessment
from lumbar.engine.diary import DiaryEntry
from lumbar.engine.programme import DiaryError, Programme, build_programme
from lumbar.kb.loader import KnowledgeBase

from .test_cli import lumbar

START = date(2026, 11, 2)
SAFETY_NOS = {
    "fever": False,
    "bladder_dysfunction": False,
    "saddle_anesthesia": False,
    "history_cancer": False,
    "onset_after_trauma": False,
    "weight_loss": False,
}
ACUTE_STRAIN: dict[str, Any] = {
    "age": 40,
    "sex": "male",
    "loc_lower_back_central": True,
    "onset_after_lifting": True,
    "duration": "days",
    "worse_with_movement": True,
    "muscle_spasm": True,
    "pain_severity": 6,
    "rad_leg_below_knee": False,
    **SAFETY_NOS,
}
CHRONIC = {**ACUTE_STRAIN, "duration": "months_gt_3", "onset_after_lifting": False}


def day(offset: int) -> date:
    return START + timedelta(days=offset)


def diary(*pains: int, first: int = 1) -> list[DiaryEntry]:
    return [DiaryEntry(day=day(first + i), pain=pain) for i, pain in enumerate(pains)]


def exercises_of(programme: Programme) -> set[str]:
    return {
        item.exercise
        for plan in programme.days
        for session in plan.sessions
        for item in session.items
    }


@pytest.fixture(scope="module")
def acute() -> Assessment:
    result = assess(ACUTE_STRAIN)
    assert result.triage.level == "self_care"
    return result


@pytest.fixture(scope="module")
def chronic() -> Assessment:
    return assess(CHRONIC)


def test_acute_start_is_gentle_and_safe(acute: Assessment, kb: KnowledgeBase) -> None:
    programme = build_programme(acute, start=START, days=10)
    assert programme.status == "active"
    assert programme.phase == "acute"
    first = programme.days[0]
    assert first.level == 0 and first.number == 1
    assert [s.id for s in first.sessions] == ["morning", "day", "evening"]
    for eid in exercises_of(programme):
        exercise = kb.exercises[eid]
        assert "acute" in exercise.phases
        assert not (exercise.impact or exercise.loaded_flexion), eid
        assert exercise.level <= 2


def test_sessions_keep_to_their_time(chronic: Assessment, kb: KnowledgeBase) -> None:
    programme = build_programme(chronic, start=START, days=30)
    budgets = {plan.id: plan.minutes[1] for plan in kb.programme.sessions}
    for plan in programme.days:
        for session in plan.sessions:
            assert session.minutes <= budgets[session.id] + 0.1, (plan.number, session)


def test_progression_every_few_days_when_the_diary_shows_coping(acute: Assessment) -> None:
    programme = build_programme(acute, diary(6, 5, 5, 5, 4, 4, 4, 4, 3), start=START, days=1)
    ups = [e for e in programme.events if e.kind == "stepped_up"]
    assert [e.day for e in ups] == [day(3), day(6), day(9)]
    assert programme.step == 3 and programme.level == 1


def test_repetitions_grow_then_harder_exercises_come_in(chronic: Assessment) -> None:
    programme = build_programme(chronic, start=START, days=20)
    reps = {
        plan.number: item.reps
        for plan in programme.days
        for session in plan.sessions
        for item in session.items
        if item.exercise == "ex_c1_rise_reach"
    }
    shown = sorted(reps.items())
    assert shown[0][1] < shown[-1][1]
    assert [r for _, r in shown] == sorted(r for _, r in shown)
    levels = [plan.level for plan in programme.days]
    assert levels[0] == 1 and max(levels) == 4 and levels == sorted(levels)


def test_no_step_up_without_diary_entries(acute: Assessment) -> None:
    programme = build_programme(acute, start=START, today=day(9), days=1)
    assert programme.step == 0
    assert [e.kind for e in programme.events] == ["no_diary"]


def test_pain_rising_by_two_steps_back(acute: Assessment) -> None:
    climbing = diary(5, 5, 5, 5)
    assert build_programme(acute, climbing, start=START).step == 1
    worse = [*climbing, DiaryEntry(day=day(5), pain=7)]
    programme = build_programme(acute, worse, start=START)
    assert programme.step == 0
    last = [e for e in programme.events if not e.planned][-1]
    assert last.kind == "stepped_back"
    assert last.pain_rise == 2


def test_pain_rising_by_one_holds(acute: Assessment) -> None:
    steady = build_programme(acute, diary(5, 5, 5), start=START, days=1)
    held = build_programme(acute, diary(5, 6, 6), start=START, days=1)
    assert steady.step == 1
    assert held.step == 0
    assert "held" in [e.kind for e in held.events]


def test_two_steps_back_in_a_week_ask_for_reassessment(acute: Assessment) -> None:
    programme = build_programme(acute, diary(4, 4, 4, 6, 6, 8), start=START, days=1)
    assert [e.kind for e in programme.events].count("stepped_back") == 2
    assert programme.reassess and "programme_reassess_pain" in programme.reasons
    assert programme.status == "active"


def test_new_leg_symptoms_step_back_and_drop_bending_and_twisting(
    chronic: Assessment, kb: KnowledgeBase
) -> None:
    entries = [*diary(4, 4, 4, 4, 4, 4, 4), DiaryEntry(day=day(8), pain=4, new_leg_symptoms=True)]
    before = build_programme(chronic, entries[:-1], start=START, days=14)
    after = build_programme(chronic, entries, start=START, days=14)
    assert after.step == before.step - 1
    assert "new_leg_symptoms_no_loaded_flexion_or_rotation" in after.restrictions
    assert "programme_reassess_leg" in after.reasons
    flagged = {eid for eid in exercises_of(before) if kb.exercises[eid].rotation}
    assert flagged, "the chronic programme twists before leg symptoms"
    for eid in exercises_of(after):
        assert not (kb.exercises[eid].loaded_flexion or kb.exercises[eid].rotation), eid


def test_red_flag_in_the_diary_stops_the_programme(acute: Assessment, kb: KnowledgeBase) -> None:
    signs = {"bladder_dysfunction": True, "saddle_anesthesia": True}
    entries = [*diary(4, 4), DiaryEntry(day=day(3), pain=3, warning_signs=signs)]
    programme = build_programme(acute, entries, start=START, days=7)
    assert programme.status == "stopped"
    assert programme.days == ()
    assert "rf_cauda_equina" in programme.stop_rules
    cauda = next(rule for rule in kb.red_flags if rule.id == "rf_cauda_equina")
    assert programme.stop_level == cauda.level
    assert programme.reasons == ("programme_stop_red_flag",)


def test_routine_warning_sign_holds_and_asks_for_review(acute: Assessment) -> None:
    entries = [*diary(4, 4), DiaryEntry(day=day(3), pain=4, warning_signs={"night_pain": True})]
    programme = build_programme(acute, entries, start=START, days=1)
    assert programme.status == "active"
    assert programme.step == 0
    assert "programme_reassess_warning" in programme.reasons


def test_open_red_flag_or_emergency_holds_everything() -> None:
    cauda = assess({**ACUTE_STRAIN, "bladder_dysfunction": True, "saddle_anesthesia": True})
    programme = build_programme(cauda, start=START)
    assert programme.status == "on_hold"
    assert programme.days == ()
    assert programme.reasons == ("programme_hold_emergency",)
    cleared = build_programme(cauda, start=START, cleared=True)
    assert cleared.status == "active"


def test_specific_cause_waits_for_the_doctor() -> None:
    colic = assess(
        {
            "age": 58,
            "sex": "male",
            "loc_flank_left": True,
            "char_colicky": True,
            "rad_groin": True,
            "hematuria": True,
            "restless_cannot_lie_still": True,
            "pain_severity": 9,
            "fever": False,
        }
    )
    programme = build_programme(colic, start=START)
    assert programme.status == "on_hold"
    assert programme.days == ()


def test_acute_nerve_root_pain_leaves_out_bending_and_twisting(kb: KnowledgeBase) -> None:
    sciatica = assess({**ACUTE_STRAIN, "rad_leg_below_knee": True, "worse_cough_sneeze": True})
    programme = build_programme(sciatica, start=START, days=40)
    assert programme.status == "active"
    assert "nerve_root_no_loaded_flexion_or_rotation" in programme.days[0].restrictions
    for eid in exercises_of(programme):
        assert not (kb.exercises[eid].loaded_flexion or kb.exercises[eid].rotation), eid


def test_pregnancy_no_lying_on_the_front(kb: KnowledgeBase) -> None:
    pregnant = assess({**CHRONIC, "sex": "female", "age": 30, "pregnant": True})
    programme = build_programme(pregnant, start=START, days=20, cleared=True)
    assert "programme_caution_pregnancy" in programme.advice
    for eid in exercises_of(programme):
        assert kb.exercises[eid].position != "lying_front"
        assert not kb.exercises[eid].impact


def test_osteoporosis_no_loaded_flexion_rotation_or_impact(kb: KnowledgeBase) -> None:
    fragile = assess({**CHRONIC, "age": 62, "sex": "female", "history_osteoporosis": True})
    programme = build_programme(fragile, start=START, days=30, cleared=True)
    for eid in exercises_of(programme):
        exercise = kb.exercises[eid]
        assert not (exercise.loaded_flexion or exercise.rotation or exercise.impact), eid


def test_phase_moves_on_with_time(acute: Assessment) -> None:
    settled = assess({**ACUTE_STRAIN, "duration": "weeks_lt_6"})
    programme = build_programme(settled, start=START, today=day(40), days=1)
    assert programme.phase == "subacute"
    assert "phase_changed" in [e.kind for e in programme.events]


def test_bad_diaries_name_the_problem(acute: Assessment) -> None:
    cases = [
        ([DiaryEntry(day=day(-1), pain=3)], "history[0].day"),
        ([DiaryEntry(day=day(1), pain=3), DiaryEntry(day=day(1), pain=4)], "history[1].day"),
        (
            [DiaryEntry(day=day(1), pain=3, warning_signs={"no_such_sign": True})],
            "history[0].warning_signs.no_such_sign",
        ),
    ]
    for entries, field in cases:
        with pytest.raises(DiaryError) as raised:
            build_programme(acute, entries, start=START)
        assert raised.value.field == field


@settings(max_examples=40, deadline=None)
@given(
    pains=st.lists(st.integers(0, 10) | st.none(), min_size=1, max_size=20),
    leg_day=st.integers(0, 25),
)
def test_any_diary_keeps_the_plan_safe(
    acute: Assessment, kb: KnowledgeBase, pains: list[int | None], leg_day: int
) -> None:
    entries = [
        DiaryEntry(day=day(i), pain=pain, new_leg_symptoms=i == leg_day)
        for i, pain in enumerate(pains)
        if pain is not None
    ]
    programme = build_programme(acute, entries, start=START, days=5)
    assert programme.step >= 0
    for plan in programme.days:
        for session in plan.sessions:
            for item in session.items:
                exercise = kb.exercises[item.exercise]
                assert plan.phase in exercise.phases
                assert exercise.level <= plan.level
                assert not exercise.impact
                if "new_leg_symptoms_no_loaded_flexion_or_rotation" in plan.restrictions:
                    assert not (exercise.loaded_flexion or exercise.rotation)
    assert programme == build_programme(acute, entries, start=START, days=5)


def test_cli_programme_json_and_screen(tmp_path: Any) -> None:
    run = lumbar(
        "programme",
        "--answers",
        "examples/lifting-strain.yaml",
        "--diary",
        "examples/diary.yaml",
        "--today",
        "2026-11-08",
        "--json",
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    assert result["status"] == "active"
    assert result["start"] == "2026-11-02"
    assert result["days"][0]["day"] == "2026-11-08"
    screen = lumbar(
        "programme",
        "--answers",
        "examples/lifting-strain.yaml",
        "--lang",
        "uk",
        "--start",
        "2026-11-02",
        "--today",
        "2026-11-02",
    )
    assert screen.returncode == 0, screen.stderr
    assert "Ваша програма вправ" in screen.stdout
    assert "Це не діагноз" in screen.stdout


def test_cli_programme_rejects_a_bad_diary_entry(tmp_path: Any) -> None:
    bad = tmp_path / "diary.yaml"
    bad.write_text("- {day: 2026-11-03, pain: 11}\n", encoding="utf-8")
    run = lumbar("programme", "--answers", "examples/lifting-strain.yaml", "--diary", str(bad))
    assert run.returncode == 2
    assert "0.pain" in run.stderr
