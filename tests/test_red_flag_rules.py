"""Red-flag rules as the issue and the guidance name them: each fires from what a person can
tell, and the presentations guidance names reach their level."""

from __future__ import annotations

import pytest

from lumbar.engine import assess
from lumbar.engine.model import default_model
from lumbar.kb.models import AllOf, AnyOf, AtLeast, Expr, FindingIs, triage_rank

MODEL = default_model()
KB = MODEL.kb
EXAMINED = frozenset(KB.vocabulary.examined)
EMERGENCY = triage_rank("emergency")


def fires_without_examination(expr: Expr) -> bool:
    """Whether some answers a person can give, with every examined finding unknown, fire it."""
    if isinstance(expr, str):
        return expr not in EXAMINED
    if isinstance(expr, FindingIs):
        return expr.finding not in EXAMINED
    if isinstance(expr, AllOf):
        return all(fires_without_examination(part) for part in expr.all)
    if isinstance(expr, AnyOf):
        return any(fires_without_examination(part) for part in expr.any)
    assert isinstance(expr, AtLeast)
    return sum(fires_without_examination(part) for part in expr.of) >= expr.at_least


def test_every_emergency_can_be_reached_from_what_a_person_can_tell() -> None:
    """A rule that needs an examined sign is backed, for each condition it guards, by a rule of
    at least its level that fires from a person's own answers."""
    person = [rule for rule in KB.red_flags if fires_without_examination(rule.when)]
    for rule in KB.red_flags:
        if triage_rank(rule.level) < EMERGENCY or rule in person:
            continue
        for condition in rule.related_conditions:
            assert any(
                condition in other.related_conditions
                and triage_rank(other.level) >= triage_rank(rule.level)
                for other in person
            ), (rule.id, condition)


def test_examined_findings_are_not_asked_of_a_person() -> None:
    from lumbar.evaluation.interview_simulation import simulate_interview

    run = simulate_interview({"age": 70, "sex": "male", "loc_lower_back_central": True})
    asked = {fid for question in run.questions for fid in question.findings}
    assert not asked & EXAMINED


CASES = [
    # (answers, minimum level, rule that must fire)
    (
        {
            "age": 31,
            "sex": "male",
            "loc_flank_left": True,
            "onset_sudden": True,
            "chronic_kidney_disease": True,
        },
        "emergency",
        "rf_flank_pain_kidney_at_risk",
    ),
    (
        {
            "age": 55,
            "sex": "female",
            "loc_mid_back": True,
            "constant_pain": True,
            "duration": "weeks_lt_6",
        },
        "consultation_24",
        "rf_thoracic_pain_older",
    ),
    (
        {"age": 37, "sex": "female", "loc_chest": True, "loc_mid_back": True},
        "emergency",
        "rf_chest_through_to_back",
    ),
    (
        {"age": 82, "sex": "male", "loc_flank_right": True, "nausea_vomiting": True},
        "emergency",
        "rf_older_loin_colic",
    ),
    (
        {
            "age": 74,
            "sex": "male",
            "loc_lower_back_right": True,
            "duration": "days",
            "analgesics_ineffective": True,
        },
        "emergency",
        "rf_older_loin_colic",
    ),
    (
        {"age": 72, "sex": "male", "loc_abdomen": True, "rad_back_to_abdomen": True},
        "emergency",
        "rf_older_abdomen_to_back",
    ),
    (
        {
            "age": 70,
            "sex": "male",
            "loc_flank_right": True,
            "onset_sudden": True,
            "restless_cannot_lie_still": True,
            "smoker": True,
        },
        "emergency_ambulance",
        "rf_older_sudden_severe_loin_pain_arteriopath",
    ),
    (
        {
            "age": 55,
            "sex": "male",
            "loc_flank_right": True,
            "duration": "hours",
            "cardiovascular_risk": True,
        },
        "emergency",
        "rf_renal_embolism",
    ),
    (
        {
            "age": 35,
            "sex": "female",
            "loc_flank_right": True,
            "worse_deep_breath": True,
            "duration": "days",
        },
        "consultation_24",
        "rf_pleuritic_pain_acute",
    ),
    (
        {"age": 36, "sex": "female", "weight_loss": True, "night_sweats": True},
        "consultation",
        "rf_constitutional_symptoms",
    ),
    (
        {"age": 66, "sex": "male", "loc_flank_left": True, "char_colicky": True},
        "emergency",
        "rf_older_loin_colic",
    ),
    (
        {"age": 70, "sex": "male", "loc_flank_left": True, "fainting_dizziness": True},
        "emergency_ambulance",
        "rf_older_loin_pain_collapse",
    ),
    (
        {
            "age": 50,
            "sex": "female",
            "anticoagulant_use": True,
            "onset_sudden": True,
            "pain_worst_ever": True,
            "loc_flank_right": True,
        },
        "emergency",
        "rf_anticoagulant_sudden_pain",
    ),
    (
        {
            "age": 35,
            "sex": "male",
            "loc_flank_left": True,
            "char_colicky": True,
            "vomiting_cannot_keep_fluids": True,
        },
        "emergency",
        "rf_colic_complicated",
    ),
    (
        {
            "age": 35,
            "sex": "male",
            "loc_flank_left": True,
            "char_colicky": True,
            "solitary_kidney": True,
        },
        "emergency",
        "rf_colic_complicated",
    ),
    (
        {
            "age": 45,
            "sex": "male",
            "loc_mid_back": True,
            "onset_sudden": True,
            "known_aortic_disease": True,
        },
        "emergency_ambulance",
        "rf_acute_aortic_syndrome",
    ),
    (
        {
            "age": 40,
            "sex": "male",
            "rad_both_legs": True,
            "rad_leg_below_knee": True,
            "duration": "days",
        },
        "emergency",
        "rf_cauda_equina",
    ),
    (
        {"age": 40, "sex": "male", "loc_lower_back_central": True, "sexual_dysfunction_new": True},
        "emergency",
        "rf_cauda_equina",
    ),
    (
        {"age": 40, "sex": "male", "urinary_retention": True},
        "emergency",
        "rf_cauda_equina",
    ),
    (
        {"age": 30, "sex": "male", "injecting_drug_use": True, "night_pain": True},
        "consultation_24",
        "rf_infection_risk_spine",
    ),
    (
        {"age": 30, "sex": "male", "injecting_drug_use": True, "leg_weakness": True},
        "emergency",
        "rf_infection_risk_neuro",
    ),
    (
        {"age": 30, "sex": "female", "fever": True, "dysuria": True, "diabetes": True},
        "emergency",
        "rf_complicated_kidney_infection",
    ),
    (
        {"age": 30, "sex": "female", "fever": True, "loc_flank_left": True, "chills": True},
        "emergency",
        "rf_complicated_kidney_infection",
    ),
    ({"age": 30, "sex": "male", "high_energy_trauma": True}, "emergency", "rf_high_energy_trauma"),
    (
        {"age": 55, "sex": "female", "onset_after_trauma": True, "long_term_steroids": True},
        "consultation_24",
        "rf_fracture_risk",
    ),
    (
        {
            "age": 60,
            "sex": "male",
            "history_cancer": True,
            "loc_mid_back": True,
            "gait_disturbance": True,
        },
        "emergency",
        "rf_cord_compression",
    ),
    (
        {"age": 30, "sex": "male", "red_painful_eye": True, "morning_stiffness": True},
        "consultation_24",
        "rf_uveitis_inflammatory_pain",
    ),
    (
        {
            "age": 25,
            "sex": "male",
            "shoulder_tip_pain": True,
            "onset_after_trauma": True,
            "loc_left_hypochondrium": True,
        },
        "emergency_ambulance",
        "rf_shoulder_tip_after_blow",
    ),
    (
        {
            "age": 25,
            "sex": "female",
            "shoulder_tip_pain": True,
            "missed_period": True,
            "loc_abdomen": True,
        },
        "emergency_ambulance",
        "rf_shoulder_tip_pregnancy",
    ),
]


