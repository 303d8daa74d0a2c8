"""What a knowledge-base edit changed: two scores of the same vignettes side by side."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lumbar.evaluation.scoring import Score, VignetteResult

COMPARED = (
    "top1",
    "top3",
    "triage_exact",
    "under_triage",
    "over_triage",
    "emergency_sensitivity",
    "brier",
    "gold_probability_median",
    "interview_agreement",
    "questions_median",
)


@dataclass(frozen=True)
class VignetteChange:
    """One vignette whose triage, leading cause or gold probability moved."""

    id: str
    triage: tuple[str | None, str | None]
    top1: tuple[str | None, str | None]
    gold_probability: tuple[float, float]
    gold_triage: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "gold_triage": self.gold_triage,
            "triage": list(self.triage),
            "top1": list(self.top1),
            "gold_probability": [round(p, 4) for p in self.gold_probability],
        }


def _top1(result: VignetteResult) -> str | None:
    return result.ranked[0] if result.ranked else None


def vignette_changes(base: Score, other: Score, tolerance: float = 0.01) -> list[VignetteChange]:
    """Vignettes (matched by id) whose triage or top cause changed, or whose gold
    probability moved by more than `tolerance`."""
    others = {result.id: result for result in other.results}
    changes: list[VignetteChange] = []
    for before in base.results:
        after = others.get(before.id)
        if after is None:
            continue
        moved = abs(before.gold_probability() - after.gold_probability()) > tolerance
        if before.triage != after.triage or _top1(before) != _top1(after) or moved:
            changes.append(
                VignetteChange(
                    before.id,
                    (before.triage, after.triage),
                    (_top1(before), _top1(after)),
                    (before.gold_probability(), after.gold_probability()),
                    before.gold_triage,
                )
            )
    return changes


def compare_scores(base: Score, other: Score) -> dict[str, Any]:
    """Every compared metric of both scores with its change, and the vignettes that moved."""
    before, after = base.summary(), other.summary()
    metrics = {}
    for name in COMPARED:
        if before.get(name) is None or after.get(name) is None:
            continue
        metrics[name] = {
            "base": before[name],
            "other": after[name],
            "change": after[name] - before[name],
        }
    newly_failed = {
        name: sorted(set(after["failures"][name]) - set(before["failures"].get(name, [])))
        for name in after["failures"]
    }
    return {
        "n": before["n"],
        "metrics": metrics,
        "newly_failed": {name: ids for name, ids in newly_failed.items() if ids},
        "changed": [change.to_dict() for change in vignette_changes(base, other)],
    }
