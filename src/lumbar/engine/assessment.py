"""The assessment: answers in, triage and a ranked, explained differential out. Pure."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from lumbar.engine.answers import AnswerValue, validate_answers
from lumbar.engine.care_plan import CarePlan, build_care_plan
from lumbar.engine.model import CompiledModel, Vector, default_model
from lumbar.engine.rules import atom_holds
from lumbar.kb.models import TRIAGE_ORDER, triage_rank

LEADING_COUNT = 3  # conditions whose specialists, tests and warnings are reported
REFERRAL_MIN_PROBABILITY = 0.05
ALWAYS_WARN = ("rf_cardiac_pain", "rf_cauda_equina", "rf_collapse_sudden_pain")
MAX_WARNINGS = 6
SUBSET_CHUNK = 2048


@dataclass(frozen=True, slots=True)
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

    source: Literal[
        "red_flag",
        "escalation",
        "suspected_condition",
        "leading_condition",
        "combined_conditions",
        "unchecked",
    ]
    id: str
    level: str
    probability: float | None = None  # the condition's probability
    threshold: float | None = None  # the probability that raises triage to `level`
    set_aside: tuple[str, ...] = ()  # red-flag answers left out for this estimate


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
    unchecked: tuple[str, ...] = ()  # danger signs left unanswered (kb.yaml triage.unchecked)


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
    care_plan: CarePlan

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


def _fired_rules(model: CompiledModel, answers: Mapping[str, AnswerValue]) -> list[FiredRule]:
    fired = []
    for rule in model.kb.red_flags:
        if model.rule_predicates[rule.id](answers):
            findings = sorted(
                fid
                for fid, tests in model.rule_findings[rule.id].items()
                if fid in answers and any(atom_holds(atom, answers) for atom in tests)
            )
            fired.append(FiredRule(rule.id, rule.kind, rule.level, tuple(findings)))
    return fired


@cache
def _removal_masks(k: int) -> npt.NDArray[np.float64]:
    """Every subset of k items as 0/1 rows, the empty subset first, then by size."""
    rows = [
        [1.0 if i in chosen else 0.0 for i in range(k)]
        for size in range(k + 1)
        for chosen in itertools.combinations(range(k), size)
    ]
    masks = np.asarray(rows, dtype=np.float64).reshape(len(rows), k)
    masks.flags.writeable = False
    return masks


def condition_levels(model: CompiledModel, scores: Vector) -> tuple[npt.NDArray[np.int64], Vector]:
    """Per row of log scores: the triage rank the conditions ask for, and the posteriors."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    weights = np.exp(shifted)
    posterior = weights / weights.sum(axis=1, keepdims=True)
    leading = model.urgency_rank[np.argmax(posterior, axis=1)]
    suspected = np.where(posterior >= model.thresholds[None, :], model.urgency_rank[None, :], 0)
    combined = (
        posterior @ model.at_least_rank.T >= model.combined_thresholds[None, :]
    ) * np.arange(len(TRIAGE_ORDER))
    return np.maximum(np.maximum(leading, suspected.max(axis=1)), combined.max(axis=1)), posterior


def _condition_reasons(
    model: CompiledModel, posterior: Vector, rank: int, set_aside: tuple[str, ...]
) -> list[TriageReason]:
    reasons = []
    leading = int(np.argmax(posterior))
    mass = float(posterior @ model.at_least_rank[rank])
    if rank and mass >= model.combined_thresholds[rank]:
        level = TRIAGE_ORDER[rank]
        reasons.append(
            TriageReason(
                "combined_conditions",
                f"causes_{level}",
                level,
                mass,
                float(model.combined_thresholds[rank]),
                set_aside,
            )
        )
    for c in np.flatnonzero(model.urgency_rank == rank):
        if posterior[c] >= model.thresholds[c] or c == leading:
            source: Literal["suspected_condition", "leading_condition"] = (
                "leading_condition" if c == leading else "suspected_condition"
            )
            reasons.append(
                TriageReason(
                    source,
                    model.condition_ids[c],
                    TRIAGE_ORDER[rank],
                    float(posterior[c]),
                    float(model.thresholds[c]),
                    set_aside,
                )
            )
    return reasons


