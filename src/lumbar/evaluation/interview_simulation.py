"""Simulating the interview on a vignette: the person answers from the vignette.

As shared/spec/vignettes.md says, the simulated person answers `false` to a yes/no
question about a finding the vignette does not list, and "don't know" to a number or
choice it does not list; a checklist with nothing that applies gets "none of these".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lumbar.engine.assessment import Assessment
from lumbar.engine.interview import NONE_OF_THESE, Interview, Question, Reply
from lumbar.engine.model import CompiledModel, default_model


@dataclass(frozen=True)
class InterviewRun:
    """One simulated interview: the questions asked and the final assessment."""

    questions: tuple[Question, ...]
    assessment: Assessment


def simulated_reply(question: Question, answers: dict[str, Any], model: CompiledModel) -> Reply:
    """What a person described by `answers` replies to `question`."""
    if question.kind == "multiple":
        ticked = [fid for fid in question.findings if answers.get(fid) is True]
        return ticked or [NONE_OF_THESE]
    fid = question.findings[0]
    value = answers.get(fid)
    if model.kb.findings[fid].type == "boolean":
        return value if isinstance(value, bool) else False
    return value


def simulate_interview(answers: dict[str, Any], model: CompiledModel | None = None) -> InterviewRun:
    """Run the interview to its end, replying from `answers` (age and sex included).

    Examined findings the vignette lists are handed over at the start, as a clinician or an
    integration would supply them; they are not questions.
    """
    model = model or default_model()
    examined = set(model.kb.vocabulary.examined)
    interview = Interview(answers={fid: v for fid, v in answers.items() if fid in examined})
    while (question := interview.next_question(model)) is not None:
        interview = interview.answer(question, simulated_reply(question, answers, model), model)
    return InterviewRun(interview.history, interview.assessment(model))
