"""The adaptive interview: which question to ask next, and when to stop. Pure.

Order: who (age, sex, pregnancy), where it hurts, where it spreads, then danger signs
screened by context (the red-flag rules that could still fire and matter for the causes
now likely, plus the guidelines' screen for everyone), then single questions chosen by
expected value: information about the causes, weighted so that answers that could change
the triage level or the three leading causes win. The interview stops when no question
left is likely to change either, or at the question cap.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from lumbar.engine.answers import AnswerValue, validate_answers
from lumbar.engine.assessment import Assessment, assess, condition_levels, log_scores
from lumbar.engine.model import CompiledModel, Vector, default_model
from lumbar.engine.rules import atom_finding, atom_holds, atoms
from lumbar.kb.models import (
    TRIAGE_ORDER,
    AllOf,
    AnyOf,
    AtLeast,
    Expr,
    FindingIs,
    RedFlagRule,
    triage_rank,
)

UNKNOWN = "unknown"
OPENING = frozenset({"age", "sex", "pregnant"})  # asked first, never chosen by value
NONE_OF_THESE = "none_of_these"  # the explicit reply to a checklist when nothing applies
LOCATION_GROUP = "location"
SPREAD_GROUP = "spread"
MAX_GROUP_ITEMS = 10
ASKED_AS_GROUP = frozenset(
    {
        "character",
        "onset",
        "modifiers",
        "urine",
        "gut",
        "whole_body",
        "heart_lungs",
        "nerves",
        "skin",
        "periods_pregnancy",
        "history",
    }
)
TRIAGE_WEIGHT = 10.0  # bits of information one expected step of triage change is worth
LEADING_WEIGHT = 1.0  # bits one certain change of the three leading causes is worth
RULE_OUT_WEIGHT = 2.0  # bits an answer that rules an emergency in or out is worth
LEADING_COUNT = 3
URGENT_RANK = triage_rank("consultation_24")
EMERGENCY_RANK = triage_rank("emergency")

QuestionKind = Literal["number", "choice", "boolean", "multiple"]
PurposeKind = Literal[
    "about_you",
    "pregnancy",
    "location",
    "spread",
    "history_taking",
    "danger",
    "rule_out",
    "tell_apart",
]
Reply = bool | float | str | Collection[str] | None
Mode = Literal["patient", "clinician"]


@dataclass(frozen=True)
class Purpose:
    """Why a question is asked: the kind of reason and the conditions or rules behind it."""

    kind: PurposeKind
    conditions: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Question:
    """One question: a single finding, or a group where the person ticks all that apply."""

    id: str
    kind: QuestionKind
    findings: tuple[str, ...]
    purpose: Purpose


class InvalidReply(ValueError):
    """A reply that does not fit its question."""


@dataclass
class _State:
    """What is known now: posterior, fired rules and the triage the answers point to."""

    model: CompiledModel
    known: dict[str, AnswerValue]
    posterior: Vector = field(init=False)
    scores: Vector = field(init=False)
    fired: frozenset[str] = field(init=False)
    floor: int = field(init=False)
    level: int = field(init=False)

    def __post_init__(self) -> None:
        model = self.model
        self.scores = log_scores(model, self.known)
        levels, posterior = condition_levels(model, self.scores[None, :])
        self.posterior = posterior[0]
        self.fired = frozenset(model.fired_rules(self.known))
        self.floor = max((model.rule_ranks[rid] for rid in self.fired), default=0)
        self.level = max(self.floor, int(levels[0]))


def _entropy(posterior: Vector) -> Vector:
    safe = np.where(posterior > 0, posterior, 1.0)
    result: Vector = -(posterior * np.log2(safe)).sum(axis=-1)
    return result


# --- who may be asked what ------------------------------------------------------------------


def _applies(model: CompiledModel, fid: str, known: Mapping[str, AnswerValue]) -> bool:
    """Whether asking about `fid` makes sense for this person (sex, age, preconditions)."""
    finding = model.kb.findings[fid]
    if known.get("sex") not in finding.data.sexes:
        return False
    rule = model.kb.interview.ask_only.get(fid)
    if rule is None:
        return True
    if rule.ages is not None and not rule.ages[0] <= float(known["age"]) <= rule.ages[1]:
        return False
    if rule.unless_yes is not None and known.get(rule.unless_yes) is True:
        return False
    return rule.after_yes is None or known.get(rule.after_yes) is True


def _group_findings(model: CompiledModel, group: str) -> tuple[str, ...]:
    return tuple(fid for fid, f in model.kb.findings.items() if f.data.group == group)


def _askable(
    model: CompiledModel,
    answers: Mapping[str, object],
    known: Mapping[str, AnswerValue],
    mode: Mode = "patient",
) -> list[str]:
    """Findings not yet asked that carry evidence or feed a rule, and apply to this person.

    Examined findings (the vocabulary's `examined` list: blood pressure, pulses, a pulsating
    mass, tenderness, cord signs) are asked only in a clinician's interview; a person is never
    asked them. An integration may still hand them in with the answers.
    """
    examined = () if mode == "clinician" else model.kb.vocabulary.examined
    return [
        fid
        for fid, finding in model.kb.findings.items()
        if fid not in answers
        and fid not in examined
        and fid not in OPENING
        and (fid in model.outcomes or fid in model.rules_by_finding)
        and _applies(model, fid, known)
    ]


# --- danger-sign screening --------------------------------------------------------------------


@dataclass(frozen=True)
class _Closure:
    """How far an expression is from being decided on the answers so far."""

    satisfied: bool = False
    impossible: bool = False
    chance: float = 0.0  # rough probability it could still come true
    ask: frozenset[str] = frozenset()  # unknown findings whose "no" would rule it out


@dataclass(frozen=True)
class _Screen:
    """What the danger screen works from: the answers, their known values, the findings that
    may still be asked and the chance of a "yes" to each."""

    answers: Mapping[str, object]
    known: Mapping[str, AnswerValue]
    askable: frozenset[str]
    chance: Mapping[str, float]

    def closure(self, expr: Expr) -> _Closure:
        """The cheapest set of questions whose "no" answers would make `expr` impossible."""
        if isinstance(expr, str | FindingIs):
            return self._atom(expr)
        if isinstance(expr, AllOf):
            return self._all(expr)
        if isinstance(expr, AnyOf):
            return self._any(expr)
        return self._at_least(expr)

    def _atom(self, atom: str | FindingIs) -> _Closure:
        fid = atom_finding(atom)
        if atom_holds(atom, self.known):
            return _Closure(satisfied=True)
        if fid in self.answers or fid not in self.askable:
            return _Closure(impossible=True)
        return _Closure(chance=self.chance.get(fid, 0.5), ask=frozenset({fid}))

    def _all(self, expr: AllOf) -> _Closure:
        parts = [self.closure(p) for p in expr.all]
        if any(p.impossible for p in parts):
            return _Closure(impossible=True)
        open_parts = [p for p in parts if not p.satisfied]
        if not open_parts:
            return _Closure(satisfied=True)
        cheapest = min(open_parts, key=_closing_cost)
        return _Closure(chance=float(np.prod([p.chance for p in open_parts])), ask=cheapest.ask)

    def _any(self, expr: AnyOf) -> _Closure:
        parts = [self.closure(p) for p in expr.any]
        if any(p.satisfied for p in parts):
            return _Closure(satisfied=True)
        open_parts = [p for p in parts if not p.impossible]
        if not open_parts:
            return _Closure(impossible=True)
        return _Closure(
            chance=1.0 - float(np.prod([1.0 - p.chance for p in open_parts])),
            ask=frozenset().union(*(p.ask for p in open_parts)),
        )

    def _at_least(self, expr: AtLeast) -> _Closure:
        parts = [self.closure(p) for p in expr.of]
        needed = expr.at_least - sum(p.satisfied for p in parts)
        if needed <= 0:
            return _Closure(satisfied=True)
        open_parts = sorted(
            (p for p in parts if not p.satisfied and not p.impossible), key=_closing_cost
        )
        if len(open_parts) < needed:
            return _Closure(impossible=True)
        to_close = open_parts[: len(open_parts) - needed + 1]
        likeliest = sorted((p.chance for p in open_parts), reverse=True)[:needed]
        return _Closure(
            chance=float(np.prod(likeliest)), ask=frozenset().union(*(p.ask for p in to_close))
        )


def _closing_cost(closure: _Closure) -> tuple[float, int, list[str]]:
    return (closure.chance, len(closure.ask), sorted(closure.ask))


def _yes_chances(state: _State, fids: list[str]) -> dict[str, float]:
    """P(yes) for boolean findings given the answers so far."""
    chances = {}
    for fid in fids:
        evidence = state.model.evidence.get((fid, "yes"))
        if evidence is not None:
            chances[fid] = float(state.posterior @ np.exp(evidence.loglik))
    return chances


def _danger_question(
    state: _State, answers: Mapping[str, object], askable: list[str]
) -> Question | None:
    """A group of danger signs to rule out, or one number/choice a danger rule hinges on."""
    model = state.model
    policy = model.kb.interview
    screen = _Screen(answers, state.known, frozenset(askable), _yes_chances(state, askable))
    index = model.condition_index
    screened: list[tuple[RedFlagRule, _Closure]] = []
    for rule in model.kb.red_flags:
        if rule.kind != "red_flag" or rule.id in state.fired:
            continue
        if triage_rank(rule.level) <= state.level:
            continue
        closure = screen.closure(rule.when)
        if closure.satisfied or closure.impossible or not closure.ask:
            continue
        if rule.id in policy.always_screen or (
            closure.chance >= policy.screen_min_chance.get(rule.level, 1.0)
            and sum(state.posterior[index[c]] for c in rule.related_conditions)
            >= policy.screen_min_related
        ):
            screened.append((rule, closure))
    if not screened:
        return None
    screened.sort(key=lambda item: -triage_rank(item[0].level))
    order = {fid: i for i, fid in enumerate(model.kb.findings)}
    booleans: list[str] = []
    others: list[str] = []
    rules: list[str] = []
    for rule, closure in screened:
        for fid in sorted(closure.ask, key=order.__getitem__):
            target = booleans if model.kb.findings[fid].type == "boolean" else others
            if fid not in target:
                target.append(fid)
        rules.append(rule.id)
    conditions = _danger_conditions(state, [r for r, _ in screened])
    purpose = Purpose("danger", conditions, tuple(rules))
    if booleans:
        items = tuple(booleans[:MAX_GROUP_ITEMS])
        return Question("danger:" + ",".join(items), "multiple", items, purpose)
    fid = others[0]
    return Question(fid, _single_kind(model, fid), (fid,), purpose)


def _danger_conditions(state: _State, rules: list[RedFlagRule]) -> tuple[str, ...]:
    """The likeliest urgent conditions behind the screened rules, at most three."""
    model = state.model
    index = model.condition_index
    related = {c for rule in rules for c in rule.related_conditions}
    urgent = {c for c in related if triage_rank(model.kb.conditions[c].data.urgency) >= URGENT_RANK}
    ranked = sorted(urgent or related, key=lambda c: (-state.posterior[index[c]], c))
    return tuple(ranked[:3])


# --- choosing among single questions ---------------------------------------------------------


def _single_kind(model: CompiledModel, fid: str) -> QuestionKind:
    finding_type = model.kb.findings[fid].type
    if finding_type == "number":
        return "number"
    return "choice" if finding_type == "choice" else "boolean"


@dataclass(frozen=True)
class _Ranking:
    """The value of asking about one finding, and whether its answer could matter."""

    finding: str
    value: float
    meaningful: bool  # likely enough to change the triage level or the leading causes
    leading: float  # the chance that the answer changes the three leading causes
    moved: tuple[str, ...]  # conditions whose probability the answer is expected to move most


def _leading_sets(posterior: Vector, min_probability: float) -> list[frozenset[int]]:
    """Per row: the three most probable conditions that reach `min_probability`."""
    order = np.argsort(-posterior, axis=1, kind="stable")[:, :LEADING_COUNT]
    return [
        frozenset(int(c) for c in row if posterior[i, c] >= min_probability)
        for i, row in enumerate(order)
    ]


def _rank_candidates(state: _State, candidates: list[str]) -> list[_Ranking]:
    model = state.model
    stop = model.kb.interview.stop
    candidates = [fid for fid in candidates if fid in model.outcomes]
    if not candidates:
        return []
    loglik = np.concatenate([model.outcomes[fid][1] for fid in candidates])
    chance = np.exp(loglik) @ state.posterior
    levels, posterior = condition_levels(model, state.scores[None, :] + loglik)
    levels = np.maximum(levels, state.floor)
    now_leading = _leading_sets(state.posterior[None, :], stop.leading_min_probability)[0]
    leading_changed = np.asarray(
        [row != now_leading for row in _leading_sets(posterior, stop.leading_min_probability)]
    )
    information = _entropy(state.posterior) - _entropy(posterior)
    shift = np.abs(posterior - state.posterior[None, :])
    raise_bar = _raise_thresholds(model)
    watched = np.flatnonzero(
        (model.urgency_rank >= EMERGENCY_RANK) & (state.posterior >= stop.emergency_floor)
    )
    if watched.size:
        ratio = posterior[:, watched] / state.posterior[None, watched]
        decisive = np.any(
            (ratio >= stop.decisive_ratio) | (ratio <= 1.0 / stop.decisive_ratio), axis=1
        )
    else:
        decisive = np.zeros(len(posterior), dtype=bool)

    rankings = []
    start = 0
    for fid in candidates:
        values = model.outcomes[fid][0]
        rows = slice(start, start + len(values))
        for row, value in enumerate(values, start):
            levels[row] = max(int(levels[row]), _rule_level(state, fid, value))
        start += len(values)
        p = chance[rows] / chance[rows].sum()
        new_levels = levels[rows]
        raised = any(
            p @ (new_levels >= rank) >= raise_bar[rank]
            for rank in range(state.level + 1, len(raise_bar))
        )
        lowered = p @ (new_levels < state.level) >= stop.lower_triage
        leading = float(p @ leading_changed[rows])
        rules_out = bool(np.any(decisive[rows] & (p >= stop.answer_min_chance)))
        names_cause = bool(np.any(leading_changed[rows] & (p >= stop.answer_min_chance)))
        moved_by = p @ shift[rows]
        rankings.append(
            _Ranking(
                finding=fid,
                value=float(
                    p @ information[rows]
                    + TRIAGE_WEIGHT * (p @ np.abs(new_levels - state.level))
                    + LEADING_WEIGHT * leading
                    + RULE_OUT_WEIGHT * float(p @ decisive[rows])
                ),
                meaningful=bool(
                    raised or lowered or leading >= stop.leading_change or rules_out or names_cause
                ),
                leading=leading,
                moved=tuple(
                    model.condition_ids[i] for i in np.argsort(-moved_by, kind="stable")[:2]
                ),
            )
        )
    return rankings


def _raise_thresholds(model: CompiledModel) -> tuple[float, ...]:
    """Per triage rank: the chance at which raising triage to it is worth a question."""
    by_level = model.kb.meta.triage.escalation_threshold
    share = model.kb.interview.stop.raise_share
    return tuple(share * by_level.get(level, 1.0) for level in TRIAGE_ORDER)


def _rule_level(state: _State, fid: str, value: AnswerValue) -> int:
    """The triage floor of the rules with this answer added."""
    model = state.model
    if value is False:
        return state.floor
    trial = {**state.known, fid: value}
    level = state.floor
    for rule_id in model.rules_by_finding.get(fid, ()):
        if rule_id not in state.fired and model.rule_predicates[rule_id](trial):
            level = max(level, model.rule_ranks[rule_id])
    return level


def _differential_question(
    state: _State, answers: Mapping[str, object], askable: list[str]
) -> Question | None:
    """The most valuable single question or natural group, or None when none could matter.

    A group ("which of these are true?") is offered once: after any of its findings was
    answered, its other findings come one at a time, so a person never sees the same
    checklist twice.
    """
    model = state.model
    stop = model.kb.interview.stop
    rankings = _rank_candidates(state, askable)
    asked_in = {
        fid: checklist.id
        for checklist in model.kb.interview.opening_checklists
        for fid in checklist.findings
    }
    groups = {fid: model.kb.findings[fid].data.group for fid in answers if fid in model.kb.findings}
    answered_groups = {  # a group answered in an opening checklist of another name stays open
        group for fid, group in groups.items() if asked_in.get(fid, group) == group
    }
    by_group: dict[str, list[_Ranking]] = {}
    for ranking in rankings:
        finding = model.kb.findings[ranking.finding]
        if (
            finding.type == "boolean"
            and finding.data.group in ASKED_AS_GROUP
            and finding.data.group not in answered_groups
        ):
            by_group.setdefault(finding.data.group, []).append(ranking)
    options: list[tuple[float, tuple[_Ranking, ...], str]] = [
        (r.value, (r,), r.finding) for r in rankings
    ]
    meaningful = any(r.meaningful for r in rankings)
    for group, members in by_group.items():
        members.sort(key=lambda r: (-r.value, r.finding))
        chosen = tuple(members[:MAX_GROUP_ITEMS])
        if len(chosen) > 1:
            options.append((sum(r.value for r in chosen), chosen, group))
            # one checklist asks every member at once: together they may name the cause
            meaningful = meaningful or sum(r.leading for r in chosen) >= stop.leading_change
    if not meaningful:
        return None
    _, chosen, question_id = max(options, key=lambda option: (option[0], option[2]))
    purpose = _differential_purpose(state, chosen)
    if len(chosen) == 1:
        fid = chosen[0].finding
        return Question(fid, _single_kind(model, fid), (fid,), purpose)
    return Question(question_id, "multiple", tuple(r.finding for r in chosen), purpose)


def _differential_purpose(state: _State, chosen: tuple[_Ranking, ...]) -> Purpose:
    """Rule out a more urgent condition the answers could point to, or tell two apart."""
    model = state.model
    moved = tuple(dict.fromkeys(c for r in chosen for c in r.moved))
    urgent = [c for c in moved if triage_rank(model.kb.conditions[c].data.urgency) > state.level]
    if urgent:
        return Purpose("rule_out", (urgent[0],))
    return Purpose("tell_apart", moved[:2])


# --- the interview -----------------------------------------------------------------------------


def next_question(
    answers: Mapping[str, object],
    asked: int = 0,
    model: CompiledModel | None = None,
    mode: Mode = "patient",
) -> Question | None:
    """The next question to ask, or None when the interview should stop.

    `answers` maps finding ids to answers; "unknown" (or None) marks a question the person
    could not answer, so it is not asked again. `asked` is the number of questions asked so
    far, for the cap. A clinician's interview (`mode="clinician"`) also asks the examined
    findings. Raises InvalidAnswers if an answer is invalid.
    """
    model = model or default_model()
    for fid, kind in (("age", "number"), ("sex", "choice")):
        if answers.get(fid) is None or answers.get(fid) == UNKNOWN:
            return Question(fid, kind, (fid,), Purpose("about_you"))  # type: ignore[arg-type]
    known = validate_answers(model.kb, answers)
    if asked >= model.kb.interview.stop.max_questions:
        return None
    if "pregnant" not in answers and _applies(model, "pregnant", known):
        return Question("pregnant", "boolean", ("pregnant",), Purpose("pregnancy"))
    for group, kind in ((LOCATION_GROUP, "location"), (SPREAD_GROUP, "spread")):
        members = tuple(fid for fid in _group_findings(model, group) if _applies(model, fid, known))
        unasked = tuple(fid for fid in members if fid not in answers)
        if unasked == members and members:
            return Question(group, "multiple", members, Purpose(kind))  # type: ignore[arg-type]
    askable = _askable(model, answers, known, mode)
    state = _State(model, known)
    return (
        _unstated_context_question(state, answers, askable)
        or _danger_question(state, answers, askable)
        or _opening_checklist(model, answers, askable)
        or _differential_question(state, answers, askable)
    )


def _unstated_context_question(
    state: _State, answers: Mapping[str, object], askable: list[str]
) -> Question | None:
    """A context choice (such as the duration) that a fired rule reads as acute only because it
    is unanswered: the person is asked, since the answer may be what the rule needs or not."""
    model = state.model
    for rule in model.kb.red_flags:
        if rule.id not in state.fired:
            continue
        for atom in atoms(rule.when):
            fid = atom_finding(atom)
            unstated = isinstance(atom, FindingIs) and atom.or_unknown and fid not in answers
            if unstated and fid in askable:
                purpose = Purpose("danger", _danger_conditions(state, [rule]), (rule.id,))
                return Question(fid, _single_kind(model, fid), (fid,), purpose)
    return None


def _opening_checklist(
    model: CompiledModel, answers: Mapping[str, object], askable: list[str]
) -> Question | None:
    """The first opening checklist with two or more of its findings still to ask (once asked,
    all are answered, so no checklist comes twice)."""
    open_ = set(askable)
    for checklist in model.kb.interview.opening_checklists:
        members = tuple(fid for fid in checklist.findings if fid in open_ and fid not in answers)
        if len(members) >= 2:
            return Question(checklist.id, "multiple", members, Purpose("history_taking"))
    return None


def urgent_red_flags(
    answers: Mapping[str, object], model: CompiledModel | None = None
) -> tuple[str, ...]:
    """Fired red-flag rules that call for emergency care: for interfaces to say so at once."""
    model = model or default_model()
    known = validate_answers(model.kb, answers, required=())
    return tuple(rid for rid in model.fired_rules(known) if model.rule_ranks[rid] >= EMERGENCY_RANK)


def reply_answers(
    question: Question, reply: Reply, model: CompiledModel | None = None
) -> dict[str, AnswerValue]:
    """The answers a reply gives: ticked items of a group are yes, the rest no; None is unknown.

    An empty checklist is not "no" to everything: it is refused, and "none of these" says no.

    Raises InvalidReply when the reply does not fit the question.
    """
    model = model or default_model()
    if reply is None:
        if question.purpose.kind == "about_you":
            raise InvalidReply(f"{question.id}: is required")
        return dict.fromkeys(question.findings, UNKNOWN)
    if question.kind == "multiple":
        if isinstance(reply, str | bool | int | float):
            raise InvalidReply(f"{question.id}: expected the list of findings that apply")
        chosen = set(reply)
        if not chosen:
            raise InvalidReply(
                f"{question.id}: tick what applies, or answer {NONE_OF_THESE!r} or unknown"
            )
        if NONE_OF_THESE in chosen:
            if len(chosen) > 1:
                raise InvalidReply(f"{question.id}: {NONE_OF_THESE!r} goes alone")
            return dict.fromkeys(question.findings, False)
        extra = chosen - set(question.findings)
        if extra:
            raise InvalidReply(f"{question.id}: not part of this question: {sorted(extra)}")
        return {fid: fid in chosen for fid in question.findings}
    fid = question.findings[0]
    vocab = model.kb.findings[fid].vocab
    if question.kind == "boolean":
        if not isinstance(reply, bool):
            raise InvalidReply(f"{fid}: expected yes, no or unknown")
        return {fid: reply}
    if question.kind == "choice":
        if not isinstance(reply, str) or reply not in (vocab.values or ()):
            raise InvalidReply(f"{fid}: expected one of {', '.join(vocab.values or ())}")
        return {fid: reply}
    if isinstance(reply, bool) or not isinstance(reply, int | float):
        raise InvalidReply(f"{fid}: expected a number")
    low, high = vocab.range or (float("-inf"), float("inf"))
    if not low <= reply <= high:
        raise InvalidReply(f"{fid}: expected a number from {low:g} to {high:g}")
    return {fid: float(reply)}


@dataclass(frozen=True)
class Interview:
    """An interview in progress: the answers so far and the questions that produced them.

    Immutable: `answer` and `back` return a new interview. Going back removes the last
    question's answers, so the state is exactly as if that question had not been answered.
    """

    answers: Mapping[str, AnswerValue] = field(default_factory=dict)
    history: tuple[Question, ...] = ()
    mode: Mode = "patient"

    def next_question(self, model: CompiledModel | None = None) -> Question | None:
        """The next question, or None when the interview is over."""
        return next_question(self.answers, len(self.history), model, self.mode)

    def answer(
        self, question: Question, reply: Reply, model: CompiledModel | None = None
    ) -> Interview:
        """The interview with `reply` to `question` recorded."""
        updates = reply_answers(question, reply, model)
        trial = {**self.answers, **updates}
        validate_answers((model or default_model()).kb, trial, required=())
        return Interview(trial, (*self.history, question), self.mode)

    def back(self) -> Interview:
        """The interview without its last question and answer."""
        if not self.history:
            return self
        last = self.history[-1]
        kept = {fid: v for fid, v in self.answers.items() if fid not in last.findings}
        return Interview(kept, self.history[:-1], self.mode)

    def assessment(self, model: CompiledModel | None = None) -> Assessment:
        """The assessment of the answers so far (age and sex must be answered)."""
        return assess(self.answers, model)