def _triage(
    model: CompiledModel,
    answers: Mapping[str, AnswerValue],
    scores: Vector,
    full: tuple[npt.NDArray[np.int64], Vector],
    fired: list[FiredRule],
) -> tuple[str, list[TriageReason]]:
    """The most urgent of the fired rules and the conditions the answers point to.

    The conditions are judged on the full answers and again with every combination of the
    danger signs that fired a red-flag rule set aside; the most urgent result counts. So a
    danger sign can raise urgency but never lower it: reporting one never makes the triage
    less urgent. Context answers (where, what kind, how long, history) are never set aside:
    setting them aside would leave a picture too thin to rank and manufacture suspicions.
    """
    reasons = [
        TriageReason("red_flag" if r.kind == "red_flag" else "escalation", r.id, r.level)
        for r in fired
    ]
    floor = max((triage_rank(r.level) for r in reasons), default=0)
    red_flag_answers = sorted(
        {
            fid
            for rule in fired
            if rule.kind == "red_flag"
            for fid in rule.findings
            if fid in model.danger_signs
        }
    )
    removable = [
        (fid, evidence.loglik)
        for fid in red_flag_answers
        if (evidence := model.evidence_for(fid, answers[fid])) is not None
    ]
    full_levels, full_posterior = full
    best_rank, best_posterior = int(full_levels[0]), full_posterior[0]
    best_row: tuple[str, ...] = ()
    if removable and best_rank < len(TRIAGE_ORDER) - 1 and floor < len(TRIAGE_ORDER) - 1:
        masks = _removal_masks(len(removable))[1:]
        loglik = np.stack([vector for _, vector in removable])
        for start in range(0, len(masks), SUBSET_CHUNK):
            chunk = masks[start : start + SUBSET_CHUNK]
            levels, posterior = condition_levels(model, scores[None, :] - chunk @ loglik)
            row = int(np.argmax(levels))
            if levels[row] > best_rank:
                best_rank = int(levels[row])
                best_row = tuple(f for (f, _), m in zip(removable, chunk[row], strict=True) if m)
                best_posterior = posterior[row]
    if best_rank > 0:
        reasons += _condition_reasons(model, best_posterior, best_rank, best_row)
    if best_row:
        reasons += [
            r
            for r in _condition_reasons(model, full_posterior[0], int(full_levels[0]), ())
            if r.level != "self_care"
        ]
    reasons.sort(key=lambda r: -triage_rank(r.level))
    level = reasons[0].level if reasons else "self_care"
    return level, reasons


def _warning_signs(
    model: CompiledModel, level: str, fired: list[FiredRule], leading: list[str]
) -> tuple[WarningSign, ...]:
    fired_ids = {r.id for r in fired}
    rank = triage_rank(level)
    leading_ids = set(leading)
    warnings = []
    for rule in model.kb.red_flags:
        if rule.id in fired_ids or triage_rank(rule.level) <= rank or rule.kind != "red_flag":
            continue
        if rule.id in ALWAYS_WARN or leading_ids.intersection(rule.related_conditions):
            findings = tuple(sorted(model.rule_findings[rule.id].keys() - {"age"}))
            warnings.append(WarningSign(rule.id, rule.level, findings))
    warnings.sort(key=lambda w: (-triage_rank(w.level), w.rule not in ALWAYS_WARN))
    return tuple(warnings[:MAX_WARNINGS])


def _explain(
    model: CompiledModel, answers: Mapping[str, AnswerValue]
) -> dict[int, tuple[Contribution, ...]]:
    """For every condition, the answers it lists and their likelihood ratios, strongest first."""
    found: dict[int, list[tuple[float, Contribution]]] = {}
    for fid, value in answers.items():
        evidence = model.evidence_for(fid, value)
        if evidence is None:
            continue
        for index in evidence.listed:
            found.setdefault(index, []).append(
                (-evidence.strength[index], Contribution(fid, value, evidence.ratio[index]))
            )
    return {
        index: tuple(c for _, c in sorted(items, key=lambda item: item[0]))
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


def unchecked_danger_signs(
    model: CompiledModel, known: Mapping[str, AnswerValue]
) -> tuple[str, ...]:
    """The danger signs of the screen for everyone that are unanswered and apply to this
    person: unknown is not no, so while any is open the result is never self-care."""
    sex = known.get("sex")
    return tuple(
        fid
        for fid in model.kb.meta.triage.unchecked.findings
        if fid not in known and sex in model.kb.findings[fid].data.sexes
    )


def log_scores(model: CompiledModel, known: Mapping[str, AnswerValue]) -> Vector:
    """Log prior plus the log-likelihood of every known answer, per condition (unnormalised)."""
    band = model.age_band(float(known["age"]))
    scores = model.log_priors[(str(known["sex"]), band)].copy()
    for fid, value in known.items():
        evidence = model.evidence_for(fid, value)
        if evidence is not None:
            scores += evidence.loglik
    return scores


def assess(answers: Mapping[str, object], model: CompiledModel | None = None) -> Assessment:
    """Assess a person's answers: validate, rank conditions, apply red flags, decide triage.

    `answers` maps finding ids to true/false, a number or a choice; None or "unknown" means
    not answered. `age` and `sex` are required. Raises InvalidAnswers naming bad fields.
    """
    model = model or default_model()
    known = validate_answers(model.kb, answers)
    known = dict(sorted(known.items()))
    band = model.age_band(float(known["age"]))
    scores = log_scores(model, known)
    full = condition_levels(model, scores[None, :])
    posterior = full[1][0]
    order = sorted(range(len(posterior)), key=lambda i: (-posterior[i], model.condition_ids[i]))

    fired = _fired_rules(model, known)
    level, reasons = _triage(model, known, scores, full, fired)
    unchecked = unchecked_danger_signs(model, known)
    policy = model.kb.meta.triage.unchecked
    if unchecked and triage_rank(level) < triage_rank(policy.level):
        reasons.insert(0, TriageReason("unchecked", "unchecked_danger_signs", policy.level))
        level = policy.level
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
            unchecked=unchecked,
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
        care_plan=build_care_plan(
            model.kb, ranked, level, known, any(r.kind == "red_flag" for r in fired)
        ),
    )
