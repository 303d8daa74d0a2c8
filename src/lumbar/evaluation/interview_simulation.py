"""Simulating the interview on a vignette: the person answers from the vignette.

As shared/spec/vignettes.md says, the simulated person answers `false` to a yes/no
question about a finding the vignette does not list, and "don't know" to a number or
choice it does not list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lumbar.engine.assessment import Assessment
from lumbar.engine.interview import Interview, Question, Reply
from lumbar.engine.model import CompiledModel, default_model


@dataclass(frozen=True)
class InterviewRun:
    """One simulated interview: the questions asked and the final assessment."""

    questions: tuple[Question, ...]
    assessment: Assessment


def simulated_reply(question: Question, answers: dict[str, Any], model: CompiledModel) -> Reply:
    """What a person described by `answers` replies to `question`."""
    if question.kind == "multiple":
        return [fid for fid in question.findings if answers.get(fid) is True]
    fid = question.findings[0]
    value = answers.get(fid)
    if model.kb.findings[fid].type == "boolean":
        return value if isinstance(value, bool) else False
    return value


def simulate_interview(answers: dict[str, Any], model: CompiledModel | None = None) -> InterviewRun:
    """Run the interview to its end, replying from `answers` (age and sex included)."""
    model = model or default_model()
    interview = Interview()
    while (question := interview.next_question(model)) is not None:
        interview = interview.answer(question, simulated_reply(question, answers, model), model)
    return InterviewRun(interview.history, interview.assessment(model))
