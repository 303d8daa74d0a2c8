"""The web interview's state, carried in the page itself so nothing is stored on the server.

The state is the answers so far and, for each question asked, the findings it answered
(to go back). The engine picks the next question from the answers and the count asked,
so the state is all the server needs; a tampered state is checked like any other answers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from starlette.datastructures import FormData

from lumbar.engine import default_model, validate_answers
from lumbar.engine.answers import AnswerValue, InvalidAnswers
from lumbar.engine.interview import (
    NONE_OF_THESE,
    UNKNOWN,
    InvalidReply,
    Mode,
    Question,
    Reply,
    next_question,
    reply_answers,
    urgent_red_flags,
)
from lumbar.engine.wording import UNKNOWN_OPTION

STATE_FIELD = "state"
MAX_STATE_CHARS = 20_000
REQUIRED = ("age", "sex")


class BadForm(ValueError):
    """A form that cannot be read: `field` names which part, the message says why."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class InterviewState:
    """Answers so far and the findings each asked question answered, in order."""

    answers: dict[str, AnswerValue | None] = field(default_factory=dict)
    steps: tuple[tuple[str, ...], ...] = ()

    def encode(self) -> str:
        return json.dumps(
            {"answers": self.answers, "steps": [list(s) for s in self.steps]},
            separators=(",", ":"),
            sort_keys=True,
        )

    @property
    def known(self) -> dict[str, AnswerValue]:
        """The answers other than "don't know"."""
        return validate_answers(default_model().kb, self.answers, required=())

    @property
    def can_finish(self) -> bool:
        """Age and sex are known, so an assessment can be made."""
        return all(fid in self.known for fid in REQUIRED)

    def question(self, mode: Mode = "patient") -> Question | None:
        """The question to ask now, or None when the interview is over (None answers count
        as asked). A clinician's interview (`mode`) asks the examined findings too."""
        return next_question(self.answers, len(self.steps), None, mode)

    def answer(self, question: Question, reply: Reply) -> InterviewState:
        """The state with the reply recorded; raises InvalidReply or InvalidAnswers."""
        updates = reply_answers(question, reply)
        answers: dict[str, AnswerValue | None] = {
            **self.answers,
            **{fid: (None if v == UNKNOWN else v) for fid, v in updates.items()},
        }
        validate_answers(default_model().kb, answers, required=())
        return InterviewState(answers, (*self.steps, question.findings))

    def back(self) -> InterviewState:
        """The state before the last question."""
        if not self.steps:
            return self
        last = set(self.steps[-1])
        kept = {fid: v for fid, v in self.answers.items() if fid not in last}
        return InterviewState(kept, self.steps[:-1])

    def urgent(self) -> tuple[str, ...]:
        """Red-flag rules already calling for emergency care."""
        return urgent_red_flags(self.known)


def decode_state(raw: object) -> InterviewState:
    """The state from the form; raises BadForm naming what is wrong."""
    if raw is None or raw == "":
        return InterviewState()
    if not isinstance(raw, str) or len(raw) > MAX_STATE_CHARS:
        raise BadForm(STATE_FIELD, "missing or too long")
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as error:
        raise BadForm(STATE_FIELD, "not valid JSON") from error
    if not isinstance(data, dict) or set(data) != {"answers", "steps"}:
        raise BadForm(STATE_FIELD, "expected answers and steps")
    answers, steps = data["answers"], data["steps"]
    kb = default_model().kb
    if not isinstance(answers, dict) or not all(isinstance(k, str) for k in answers):
        raise BadForm(f"{STATE_FIELD}.answers", "expected an object of finding ids")
    unknown = sorted(set(answers) - set(kb.findings))
    if unknown:
        raise BadForm(f"{STATE_FIELD}.answers", f"unknown findings {unknown}")
    try:
        validate_answers(kb, answers, required=())
    except InvalidAnswers as error:
        raise BadForm(f"{STATE_FIELD}.answers", str(error)) from error
    if not isinstance(steps, list) or not all(
        isinstance(step, list) and step and all(fid in answers for fid in step) for step in steps
    ):
        raise BadForm(f"{STATE_FIELD}.steps", "every step must list answered findings")
    return InterviewState(dict(answers), tuple(tuple(step) for step in steps))


def read_reply(question: Question, form: FormData) -> Reply:
    """The reply to `question` from the form fields `reply` and `finding` (ticked boxes).

    Raises InvalidReply (no answer chosen, not a number) for the page to say so.
    """
    raw = form.get("reply")
    if raw == UNKNOWN_OPTION:
        return None
    if question.kind == "multiple":
        if raw == NONE_OF_THESE:
            return [NONE_OF_THESE]
        return [value for value in form.getlist("finding") if isinstance(value, str)]
    if question.kind == "number" and raw is None:
        raw = form.get("number")
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidReply(f"{question.id}: choose an answer")
    if question.kind == "boolean":
        if raw not in ("yes", "no"):
            raise InvalidReply(f"{question.id}: expected yes, no or unknown")
        return raw == "yes"
    if question.kind == "choice":
        return raw
    try:
        return float(raw.replace(",", "."))
    except ValueError as error:
        raise InvalidReply(f"{question.id}: expected a number") from error
