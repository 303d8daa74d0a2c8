"""The knowledge base compiled into log-likelihood tables for fast, pure scoring."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

import numpy as np
import numpy.typing as npt

from lumbar.engine.answers import AnswerValue
from lumbar.engine.rules import Predicate, atom_finding, atoms, compile_expression
from lumbar.kb.loader import KnowledgeBase, default_knowledge_base
from lumbar.kb.models import TRIAGE_ORDER, FindingIs, RedFlagRule, triage_rank

Vector = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Evidence:
    """What one answer says about every condition."""

    loglik: Vector  # log P(answer | condition), one per condition
    reference: float  # log P(answer | reference population), from the base rate
    listed: tuple[int, ...]  # conditions that state a likelihood for this finding
    ratio: tuple[float, ...]  # P(answer | condition) / P(answer | reference), 4 digits
    strength: tuple[float, ...]  # |log ratio|, to order explanations


@dataclass(frozen=True)
class CompiledModel:
    """Priors, likelihood tables and rule atoms, indexed by condition position."""

    kb: KnowledgeBase
    condition_ids: tuple[str, ...]
    condition_index: dict[str, int]  # condition id -> position
    urgency_rank: npt.NDArray[np.int64]
    thresholds: Vector  # escalation threshold per condition
    age_bands: tuple[tuple[int, int], ...]
    log_priors: dict[tuple[str, int], Vector]
    evidence: dict[tuple[str, str], Evidence]  # (finding id, answer key) -> evidence
    bins: dict[str, dict[str, tuple[float, float]]]
    rule_findings: dict[str, dict[str, tuple[str | FindingIs, ...]]]  # rule -> finding -> atoms
    rule_predicates: dict[str, Predicate]  # rule id -> compiled `when`
    rule_ranks: dict[str, int]  # rule id -> triage rank of its level
    rules_by_finding: dict[str, tuple[str, ...]]  # finding -> rules that test it
    outcomes: dict[str, tuple[tuple[AnswerValue, ...], Vector]]  # finding -> answers, loglik rows
    danger_signs: frozenset[str]  # answers set aside when judging triage (kb.yaml)
    at_least_rank: Vector  # [rank, condition]: 1 where the condition's urgency is at least rank
    combined_thresholds: Vector  # per rank: the summed probability that raises triage to it

    def age_band(self, age: float) -> int:
        """Index of the age band containing `age` (the last band is open-ended)."""
        for index, (_, high) in enumerate(self.age_bands):
            if age < high + 1:
                return index
        return len(self.age_bands) - 1

    def answer_key(self, finding_id: str, value: AnswerValue) -> str | None:
        """The table key of an answer: yes/no, the choice, or the bin of a number."""
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, str):
            return value
        for name, (low, high) in self.bins.get(finding_id, {}).items():
            if low <= value <= high:
                return name
        return None

    def fired_rules(self, answers: Mapping[str, AnswerValue]) -> tuple[str, ...]:
        """The ids of the red-flag and escalation rules the answers fire, in file order."""
        return tuple(
            rule.id for rule in self.kb.red_flags if self.rule_predicates[rule.id](answers)
        )

    def evidence_for(self, finding_id: str, value: AnswerValue) -> Evidence | None:
        """The evidence of one answer, or None when it bears on no condition (age, sex)."""
        key = self.answer_key(finding_id, value)
        return None if key is None else self.evidence.get((finding_id, key))


def _log(values: list[float]) -> Vector:
    array = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore"):
        return np.log(array)


def _rule_atoms(rules: tuple[RedFlagRule, ...]) -> dict[str, tuple[str | FindingIs, ...]]:
    by_finding: dict[str, list[str | FindingIs]] = {}
    for rule in rules:
        for atom in atoms(rule.when):
            by_finding.setdefault(atom_finding(atom), []).append(atom)
    return {fid: tuple(found) for fid, found in by_finding.items()}


def _outcomes(
    kb: KnowledgeBase,
    evidence: dict[tuple[str, str], Evidence],
    bins: dict[str, dict[str, tuple[float, float]]],
) -> dict[str, tuple[tuple[AnswerValue, ...], Vector]]:
    """Every answer a finding can take (a number stands for the top of its bin), with rows."""
    rows: dict[str, list[tuple[AnswerValue, Vector]]] = {}
    for (fid, key), found in evidence.items():
        value: AnswerValue
        if kb.findings[fid].type == "boolean":
            value = key == "yes"
        elif fid in bins:
            value = bins[fid][key][1]
        else:
            value = key
        rows.setdefault(fid, []).append((value, found.loglik))
    return {
        fid: (tuple(v for v, _ in items), np.stack([row for _, row in items]))
        for fid, items in rows.items()
    }


def compile_model(kb: KnowledgeBase) -> CompiledModel:
    """Turn the knowledge base into the tables the engine scores with."""
    condition_ids = tuple(kb.conditions)
    index = {cid: i for i, cid in enumerate(condition_ids)}
    log_priors: dict[tuple[str, int], Vector] = {}
    for sex in ("female", "male"):
        for band in range(len(kb.priors.age_bands)):
            log_priors[(sex, band)] = _log(
                [getattr(kb.priors.priors[cid], sex)[band] for cid in condition_ids]
            )

    evidence: dict[tuple[str, str], Evidence] = {}
    bins: dict[str, dict[str, tuple[float, float]]] = {}
    settings = kb.meta.triage
    temper = settings.likelihood_temper
    benign = settings.benign_alarm_default
    benign_default = {(cid, fid) for cid in benign.conditions for fid in benign.findings}
    for fid, finding in kb.findings.items():
        base = finding.data.base
        if base is None:
            continue
        if finding.data.bins:
            bins[fid] = dict(finding.data.bins)
        listed = tuple(
            index[cid]
            for cid, cond in kb.conditions.items()
            if fid in cond.data.likelihoods or (cid, fid) in benign_default
        )
        if isinstance(base, dict):
            outcomes = dict(base)
        else:
            outcomes = {"yes": float(base), "no": 1.0 - float(base)}
        for key, base_p in outcomes.items():
            row: list[float] = []
            for cid in condition_ids:
                lik = kb.conditions[cid].data.likelihoods.get(fid)
                if lik is None and (cid, fid) in benign_default:
                    low = benign.ratio * float(base)  # type: ignore[arg-type]
                    row.append(low if key == "yes" else 1.0 - low)
                elif lik is None:
                    row.append(base_p)
                elif lik.p is not None:
                    row.append(lik.p if key == "yes" else 1.0 - lik.p)
                else:
                    row.append((lik.dist or {}).get(key, 0.0))
            reference = float(_log([base_p])[0])
            loglik = reference + temper * (_log(row) - reference)
            evidence[(fid, key)] = Evidence(
                loglik,
                reference,
                listed,
                tuple(float(f"{r:.4g}") for r in np.exp(loglik - reference)),
                tuple(float(w) for w in np.abs(loglik - reference)),
            )

    rule_findings = {rule.id: _rule_atoms((rule,)) for rule in kb.red_flags}
    rules_by_finding: dict[str, tuple[str, ...]] = {}
    for rule_id, by_finding in rule_findings.items():
        for fid in by_finding:
            rules_by_finding[fid] = (*rules_by_finding.get(fid, ()), rule_id)
    threshold_by_level = kb.meta.triage.escalation_threshold
    urgencies = [kb.conditions[cid].data.urgency for cid in condition_ids]
    return CompiledModel(
        kb=kb,
        condition_ids=condition_ids,
        condition_index=index,
        urgency_rank=np.asarray([triage_rank(u) for u in urgencies], dtype=np.int64),
        thresholds=np.asarray([threshold_by_level[u] for u in urgencies], dtype=np.float64),
        age_bands=kb.priors.age_bands,
        log_priors=log_priors,
        evidence=evidence,
        bins=bins,
        rule_findings=rule_findings,
        rule_predicates={rule.id: compile_expression(rule.when) for rule in kb.red_flags},
        rule_ranks={rule.id: triage_rank(rule.level) for rule in kb.red_flags},
        rules_by_finding=rules_by_finding,
        outcomes=_outcomes(kb, evidence, bins),
        at_least_rank=np.asarray(
            [
                [1.0 if triage_rank(u) >= rank else 0.0 for u in urgencies]
                for rank in range(len(TRIAGE_ORDER))
            ]
        ),
        combined_thresholds=np.asarray(
            [settings.combined_threshold.get(level, 2.0) for level in TRIAGE_ORDER]
        ),
        danger_signs=frozenset(
            fid
            for fid, finding in kb.findings.items()
            if finding.data.group in settings.danger_signs.groups
            or fid in settings.danger_signs.findings
        ),
    )


@cache
def default_model() -> CompiledModel:
    """The compiled packaged knowledge base, built once per process."""
    return compile_model(default_knowledge_base())
