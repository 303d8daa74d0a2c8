"""The care plan: what to do now, what to discuss with a doctor, what to avoid, prevention. Pure.

The plan names treatments by id, each with its evidence label and its line (first, second
or restricted); it lists every option whatever its line. Interfaces show them from the
knowledge base in patient mode (first-line options only, by class and plain note, never a
prescription dose; second-line ones named in one line; restricted ones never offered) or
clinician mode (every option with its line, INN, dosing, contraindications and risks).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from lumbar.engine.answers import AnswerValue
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import Treatment, triage_rank

EVIDENCE_ORDER = (
    "recommended",
    "may_be_considered",
    "insufficient_evidence",
    "not_recommended",
    "unsafe",
)
OFFERED = frozenset({"recommended", "may_be_considered"})
AVOIDED = frozenset({"not_recommended", "unsafe"})
EMERGENCY_RANK = triage_rank("emergency")
SOON_RANK = triage_rank("consultation_24")
HANDS_ON = frozenset({"massage", "manual_therapy", "exercise", "physical_therapy"})

Advice = Literal[
    "care_emergency",
    "care_until_seen",
    "care_specific_cause",
    "care_stay_active",
    "care_no_bed_rest",
]


@dataclass(frozen=True)
class PlanItem:
    """One treatment in the plan, with its evidence label, its line and the conditions it is
    for."""

    treatment: str
    kind: str
    evidence: str
    line: str  # first, second or restricted (restricted when the catalogue gives none)
    nice_ng59: str
    acp_2017: str
    for_conditions: tuple[str, ...]  # empty: back pain in general


@dataclass(frozen=True)
class CarePlan:
    phase: str  # acute, subacute or chronic
    conditions: tuple[str, ...]  # the conditions the plan is built for
    do_now: tuple[Advice, ...]  # advice keys, worded in text/ui.yaml
    options: tuple[PlanItem, ...]  # recommended or may be considered, of every line
    avoid: tuple[PlanItem, ...]  # not recommended or unsafe, with the reason in the catalogue
    prevention: tuple[PlanItem, ...]
    hold_hands_on: bool  # exercise, massage and manual therapy wait until a doctor has seen you


def _item(treatment: Treatment, conditions: tuple[str, ...]) -> PlanItem:
    return PlanItem(
        treatment=treatment.id,
        kind=treatment.kind,
        evidence=treatment.evidence,
        line=treatment.line or "restricted",
        nice_ng59=treatment.nice_ng59.position,
        acp_2017=treatment.acp_2017.position,
        for_conditions=tuple(c for c in treatment.conditions if c in conditions),
    )


def _order(item: PlanItem) -> tuple[int, str, str]:
    return (EVIDENCE_ORDER.index(item.evidence), item.kind, item.treatment)


def _avoid_order(item: PlanItem) -> tuple[bool, bool, str, str]:
    """Unsafe first, then what NICE says not to offer, then the rest."""
    return (item.evidence != "unsafe", item.nice_ng59 != "do_not_offer", item.kind, item.treatment)


def phase_of(kb: KnowledgeBase, answers: Mapping[str, AnswerValue]) -> str:
    """Acute, subacute or chronic, from the duration answer (acute when unknown)."""
    duration = answers.get("duration")
    if isinstance(duration, str):
        return kb.care_plan.phase_by_duration.get(duration, "acute")
    return "acute"


def build_care_plan(
    kb: KnowledgeBase,
    ranked: Sequence[tuple[str, float]],
    level: str,
    answers: Mapping[str, AnswerValue],
    red_flag_fired: bool,
) -> CarePlan:
    """The plan for the conditions that lead (`ranked`: most probable first), the triage
    level and the phase; red flags or emergency triage hold back everything hands-on."""
    policy = kb.care_plan
    phase = phase_of(kb, answers)
    conditions = tuple(
        cid
        for position, (cid, probability) in enumerate(ranked)
        if position == 0 or probability >= policy.plan_min_probability
    )
    general = any(cid in policy.general_back_pain_conditions for cid in conditions)
    emergency = triage_rank(level) >= EMERGENCY_RANK
    hold = emergency or red_flag_fired or not general

    options: list[PlanItem] = []
    avoid: list[PlanItem] = []
    for treatment in kb.treatments.values():
        if treatment.kind == "prevention" or phase not in treatment.phases:
            continue
        relevant = bool(set(treatment.conditions) & set(conditions)) or (
            general and not treatment.conditions
        )
        if not relevant:
            continue
        if treatment.evidence in AVOIDED:
            named = treatment.seed_mentions or treatment.conditions
            if named or treatment.nice_ng59.position == "do_not_offer":
                avoid.append(_item(treatment, conditions))
        elif (
            treatment.evidence in OFFERED
            and not emergency
            and not (hold and treatment.kind in HANDS_ON)
        ):
            options.append(_item(treatment, conditions))

    risk_factors = {fid for fid, value in answers.items() if value is True}
    prevention = [
        _item(t, conditions)
        for t in kb.treatments.values()
        if t.kind == "prevention"
        and general
        and not emergency
        and (not t.prevention_for or risk_factors & set(t.prevention_for))
    ]
    return CarePlan(
        phase=phase,
        conditions=conditions,
        do_now=_advice(emergency, red_flag_fired or triage_rank(level) >= SOON_RANK, general),
        options=tuple(sorted(options, key=_order)),
        avoid=tuple(sorted(avoid, key=_avoid_order)),
        prevention=tuple(sorted(prevention, key=_order)),
        hold_hands_on=hold,
    )


def _advice(emergency: bool, urgent: bool, general: bool) -> tuple[Advice, ...]:
    if emergency:
        return ("care_emergency",)
    advice: list[Advice] = []
    if urgent:
        advice.append("care_until_seen")
    if general:
        advice += ["care_stay_active", "care_no_bed_rest"]
    else:
        advice.append("care_specific_cause")
    return tuple(advice)
