"""The assessment: answers in, triage and a ranked, explained differential out. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np

from lumbar.engine.answers import AnswerValue, validate_answers
from lumbar.engine.model import CompiledModel, Vector, default_model
from lumbar.engine.rules import atom_finding, atom_holds, atoms, holds
from lumbar.kb.models import TRIAGE_ORDER, triage_rank

LEADING_COUNT = 3  # conditions whose specialists, tests and warnings are reported
REFERRAL_MIN_PROBABILITY = 0.05
ALWAYS_WARN = ("rf_cardiac_pain", "rf_cauda_equina", "rf_collapse_sudden_pain")
MAX_WARNINGS = 6


@dataclass(frozen=True)
class Contribution:
    """How one answer moved one condition: P(answer | condition) / P(answer | reference)."""

    finding: str
    answer: AnswerValue
    likelihood_ratio: float


@dataclass(frozen=True)
class RankedCondition:
    id: str
    probability: float
    urgency: str
    contributions: tuple[Contribution, ...]  # strongest first


@dataclass(frozen=True)
class FiredRule:
    id: str
    kind: str
    level: str
    findings: tuple[str, ...]  # answers that satisfied the rule's atoms


@dataclass(frozen=True)
class TriageReason:
    """One thing that asks for a triage level."""

    source: Literal["red_flag", "escalation", "suspected_condition", "leading_condition"]
    id: str
    level: str
    probability: float | None = None  # the condition's escalation probability
    threshold: float | None = None


@dataclass(frozen=True)
class WarningSign:
    """A rule that has not fired and would make things more urgent if it did."""

    rule: str
    level: str
    findings: tuple[str, ...]


@dataclass(frozen=True)
class Triage:
    level: str
    time_frame_hours: float | None
    set_by: tuple[TriageReason, ...]  # the reasons at the final level
    reasons: tuple[TriageReason, ...]  # every reason above self-care, most urgent first
    warning_signs: tuple[WarningSign, ...]


@dataclass(frozen=True)
class Assessment:
    kb_version: str
    answers: dict[str, AnswerValue]
    age_band: tuple[int, int]
    triage: Triage
    conditions: tuple[RankedCondition, ...]  # most probable first
    red_flags: tuple[FiredRule, ...]
    specialists: tuple[str, ...]
    tests: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of the whole assessment."""
        return asdict(self)


TIME_FRAME_HOURS: dict[str, float | None] = {
    "emergency_ambulance": 0.0,
    "emergency": 4.0,
    "consultation_24": 24.0,
    "consultation": 14 * 24.0,
    "self_care": None,
}


def _softmax(scores: Vector) -> Vector:
    top = np.max(scores)
    weights = np.exp(scores - top)
    normalised: Vector = weights / weights.sum()
    return normalised


def _fired_rules(model: CompiledModel, answers: Mapping[str, AnswerValue]) -> list[FiredRule]:
    fired = []
    for rule in model.kb.red_flags:
        if holds(rule.when, answers):
            findings = sorted({atom_finding(a) for a in atoms(rule.when) if atom_holds(a, answers)})
            fired.append(FiredRule(rule.id, rule.kind, rule.level, tuple(findings)))
    return fired


def _danger_answers(model: CompiledModel, answers: Mapping[str, AnswerValue]) -> set[str]:
    """Answers that satisfy any red-flag atom: they may raise suspicion, never lower it."""
    return {
        fid
        for fid in answers
        if any(atom_holds(atom, answers) for atom in model.rule_atoms.get(fid, ()))
    }


def _escalation_probabilities(
    plain_scores: Vector, danger: list[Vector], candidates: np.ndarray
) -> Vector:
    """For each candidate condition c, its posterior when danger answers never count against it.

    Each danger answer's log-likelihood for every other condition is capped at c's own, so a
    danger sign can raise c relative to the rest but never lower it. Adding a danger answer
    therefore never lowers any escalation probability.
    """
    result = np.zeros(len(plain_scores))
    for c in candidates:
        scores = plain_scores.copy()
        for loglik in danger:
            scores += np.minimum(loglik, loglik[c])
        result[c] = _softmax(scores)[c]
    return result


