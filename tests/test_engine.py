"""The assessment engine: validation, determinism, explanations and clinical sanity."""

from __future__ import annotations

import pytest

from lumbar.engine import InvalidAnswers, assess
from lumbar.kb.models import triage_rank

STRAIN = {
    "age": 34,
    "sex": "male",
    "loc_lower_back_central": True,
    "onset_after_lifting": True,
    "worse_with_movement": True,
    "better_with_rest": True,
    "muscle_spasm": True,
    "duration": "days",
    "pain_severity": 6,
    "fever": False,
    "rad_leg_below_knee": False,
    "saddle_anesthesia": False,
    "bladder_dysfunction": False,
    "hematuria": False,
    "weight_loss": False,
    "history_cancer": False,
    "night_pain": False,
}
HEART_ATTACK = {
    "age": 66,
    "sex": "female",
    "loc_below_left_scapula": True,
    "char_pressing": True,
    "rad_arm_jaw_neck": True,
    "cold_sweat": True,
    "nausea_vomiting": True,
    "shortness_of_breath": True,
    "onset_sudden": True,
    "cardiovascular_risk": True,
    "worse_with_movement": False,
    "onset_after_lifting": False,
}
LEAKING_ANEURYSM = {
    "age": 72,
    "sex": "male",
    "loc_lower_back_central": True,
    "onset_sudden": True,
    "fainting_dizziness": True,
    "pulsatile_abdominal_mass": True,
    "pain_severity": 9,
    "smoker": True,
    "onset_after_lifting": False,
}


def _problem_fields(answers: dict[str, object]) -> dict[str, str]:
    with pytest.raises(InvalidAnswers) as caught:
        assess(answers)
    return {p.field: p.problem for p in caught.value.problems}


@pytest.mark.parametrize(
    ("answers", "field", "words"),
    [
        ({"age": 40, "sex": "male", "backache": True}, "backache", "not a finding id"),
        ({"age": 40, "sex": "male", "fever": "yes"}, "fever", "true, false or unknown"),
        ({"age": 40, "sex": "male", "pain_severity": 11}, "pain_severity", "between 0 and 10"),
        ({"age": 40, "sex": "male", "pain_severity": "bad"}, "pain_severity", "must be a number"),
        ({"age": 40, "sex": "male", "duration": "years"}, "duration", "must be one of"),
        ({"age": 40, "sex": "male", "pregnant": True}, "pregnant", "does not apply to sex 'male'"),
        ({"age": 15, "sex": "female"}, "age", "aged 16 or over"),
        ({"age": 40, "sex": "other"}, "sex", "must be one of"),
        ({"sex": "female"}, "age", "is required"),
        ({"age": 40}, "sex", "is required"),
    ],
)
def test_bad_answers_name_the_field(answers: dict[str, object], field: str, words: str) -> None:
    problems = _problem_fields(answers)
    assert field in problems
    assert words in problems[field]


def test_a_no_to_a_finding_of_the_other_sex_is_accepted_and_ignored() -> None:
    plain = assess({"age": 40, "sex": "male", "loc_flank_left": True})
    with_no = assess({"age": 40, "sex": "male", "loc_flank_left": True, "pregnant": False})
    assert with_no == plain


def test_every_bad_field_is_reported_at_once() -> None:
    problems = _problem_fields({"age": 200, "sex": "male", "fever": 3, "nope": True})
    assert set(problems) == {"age", "fever", "nope"}


def test_unknown_answers_do_not_count_as_no() -> None:
    base = {"age": 50, "sex": "female", "loc_flank_left": True}
    plain = assess(base)
    with_unknown = assess({**base, "fever": None, "hematuria": "unknown"})
    with_no = assess({**base, "fever": False, "hematuria": False})
    assert plain.conditions == with_unknown.conditions
    assert plain.conditions != with_no.conditions


def test_the_same_answers_give_the_same_assessment() -> None:
    assert assess(HEART_ATTACK) == assess(dict(reversed(list(HEART_ATTACK.items()))))


def test_probabilities_sum_to_one_and_impossible_conditions_get_zero() -> None:
    result = assess({"age": 40, "sex": "male", "loc_lower_back_central": True})
    assert sum(c.probability for c in result.conditions) == pytest.approx(1.0)
    by_id = {c.id: c.probability for c in result.conditions}
    assert by_id["ectopic_pregnancy"] == 0.0
    assert by_id["pregnancy_related_lbp"] == 0.0


def test_a_simple_lifting_strain_is_self_care() -> None:
    result = assess(STRAIN)
    assert result.triage.level == "self_care"
    assert result.conditions[0].id in {"lumbar_strain", "nonspecific_lbp"}
    assert result.red_flags == ()


def test_heart_attack_signs_with_shoulder_blade_pain_call_an_ambulance() -> None:
    result = assess(HEART_ATTACK)
    assert result.triage.level == "emergency_ambulance"
    assert "rf_cardiac_pain" in {r.id for r in result.red_flags}
    assert result.conditions[0].id in {"myocardial_infarction", "angina"}
    assert "ecg" in result.tests


def test_a_leaking_aneurysm_calls_an_ambulance_and_says_why() -> None:
    result = assess(LEAKING_ANEURYSM)
    assert result.triage.level == "emergency_ambulance"
    assert {r.id for r in result.triage.set_by} >= {"rf_pulsatile_mass_pain"}
    assert result.conditions[0].id == "aortic_aneurysm"


def test_explanations_show_which_answers_moved_a_condition() -> None:
    result = assess(HEART_ATTACK)
    heart = next(c for c in result.conditions if c.id == "myocardial_infarction")
    by_finding = {c.finding: c.likelihood_ratio for c in heart.contributions}
    assert by_finding["rad_arm_jaw_neck"] > 1
    assert by_finding["onset_after_lifting"] >= 1 or by_finding["worse_with_movement"] > 1
    ratios = [abs(c.likelihood_ratio) for c in heart.contributions]
    assert ratios and all(r > 0 for r in ratios)


def test_triage_reasons_are_ordered_and_warning_signs_are_more_urgent() -> None:
    result = assess(STRAIN)
    levels = [triage_rank(r.level) for r in result.triage.reasons]
    assert levels == sorted(levels, reverse=True)
    assert result.triage.warning_signs
    for warning in result.triage.warning_signs:
        assert triage_rank(warning.level) > triage_rank(result.triage.level)


def test_specialists_and_tests_come_from_the_leading_conditions(kb) -> None:  # type: ignore[no-untyped-def]
    result = assess(LEAKING_ANEURYSM)
    leading = kb.conditions[result.conditions[0].id].data
    assert result.specialists[: len(leading.specialists)] == leading.specialists
    assert result.tests[: len(leading.tests)] == leading.tests


def test_assessment_serialises_to_json() -> None:
    import json

    text = json.dumps(assess(HEART_ATTACK).to_dict())
    assert '"triage"' in text and '"kb_version"' in text
