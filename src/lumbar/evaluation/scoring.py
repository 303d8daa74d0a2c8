"""The metrics of shared/spec/vignettes.md, with the vignettes that failed each."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any

from lumbar.engine import InvalidAnswers, assess
from lumbar.engine.model import CompiledModel, default_model
from lumbar.evaluation.interview_simulation import simulate_interview
from lumbar.evaluation.vignettes import Vignette
from lumbar.kb.models import triage_rank

EMERGENCY_LEVELS = frozenset({"emergency", "emergency_ambulance"})
METRICS = ("top1", "top3", "triage_exact", "under_triage", "over_triage", "emergency_sensitivity")
INTERVIEW_METRICS = ("interview_agreement", "interview_emergency_sensitivity")


@dataclass
class InterviewResult:
    """The simulated interview of one vignette."""

    questions: int
    triage: str
    ranked: list[str]


@dataclass
class VignetteResult:
    id: str
    triage: str | None
    ranked: list[str]
    gold_conditions: list[str]
    accepted: set[str]
    gold_triage: str
    probabilities: list[float] = field(default_factory=list)  # in the order of `ranked`
    error: str | None = None
    interview: InterviewResult | None = None

    def gold_probability(self) -> float:
        """p_gold: the summed probability of the gold conditions."""
        gold = set(self.gold_conditions)
        return sum(p for cid, p in zip(self.ranked, self.probabilities, strict=True) if cid in gold)

    def brier(self) -> float:
        """Multi-class Brier score with the gold conditions merged into one class."""
        gold = set(self.gold_conditions)
        others = sum(
            p * p for cid, p in zip(self.ranked, self.probabilities, strict=True) if cid not in gold
        )
        return (1.0 - self.gold_probability()) ** 2 + others

    def interview_agrees(self) -> bool:
        """Same triage as all at once, and the gold condition kept in the top three."""
        if self.interview is None or self.triage is None:
            return False
        gold = set(self.gold_conditions)
        kept = bool(set(self.interview.ranked[:3]) & gold) or not set(self.ranked[:3]) & gold
        return self.interview.triage == self.triage and kept


@dataclass
class Score:
    results: list[VignetteResult] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        """The metrics as fractions 0..1, and per metric the ids of the vignettes that failed."""
        failures: dict[str, list[str]] = {name: [] for name in METRICS}
        emergencies = 0
        for r in self.results:
            if r.error is not None or r.triage is None:
                for name in ("top1", "top3", "triage_exact"):
                    failures[name].append(r.id)
                if r.gold_triage in EMERGENCY_LEVELS:
                    emergencies += 1
                    failures["emergency_sensitivity"].append(r.id)
                continue
            if not set(r.ranked[:1]) & set(r.gold_conditions):
                failures["top1"].append(r.id)
            if not set(r.ranked[:3]) & set(r.gold_conditions):
                failures["top3"].append(r.id)
            ranks = [triage_rank(level) for level in r.accepted]
            got = triage_rank(r.triage)
            if r.triage not in r.accepted:
                failures["triage_exact"].append(r.id)
            if got < min(ranks):
                failures["under_triage"].append(r.id)
            if got > max(ranks):
                failures["over_triage"].append(r.id)
            if r.gold_triage in EMERGENCY_LEVELS:
                emergencies += 1
                if got < triage_rank("emergency"):
                    failures["emergency_sensitivity"].append(r.id)
        n = len(self.results)
        scored = [r for r in self.results if r.error is None and r.probabilities]

        def share(failed: int, total: int) -> float:
            return round(1 - failed / total, 4) if total else 1.0

        summary: dict[str, Any] = {
            "n": n,
            "top1": share(len(failures["top1"]), n),
            "top3": share(len(failures["top3"]), n),
            "triage_exact": share(len(failures["triage_exact"]), n),
            "under_triage": round(len(failures["under_triage"]) / n, 4) if n else 0.0,
            "over_triage": round(len(failures["over_triage"]) / n, 4) if n else 0.0,
            "emergency_sensitivity": share(len(failures["emergency_sensitivity"]), emergencies),
            "n_emergency": emergencies,
            "brier": round(statistics.fmean(r.brier() for r in scored), 4) if scored else None,
            "gold_probability_median": (
                round(statistics.median(r.gold_probability() for r in scored), 4)
                if scored
                else None
            ),
            "errors": {r.id: r.error for r in self.results if r.error is not None},
            "failures": failures,
        }
        if any(r.interview is not None for r in self.results):
            summary.update(self._interview_summary(failures))
        return summary

    def _interview_summary(self, failures: dict[str, list[str]]) -> dict[str, Any]:
        done = [r for r in self.results if r.interview is not None]
        failures["interview_agreement"] = [r.id for r in self.results if not r.interview_agrees()]
        emergencies = [r for r in self.results if r.gold_triage in EMERGENCY_LEVELS]
        failures["interview_emergency_sensitivity"] = [
            r.id
            for r in emergencies
            if r.interview is None or triage_rank(r.interview.triage) < triage_rank("emergency")
        ]
        n = len(self.results)
        counts = [r.interview.questions for r in done if r.interview is not None]
        return {
            "questions_median": statistics.median(counts) if counts else 0,
            "questions_max": max(counts, default=0),
            "interview_agreement": round(1 - len(failures["interview_agreement"]) / n, 4),
            "interview_emergency_sensitivity": (
                round(1 - len(failures["interview_emergency_sensitivity"]) / len(emergencies), 4)
                if emergencies
                else 1.0
            ),
        }


def score_vignettes(
    vignettes: list[Vignette], model: CompiledModel | None = None, interview: bool = False
) -> Score:
    """Assess every vignette all at once and score it against its gold answers.

    With `interview`, also simulate the interview on each vignette (shared/spec/vignettes.md).
    """
    model = model or default_model()
    score = Score()
    for vignette in vignettes:
        result = VignetteResult(
            id=vignette.id,
            triage=None,
            ranked=[],
            gold_conditions=vignette.gold.conditions,
            accepted=vignette.gold.accepted,
            gold_triage=vignette.gold.triage,
        )
        try:
            assessment = assess(vignette.all_answers(), model)
        except InvalidAnswers as error:
            result.error = str(error)
        else:
            result.triage = assessment.triage.level
            result.ranked = [c.id for c in assessment.conditions]
            result.probabilities = [c.probability for c in assessment.conditions]
            if interview:
                run = simulate_interview(vignette.all_answers(), model)
                result.interview = InterviewResult(
                    questions=len(run.questions),
                    triage=run.assessment.triage.level,
                    ranked=[c.id for c in run.assessment.conditions],
                )
        score.results.append(result)
    return score
