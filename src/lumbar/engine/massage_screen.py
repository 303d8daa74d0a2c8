"""The massage and manual-therapy contraindication screen. Pure.

A clinic runs it on a person's answers before a session: for massage and for manual therapy
separately, allowed, allowed with cautions or not allowed, and every reason. Open red flags,
urgent triage, a specific cause in the lead and unanswered required questions refuse both;
the rest is data (`massage_screen.yaml`).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

from lumbar.engine.answers import AnswerValue
from lumbar.engine.assessment import Assessment
from lumbar.engine.model import CompiledModel, default_model
from lumbar.engine.rules import atom_finding, atom_holds, atoms, compile_expression
from lumbar.kb.models import Modality, ScreenRule, triage_rank

Verdict = Literal["allowed", "allowed_with_cautions", "not_allowed"]
Source = Literal["rule", "red_flag", "urgent", "specific_cause", "incomplete"]
MODALITIES: tuple[Modality, ...] = ("massage", "manual_therapy")
SOON_RANK = triage_rank("consultation_24")


@dataclass(frozen=True)
class ScreenReason:
    """Why a modality is refused or adapted."""

    id: str  # the screen rule, the red-flag rule, or the built-in reason
    source: Source
    verdict: Literal["not_allowed", "caution"]
    applies_to: tuple[Modality, ...]
    findings: tuple[str, ...] = ()  # answers that triggered it
    conditions: tuple[tuple[str, float], ...] = ()  # conditions that triggered it


@dataclass(frozen=True)
class MassageScreen:
    massage: Verdict
    manual_therapy: Verdict
    reasons: tuple[ScreenReason, ...]  # refusals first
    missing: tuple[str, ...]  # required questions left unanswered
    protocols: tuple[str, ...]  # massage protocols that fit the phase and leading cause
    triage_level: str
    kb_version: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dictionary of the screen."""
        return asdict(self)


def _required(model: CompiledModel, answers: dict[str, AnswerValue]) -> list[str]:
    """Required questions that apply to this person (sex and the ages pregnancy is asked at)."""
    sex = answers.get("sex")
    age = answers.get("age")
    needed = []
    for fid in model.kb.massage_screen.required:
        finding = model.kb.findings[fid]
        if isinstance(sex, str) and sex not in finding.data.sexes:
            continue
        ask_only = model.kb.interview.ask_only.get(fid)
        if (
            ask_only is not None
            and ask_only.ages is not None
            and isinstance(age, int | float)
            and not ask_only.ages[0] <= age <= ask_only.ages[1]
        ):
            continue
        needed.append(fid)
    return needed


def _rule_reason(
    rule: ScreenRule, answers: dict[str, AnswerValue], probabilities: dict[str, float]
) -> ScreenReason | None:
    findings: tuple[str, ...] = ()
    if rule.when is not None and compile_expression(rule.when)(answers):
        findings = tuple(
            dict.fromkeys(atom_finding(a) for a in atoms(rule.when) if atom_holds(a, answers))
        )
    threshold = rule.min_probability if rule.min_probability is not None else 1.0
    conditions = tuple(
        (cid, round(probabilities[cid], 4))
        for cid in rule.conditions
        if probabilities.get(cid, 0.0) >= threshold
    )
    if not (findings or conditions):
        return None
    return ScreenReason(rule.id, "rule", rule.verdict, rule.applies_to, findings, conditions)


def _verdict(modality: Modality, reasons: list[ScreenReason]) -> Verdict:
    mine = [r for r in reasons if modality in r.applies_to]
    if any(r.verdict == "not_allowed" for r in mine):
        return "not_allowed"
    return "allowed_with_cautions" if mine else "allowed"


def screen_massage(assessment: Assessment, model: CompiledModel | None = None) -> MassageScreen:
    """Screen the assessed person for massage and manual therapy."""
    model = model or default_model()
    kb = model.kb
    answers = assessment.answers
    probabilities = {c.id: c.probability for c in assessment.conditions}
    reasons: list[ScreenReason] = [
        ScreenReason(rule.id, "red_flag", "not_allowed", MODALITIES, rule.findings)
        for rule in assessment.red_flags
        if rule.kind == "red_flag"
    ]
    if triage_rank(assessment.triage.level) >= SOON_RANK:
        reasons.append(ScreenReason("screen_urgent", "urgent", "not_allowed", MODALITIES))
    general = set(kb.care_plan.general_back_pain_conditions)
    leading = assessment.conditions[0] if assessment.conditions else None
    if leading is not None and leading.id not in general:
        reasons.append(
            ScreenReason(
                "screen_specific_cause",
                "specific_cause",
                "not_allowed",
                MODALITIES,
                conditions=((leading.id, round(leading.probability, 4)),),
            )
        )
    missing = tuple(fid for fid in _required(model, answers) if fid not in answers)
    if missing:
        reasons.append(
            ScreenReason("screen_incomplete", "incomplete", "not_allowed", MODALITIES, missing)
        )
    for rule in kb.massage_screen.rules:
        reason = _rule_reason(rule, answers, probabilities)
        if reason is not None:
            reasons.append(reason)
    reasons.sort(key=lambda r: r.verdict != "not_allowed")
    massage = _verdict("massage", reasons)
    phase = assessment.care_plan.phase
    protocols = tuple(
        protocol.id
        for protocol in kb.massage_protocols.values()
        if massage != "not_allowed"
        and phase in protocol.phases
        and (leading is None or not protocol.conditions or leading.id in protocol.conditions)
    )
    return MassageScreen(
        massage=massage,
        manual_therapy=_verdict("manual_therapy", reasons),
        reasons=tuple(reasons),
        missing=missing,
        protocols=protocols,
        triage_level=assessment.triage.level,
        kb_version=assessment.kb_version,
    )