@pytest.mark.parametrize(("answers", "level", "rule"), CASES, ids=[c[2] for c in CASES])
def test_guidance_red_flags_fire(answers: dict[str, object], level: str, rule: str) -> None:
    result = assess(answers)
    assert rule in {r.id for r in result.red_flags}
    assert triage_rank(result.triage.level) >= triage_rank(level)


def test_no_rule_depends_on_a_pain_number_alone() -> None:
    """Where a rule asks for a pain score it also accepts severity in words."""
    from lumbar.engine.rules import atoms

    for rule in KB.red_flags:
        found = {a.finding if isinstance(a, FindingIs) else a for a in atoms(rule.when)}
        if "pain_severity" in found:
            assert found & {
                "pain_worst_ever",
                "restless_cannot_lie_still",
                "analgesics_ineffective",
                "onset_sudden",
            }, rule.id


def test_a_known_long_duration_lowers_a_rule_that_reads_an_unstated_one_as_acute() -> None:
    """`or_unknown`: chest pain through to the back with no duration is an emergency; the same
    pain known to have lasted six weeks, with no acute feature, is not this rule's."""
    unstated = {"age": 37, "sex": "female", "loc_chest": True, "loc_mid_back": True}
    assert "rf_chest_through_to_back" in {r.id for r in assess(unstated).red_flags}
    chronic = assess({**unstated, "duration": "weeks_6_to_12"})
    assert "rf_chest_through_to_back" not in {r.id for r in chronic.red_flags}


def test_an_unstated_duration_is_never_named_as_a_reason() -> None:
    result = assess({"age": 37, "sex": "female", "loc_chest": True, "loc_mid_back": True})
    fired = next(r for r in result.red_flags if r.id == "rf_chest_through_to_back")
    assert "duration" not in fired.findings


def test_or_unknown_is_only_on_context_choices() -> None:
    from lumbar.engine.rules import atoms

    for rule in KB.red_flags:
        for atom in atoms(rule.when):
            if isinstance(atom, FindingIs) and atom.or_unknown:
                assert atom.in_ is not None, rule.id
                assert atom.finding not in MODEL.danger_signs, rule.id
