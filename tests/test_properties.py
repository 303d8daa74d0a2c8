"""Property tests of the engine's safety guarantees (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lumbar.engine import assess
from lumbar.engine.model import CompiledModel, default_model
from lumbar.engine.rules import atom_finding, atoms
from lumbar.kb.models import triage_rank

MODEL: CompiledModel = default_model()
KB = MODEL.kb
BOOLEAN = sorted(fid for fid, f in KB.findings.items() if f.type == "boolean")
MALE_BOOLEAN = [fid for fid in BOOLEAN if "male" in KB.findings[fid].data.sexes]
DANGER = sorted(
    {atom_finding(a) for rule in KB.red_flags for a in atoms(rule.when)}
    & set(BOOLEAN)
    & MODEL.danger_signs
)
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def answer_sets(draw: st.DrawFn) -> dict[str, object]:
    sex = draw(st.sampled_from(["female", "male"]))
    pool = BOOLEAN if sex == "female" else MALE_BOOLEAN
    chosen = draw(st.lists(st.sampled_from(pool), max_size=14, unique=True))
    answers: dict[str, object] = {fid: draw(st.booleans()) for fid in chosen}
    answers["age"] = draw(st.integers(16, 100))
    answers["sex"] = sex
    if draw(st.booleans()):
        answers["pain_severity"] = draw(st.integers(0, 10))
    if draw(st.booleans()):
        answers["duration"] = draw(st.sampled_from(KB.findings["duration"].vocab.values or ()))
    return answers


@SETTINGS
@given(answer_sets())
def test_probabilities_sum_to_one(answers: dict[str, object]) -> None:
    total = sum(c.probability for c in assess(answers).conditions)
    assert total == pytest.approx(1.0, abs=1e-9)


@SETTINGS
@given(answer_sets(), st.randoms(use_true_random=False))
def test_answer_order_does_not_matter(answers: dict[str, object], rng) -> None:  # type: ignore[no-untyped-def]
    items = list(answers.items())
    rng.shuffle(items)
    assert assess(dict(items)) == assess(answers)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answer_sets())
def test_adding_an_answer_that_fires_a_red_flag_never_lowers_triage(
    answers: dict[str, object],
) -> None:
    """Every danger sign that would take part in a fired red-flag rule is tried in turn.

    Context answers (where, what kind, how long, history) may re-explain the pain and lower
    it; danger signs never do (kb.yaml triage.danger_signs, docs/triage-policy.md)."""
    before = triage_rank(assess(answers).triage.level)
    sex = answers["sex"]
    for added in DANGER:
        if added in answers or sex not in KB.findings[added].data.sexes:
            continue
        after = assess({**answers, added: True})
        if any(added in r.findings for r in after.red_flags if r.kind == "red_flag"):
            assert triage_rank(after.triage.level) >= before, added


@SETTINGS
@given(answer_sets(), st.data())
def test_rules_that_fire_lower_nothing(answers: dict[str, object], data: st.DataObject) -> None:
    """Whatever else is answered, the triage is at least every fired rule's level."""
    result = assess(answers)
    for rule in result.red_flags:
        assert triage_rank(result.triage.level) >= triage_rank(rule.level)


@SETTINGS
@given(answer_sets(), st.data())
def test_unknown_answers_never_change_red_flag_decisions(
    answers: dict[str, object], data: st.DataObject
) -> None:
    before = assess(answers)
    unanswered = [fid for fid in BOOLEAN if fid not in answers]
    extra = data.draw(st.lists(st.sampled_from(unanswered), max_size=10, unique=True))
    after = assess({**answers, **{fid: "unknown" for fid in extra}})
    assert after.red_flags == before.red_flags
    assert after.triage == before.triage


@SETTINGS
@given(answer_sets())
def test_unanswered_danger_signs_never_end_in_self_care(answers: dict[str, object]) -> None:
    """Unknown is not no: with a core danger sign unanswered the result is never self-care."""
    result = assess(answers)
    if result.triage.unchecked:
        assert result.triage.level != "self_care"
        assert all(fid not in answers for fid in result.triage.unchecked)


def test_a_person_who_knows_nothing_is_not_sent_home() -> None:
    result = assess({"age": 58, "sex": "male"})
    assert result.triage.level == "consultation"
    assert {"saddle_anesthesia", "bladder_dysfunction", "fever"} <= set(result.triage.unchecked)
    assert result.triage.set_by[0].source == "unchecked"


def test_an_alarm_finding_counts_against_benign_conditions() -> None:
    """Bladder dysfunction moves non-specific back pain well below the neutral ratio of 1."""
    evidence = MODEL.evidence[("bladder_dysfunction", "yes")]
    benign = MODEL.condition_index["nonspecific_lbp"]
    assert evidence.ratio[benign] <= 0.3
    assert benign in evidence.listed
