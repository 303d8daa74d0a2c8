"""Validation of a person's answers against the knowledge base."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from lumbar.kb.loader import KnowledgeBase

AnswerValue = bool | float | str
UNKNOWN_WORDS = frozenset({"unknown", "dont_know", "don't know"})
MINIMUM_AGE = 16


@dataclass(frozen=True)
class AnswerProblem:
    """One invalid answer: which field and what is wrong with it."""

    field: str
    problem: str


class InvalidAnswers(ValueError):
    """The answers cannot be assessed; `problems` names every bad field and what is wrong
    with it, without repeating the value given (answers are health data)."""

    def __init__(self, problems: list[AnswerProblem]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{p.field}: {p.problem}" for p in problems))


def _check_one(kb: KnowledgeBase, field: str, value: object, sex: str | None) -> AnswerValue:
    finding = kb.findings[field]
    vocab = finding.vocab
    if vocab.type == "boolean":
        if not isinstance(value, bool):
            raise ValueError("must be true, false or unknown")
        if value and sex is not None and sex not in finding.data.sexes:
            raise ValueError(f"does not apply to sex {sex!r}")
        return value
    if vocab.type == "number":
        if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
            raise ValueError("must be a number")
        low, high = vocab.range or (-math.inf, math.inf)
        if field == "age" and value < MINIMUM_AGE:
            raise ValueError(f"lumbar is for adults aged {MINIMUM_AGE} or over")
        if not low <= value <= high:
            raise ValueError(f"must be between {low:g} and {high:g}")
        return float(value)
    if not isinstance(value, str) or value not in (vocab.values or ()):
        allowed = ", ".join(vocab.values or ())
        raise ValueError(f"must be one of {allowed}")
    return value


def validate_answers(
    kb: KnowledgeBase, answers: Mapping[str, object], required: tuple[str, ...] = ("age", "sex")
) -> dict[str, AnswerValue]:
    """Check every answer and return the known ones; unknown answers are dropped.

    The `required` findings (by default `age` and `sex`) must be known. An answer of None
    or "unknown" counts as not answered.
    A "no" to a finding that does not apply to the person's sex is accepted and carries no
    evidence; a "yes" is an error. Raises InvalidAnswers naming every field that is wrong.
    """
    if not isinstance(answers, Mapping):
        raise InvalidAnswers([AnswerProblem("answers", "must be a mapping of finding id to value")])
    problems: list[AnswerProblem] = []
    raw_sex = answers.get("sex")
    sex = raw_sex if raw_sex in ("female", "male") else None
    known: dict[str, AnswerValue] = {}
    for field, value in answers.items():
        if not isinstance(field, str) or field not in kb.findings:
            problems.append(AnswerProblem(str(field), "is not a finding id of the vocabulary"))
            continue
        if value is None or (isinstance(value, str) and value.lower() in UNKNOWN_WORDS):
            continue
        try:
            checked = _check_one(kb, field, value, sex)
        except ValueError as error:
            problems.append(AnswerProblem(field, str(error)))
            continue
        if checked is not False or sex is None or sex in kb.findings[field].data.sexes:
            known[field] = checked
    for name in required:
        if name not in known and not any(p.field == name for p in problems):
            problems.append(AnswerProblem(name, "is required"))
    if problems:
        raise InvalidAnswers(problems)
    return known