def _triage(
    model: CompiledModel,
    answers: Mapping[str, AnswerValue],
    prior: Vector,
    fired: list[FiredRule],
) -> tuple[str, list[TriageReason]]:
    danger_ids = _danger_answers(model, answers)
    plain = prior.copy()
    danger: list[Vector] = []
    for fid, value in answers.items():
        evidence = model.evidence_for(fid, value)
        if evidence is None:
            continue
        if fid in danger_ids:
            danger.append(evidence.loglik)
        else:
            plain += evidence.loglik

    reasons = [
        TriageReason("red_flag" if r.kind == "red_flag" else "escalation", r.id, r.level)
        for r in fired
    ]
    plain_posterior = _softmax(plain)
    leading = int(np.argmax(plain_posterior))
    reasons.append(
        TriageReason(
            "leading_condition",
            model.condition_ids[leading],
            TRIAGE_ORDER[model.urgency_rank[leading]],
            float(plain_posterior[leading]),
        )
    )
    floor = max(triage_rank(r.level) for r in reasons)
    possible = np.isfinite(prior) & (model.urgency_rank > floor)
    candidates = np.flatnonzero(possible)
    escalation = _escalation_probabilities(plain, danger, candidates) if danger else plain_posterior
    for c in candidates:
        if escalation[c] >= model.thresholds[c]:
            reasons.append(
                TriageReason(
                    "suspected_condition",
                    model.condition_ids[c],
                    TRIAGE_ORDER[model.urgency_rank[c]],
                    float(escalation[c]),
                    float(model.thresholds[c]),
                )
            )
    reasons = [r for r in reasons if r.level != "self_care" or r.source == "leading_condition"]
    reasons.sort(key=lambda r: -triage_rank(r.level))
    level = reasons[0].level
    return level, reasons


def _warning_signs(
    model: CompiledModel, level: str, fired: list[FiredRule], leading: list[str]
) -> tuple[WarningSign, ...]:
    fired_ids = {r.id for r in fired}
    rank = triage_rank(level)
    warnings = []
    for rule in model.kb.red_flags:
        if rule.id in fired_ids or triage_rank(rule.level) <= rank or rule.kind != "red_flag":
            continue
        if rule.id in ALWAYS_WARN or set(rule.related_conditions) & set(leading):
            findings = tuple(sorted({atom_finding(a) for a in atoms(rule.when)} - {"age"}))
            warnings.append(WarningSign(rule.id, rule.level, findings))
    warnings.sort(key=lambda w: (-triage_rank(w.level), w.rule not in ALWAYS_WARN))
    return tuple(warnings[:MAX_WARNINGS])


def _explain(
    model: CompiledModel, answers: Mapping[str, AnswerValue]
) -> dict[int, tuple[Contribution, ...]]:
    """For every condition, the answers it lists and their likelihood ratios, strongest first."""
    found: dict[int, list[Contribution]] = {}
    for fid, value in answers.items():
        evidence = model.evidence_for(fid, value)
        if evidence is None:
            continue
        ratios = np.exp(evidence.loglik - evidence.reference)
        for index in evidence.listed:
            found.setdefault(index, []).append(
                Contribution(fid, value, float(f"{ratios[index]:.4g}"))
            )
    return {
        index: tuple(sorted(items, key=lambda c: -abs(float(np.log(c.likelihood_ratio)))))
        for index, items in found.items()
    }


def _referrals(
    model: CompiledModel, ranked: list[tuple[str, float]]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    specialists: list[str] = []
    tests: list[str] = []
    for position, (cid, probability) in enumerate(ranked[:LEADING_COUNT]):
        if position > 0 and probability < REFERRAL_MIN_PROBABILITY:
            break
        data = model.kb.conditions[cid].data
        specialists.extend(s for s in data.specialists if s not in specialists)
        tests.extend(t for t in data.tests if t not in tests)
    return tuple(specialists), tuple(tests)


def assess(answers: Mapping[str, object], model: CompiledModel | None = None) -> Assessment:
    """Assess a person's answers: validate, rank conditions, apply red flags, decide triage.

    `answers` maps finding ids to true/false, a number or a choice; None or "unknown" means
    not answered. `age` and `sex` are required. Raises InvalidAnswers naming bad fields.
    """
    model = model or default_model()
    known = validate_answers(model.kb, answers)
    known = dict(sorted(known.items()))
    age = float(known["age"])
    band = model.age_band(age)
    prior = model.log_priors[(str(known["sex"]), band)]

    scores = prior.copy()
    for fid, value in known.items():
        evidence = model.evidence_for(fid, value)
        if evidence is not None:
            scores += evidence.loglik
    posterior = _softmax(scores)
    order = sorted(range(len(posterior)), key=lambda i: (-posterior[i], model.condition_ids[i]))

    fired = _fired_rules(model, known)
    level, reasons = _triage(model, known, prior, fired)
    ranked = [(model.condition_ids[i], float(posterior[i])) for i in order]
    leading = [cid for cid, _ in ranked[:LEADING_COUNT]]
    specialists, tests = _referrals(model, ranked)
    explanations = _explain(model, known)

    return Assessment(
        kb_version=model.kb.version,
        answers=known,
        age_band=model.age_bands[band],
        triage=Triage(
            level=level,
            time_frame_hours=TIME_FRAME_HOURS[level],
            set_by=tuple(r for r in reasons if r.level == level),
            reasons=tuple(reasons),
            warning_signs=_warning_signs(model, level, fired, leading),
        ),
        conditions=tuple(
            RankedCondition(
                id=model.condition_ids[i],
                probability=float(posterior[i]),
                urgency=TRIAGE_ORDER[model.urgency_rank[i]],
                contributions=explanations.get(i, ()),
            )
            for i in order
        ),
        red_flags=tuple(fired),
        specialists=specialists,
        tests=tests,
    )
