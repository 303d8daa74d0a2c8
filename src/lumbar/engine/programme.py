"""The day-by-day exercise programme: sessions, exercises, sets and repetitions. Pure.

The programme replays the pain diary from its first day: a step up every few days when the
diary shows the exercises are tolerated, a hold when pain rises a little, a step back when it
rises by 2 or more or new leg symptoms appear, and a stop with advice to see a doctor when a
warning sign makes a red-flag rule fire. Days after `today` are planned on the assumption that
the exercises keep being tolerated. Policy: `programme.yaml`; exercises: `exercises/`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Literal

from lumbar.engine.answers import AnswerValue
from lumbar.engine.assessment import Assessment
from lumbar.engine.diary import DiaryEntry
from lumbar.engine.model import CompiledModel, default_model
from lumbar.kb.models import (
    Exercise,
    Phase,
    ProgrammePolicy,
    Restriction,
    SessionBlock,
    SessionPlan,
    triage_rank,
)

PHASES: tuple[Phase, ...] = ("acute", "subacute", "chronic")
EMERGENCY_RANK = triage_rank("emergency")
SOON_RANK = triage_rank("consultation_24")

Status = Literal["active", "on_hold", "stopped"]
EventKind = Literal[
    "stepped_up", "held", "no_diary", "stepped_back", "leg_symptoms", "phase_changed", "stopped"
]


class DiaryError(ValueError):
    """A diary entry the programme cannot use; `field` names the bad part."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field


@dataclass(frozen=True)
class ProgrammeItem:
    """One exercise in a session, with its dose for that day."""

    exercise: str
    sets: int
    reps: int | None
    hold_seconds: int | None
    minutes: float  # time it takes, rests included
    new: bool  # not in the plan the day before


@dataclass(frozen=True)
class Session:
    id: str  # morning, day or evening
    minutes: float
    items: tuple[ProgrammeItem, ...]


@dataclass(frozen=True)
class ProgrammeDay:
    day: date
    number: int  # 1 = the programme's first day
    phase: str
    step: int
    level: int  # the hardest exercise level open that day
    planned: bool  # after today: assumes the exercises go on being tolerated
    restrictions: tuple[str, ...]
    sessions: tuple[Session, ...]


@dataclass(frozen=True)
class ProgrammeEvent:
    day: date
    kind: EventKind
    step: int  # the step after the event
    planned: bool = False
    pain_rise: int | None = None
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Programme:
    status: Status
    reasons: tuple[str, ...]  # text/ui.yaml keys: why on hold, stopped or to be reassessed
    start: date
    today: date
    phase: str
    step: int
    level: int
    restrictions: tuple[str, ...]  # restriction ids in force today
    advice: tuple[str, ...]  # text/ui.yaml keys of the restrictions in force today
    reassess: bool  # see a doctor to be reassessed; the programme goes on gently meanwhile
    stop_rules: tuple[str, ...]  # red-flag rules that stopped it
    stop_level: str | None  # the triage level of those rules
    events: tuple[ProgrammeEvent, ...]
    days: tuple[ProgrammeDay, ...]  # today and the days after it


def hold_reasons(assessment: Assessment) -> tuple[str, ...]:
    """Why the assessment rules out starting exercises until a doctor has seen the person."""
    reasons = []
    rank = triage_rank(assessment.triage.level)
    if rank >= EMERGENCY_RANK:
        reasons.append("programme_hold_emergency")
    elif any(rule.kind == "red_flag" for rule in assessment.red_flags):
        reasons.append("programme_hold_red_flag")
    elif rank >= SOON_RANK:
        reasons.append("programme_hold_urgent")
    if assessment.care_plan.hold_hands_on and not reasons:
        reasons.append("programme_hold_specific_cause")
    return tuple(reasons)


@dataclass
class _State:
    """What the replay carries from one day to the next."""

    step: int = 0
    step_began: date = date.min
    pains: list[int] = field(default_factory=list)  # diary pain since the step began
    diary_since_step: bool = False
    hold_since_step: bool = False
    no_diary_noted: bool = False
    leg_symptoms: bool = False
    step_backs: list[date] = field(default_factory=list)
    introduced: dict[str, int] = field(default_factory=dict)  # exercise -> step it came in
    shown: set[str] = field(default_factory=set)  # exercises shown since they came in
    phase: Phase = "acute"


class _Builder:
    def __init__(
        self,
        model: CompiledModel,
        assessment: Assessment,
        entries: Mapping[date, DiaryEntry],
        start: date,
        today: date,
    ) -> None:
        self.kb = model.kb
        self.model = model
        self.policy: ProgrammePolicy = model.kb.programme
        self.assessment = assessment
        self.entries = entries
        self.start = start
        self.today = today
        self.known_rules = frozenset(rule.id for rule in assessment.red_flags)
        self.rules = {rule.id: rule for rule in self.kb.red_flags}
        duration = assessment.answers.get("duration")
        self.onset = self.policy.onset_days.get(duration, 0) if isinstance(duration, str) else 0
        self.first_phase = self._phase(start)
        baseline = assessment.answers.get("pain_severity")
        self.baseline = (
            int(baseline)
            if isinstance(baseline, int | float) and not isinstance(baseline, bool)
            else None
        )
        self.by_complex: dict[str, list[Exercise]] = {}
        for exercise in sorted(self.kb.exercises.values(), key=lambda e: (e.complex, e.order)):
            self.by_complex.setdefault(exercise.complex, []).append(exercise)
        self.state = _State(step_began=start, phase=self.first_phase)
        self.events: list[ProgrammeEvent] = []
        self.reasons: list[str] = []
        self.stop_rules: tuple[str, ...] = ()

    # --- time and phase ---------------------------------------------------------------

    def _phase(self, day: date) -> Phase:
        """The phase on `day`: moves on with time, never behind the assessment's phase."""
        since_onset = self.onset + (day - self.start).days
        assessed = self.assessment.care_plan.phase
        phase: Phase = "acute"
        for candidate in PHASES:
            if since_onset >= self.policy.phase_from_day[candidate] or candidate == assessed:
                phase = candidate
        return phase

    def _level(self, step: int, phase: Phase) -> int:
        opened = step // self.policy.steps_per_level
        return min(self.policy.start_level[self.first_phase] + opened, self.policy.max_level[phase])

    def _top_step(self, phase: Phase) -> int:
        levels = self.policy.max_level[phase] - self.policy.start_level[self.first_phase]
        return levels * self.policy.steps_per_level + self.policy.dose_steps + 1

    # --- the diary ----------------------------------------------------------------------

    def _read_entry(self, entry: DiaryEntry, planned: bool) -> bool:
        """Apply one day's diary; False when a red flag stops the programme."""
        state = self.state
        signs: dict[str, AnswerValue] = dict(entry.warning_signs)
        fired = [
            self.rules[rule_id]
            for rule_id in self.model.fired_rules({**self.assessment.answers, **signs})
            if rule_id not in self.known_rules
        ]
        stops = tuple(
            rule.id
            for rule in fired
            if rule.kind == "red_flag" or triage_rank(rule.level) >= SOON_RANK
        )
        if stops:
            self.stop_rules = stops
            self.events.append(ProgrammeEvent(entry.day, "stopped", state.step, rules=stops))
            return False
        if fired:
            state.hold_since_step = True
            self._reason("programme_reassess_warning")
            self.events.append(
                ProgrammeEvent(
                    entry.day, "held", state.step, planned, rules=tuple(r.id for r in fired)
                )
            )
        state.diary_since_step = True
        reference = min(
            [*state.pains, *([self.baseline] if self.baseline is not None else [])],
            default=entry.pain,
        )
        rise = entry.pain - reference
        if entry.new_leg_symptoms:
            state.leg_symptoms = True
            self._step_back(entry, "leg_symptoms", rise, planned)
            self._reason("programme_reassess_leg")
        elif rise >= self.policy.regress_on_pain_rise:
            self._step_back(entry, "stepped_back", rise, planned)
        elif rise >= self.policy.hold_on_pain_rise:
            state.hold_since_step = True
            state.pains.append(entry.pain)
            self.events.append(ProgrammeEvent(entry.day, "held", state.step, planned, rise))
        else:
            state.pains.append(entry.pain)
        return True

    def _step_back(self, entry: DiaryEntry, kind: EventKind, rise: int, planned: bool) -> None:
        state = self.state
        state.step = max(0, state.step - 1)
        self._new_step(entry.day)
        state.pains = [entry.pain]
        state.step_backs.append(entry.day)
        self.events.append(ProgrammeEvent(entry.day, kind, state.step, planned, rise))
        window = timedelta(days=self.policy.reassess_window_days)
        recent = [day for day in state.step_backs if entry.day - day < window]
        if len(recent) >= self.policy.reassess_after_regressions:
            self._reason("programme_reassess_pain")

    def _reason(self, key: str) -> None:
        if key not in self.reasons:
            self.reasons.append(key)

    def _new_step(self, day: date) -> None:
        state = self.state
        state.step_began = day
        state.diary_since_step = False
        state.hold_since_step = False
        state.no_diary_noted = False

    def _maybe_step_up(self, day: date, planned: bool) -> None:
        state = self.state
        due = (day - state.step_began).days >= self.policy.progress_every_days[state.phase]
        if not due or state.step >= self._top_step(state.phase):
            return
        if state.hold_since_step:
            self._new_step(day)
            return
        if not (state.diary_since_step or planned):
            if not state.no_diary_noted:
                state.no_diary_noted = True
                self.events.append(ProgrammeEvent(day, "no_diary", state.step))
            return
        state.step += 1
        self._new_step(day)
        state.pains = state.pains[-1:]
        self.events.append(ProgrammeEvent(day, "stepped_up", state.step, planned))

    # --- the day's plan -------------------------------------------------------------------

    def _restrictions(self, phase: Phase) -> tuple[Restriction, ...]:
        answers = self.assessment.answers
        conditions = set(self.assessment.care_plan.conditions)
        active = []
        for restriction in self.policy.restrictions:
            when = restriction.when
            if when.phases and phase not in when.phases:
                continue
            triggers = [
                *(cid in conditions for cid in when.conditions),
                *(answers.get(fid) is True for fid in when.findings),
                *([self.state.leg_symptoms] if when.diary_leg_symptoms else []),
            ]
            if not triggers or any(triggers):
                active.append(restriction)
        return tuple(active)

    def _allowed(
        self, exercise: Exercise, phase: str, level: int, restrictions: Iterable[Restriction]
    ) -> bool:
        if phase not in exercise.phases or exercise.level > level:
            return False
        flags = {
            "loaded_flexion": exercise.loaded_flexion,
            "rotation": exercise.rotation,
            "impact": exercise.impact,
        }
        return not any(
            any(flags[flag] for flag in restriction.flags)
            or exercise.position in restriction.positions
            for restriction in restrictions
        )

    def _candidates(self, block: SessionBlock) -> list[Exercise]:
        if block.complex is None:
            return [self.kb.exercises[eid] for eid in block.exercises]
        chosen = [e for e in self.by_complex.get(block.complex, []) if e.id not in block.skip]
        if block.orders is not None:
            first, last = block.orders
            chosen = [e for e in chosen if first <= e.order <= last]
        return chosen

    def _item(self, exercise: Exercise, step: int) -> ProgrammeItem:
        timing = self.policy.timing
        introduced = min(self.state.introduced.setdefault(exercise.id, step), step)
        self.state.introduced[exercise.id] = introduced
        grown = step - introduced
        reps = exercise.reps_start
        if reps is not None and exercise.reps_max is not None:
            share = min(grown, self.policy.dose_steps) / self.policy.dose_steps
            reps = reps + round((exercise.reps_max - reps) * share)
        sets = exercise.sets_max if grown > self.policy.dose_steps else exercise.sets_start
        if exercise.minutes is not None and reps is None:
            seconds = exercise.minutes * 60 * sets
        else:
            per_rep = timing.seconds_per_rep + (exercise.hold_seconds or 0)
            seconds = (reps or 1) * per_rep * sets + timing.rest_between_sets_seconds * (sets - 1)
        return ProgrammeItem(
            exercise=exercise.id,
            sets=sets,
            reps=reps,
            hold_seconds=exercise.hold_seconds,
            minutes=round((seconds + timing.change_seconds) / 60, 1),
            new=exercise.id not in self.state.shown,
        )

    def _session(
        self,
        plan: SessionPlan,
        index: int,
        phase: str,
        level: int,
        restrictions: tuple[Restriction, ...],
    ) -> Session | None:
        blocks = plan.rotation[index % len(plan.rotation)]
        turn = index // len(plan.rotation)
        chosen: list[tuple[SessionBlock, ProgrammeItem]] = []
        for block in blocks:
            allowed = [
                e for e in self._candidates(block) if self._allowed(e, phase, level, restrictions)
            ]
            if block.limit is not None and allowed:
                offset = (turn * block.limit) % len(allowed)
                allowed = (allowed[offset:] + allowed[:offset])[: block.limit]
            chosen += [(block, self._item(e, self.state.step)) for e in allowed]
        budget = plan.minutes[1] - sum(item.minutes for block, item in chosen if block.keep)
        items = []
        for block, item in chosen:
            if block.keep:
                items.append(item)
            elif item.minutes <= budget:
                items.append(item)
                budget -= item.minutes
        if not items:
            return None
        return Session(plan.id, round(sum(i.minutes for i in items), 1), tuple(items))

    def _day(self, day: date, planned: bool) -> ProgrammeDay:
        state = self.state
        index = (day - self.start).days
        level = self._level(state.step, state.phase)
        restrictions = self._restrictions(state.phase)
        sessions = tuple(
            session
            for plan in self.policy.sessions
            if (session := self._session(plan, index, state.phase, level, restrictions))
        )
        state.shown |= {item.exercise for session in sessions for item in session.items}
        for eid in list(state.introduced):
            if not self._allowed(self.kb.exercises[eid], state.phase, level, restrictions):
                del state.introduced[eid]
                state.shown.discard(eid)
        return ProgrammeDay(
            day=day,
            number=index + 1,
            phase=state.phase,
            step=state.step,
            level=level,
            planned=planned,
            restrictions=tuple(r.id for r in restrictions),
            sessions=sessions,
        )

    # --- the whole programme ------------------------------------------------------------

    def build(self, horizon: int) -> Programme:
        shown: list[ProgrammeDay] = []
        stopped = False
        last = self.today + timedelta(days=horizon - 1)
        day = self.start
        while day <= last:
            planned = day > self.today
            phase = self._phase(day)
            if phase != self.state.phase:
                self.state.phase = phase
                self.events.append(ProgrammeEvent(day, "phase_changed", self.state.step, planned))
            entry = self.entries.get(day)
            if entry is not None and not self._read_entry(entry, planned):
                stopped = True
                break
            self._maybe_step_up(day, planned)
            plan = self._day(day, planned)
            if day >= self.today:
                shown.append(plan)
            day += timedelta(days=1)
        return self._result(shown, stopped)

    def _result(self, shown: list[ProgrammeDay], stopped: bool) -> Programme:
        """The programme as of today (or the day it stopped), with the days planned."""
        state = self.state
        if shown:
            phase, step, level = shown[0].phase, shown[0].step, shown[0].level
            active = set(shown[0].restrictions)
        else:
            phase, step = state.phase, state.step
            level = self._level(step, phase)
            active = {r.id for r in self._restrictions(phase)}
        restrictions = [r for r in self.policy.restrictions if r.id in active]
        levels = [rule.level for rule in self.kb.red_flags if rule.id in self.stop_rules]
        return Programme(
            status="stopped" if stopped else "active",
            reasons=("programme_stop_red_flag",) if stopped else tuple(self.reasons),
            start=self.start,
            today=self.today,
            phase=phase,
            step=step,
            level=level,
            restrictions=tuple(r.id for r in restrictions),
            advice=tuple(r.advice for r in restrictions if r.advice is not None),
            reassess=bool(self.reasons) and not stopped,
            stop_rules=self.stop_rules,
            stop_level=max(levels, key=triage_rank) if levels else None,
            events=tuple(self.events),
            days=() if stopped else tuple(shown),
        )


def _diary_by_day(
    kb_findings: Mapping[str, object], history: Sequence[DiaryEntry], start: date
) -> dict[date, DiaryEntry]:
    entries: dict[date, DiaryEntry] = {}
    for position, entry in enumerate(history):
        where = f"history[{position}]"
        if entry.day < start:
            raise DiaryError(f"{where}.day", f"{entry.day} is before the programme start {start}")
        if entry.day in entries:
            raise DiaryError(f"{where}.day", f"a second entry for {entry.day}")
        for fid in entry.warning_signs:
            if fid not in kb_findings:
                raise DiaryError(f"{where}.warning_signs.{fid}", "is not a finding id")
        entries[entry.day] = entry
    return entries


def build_programme(
    assessment: Assessment,
    history: Sequence[DiaryEntry] = (),
    *,
    start: date,
    today: date | None = None,
    days: int = 14,
    cleared: bool = False,
    model: CompiledModel | None = None,
) -> Programme:
    """The exercise programme begun on `start` for this assessment, replayed through the pain
    diary up to `today` (default: the later of `start` and the last entry), with the plan for
    `days` days from today. `cleared`: a clinician has seen the person and cleared exercise,
    which lifts the holds of the assessment (a new red flag in the diary still stops it)."""
    model = model or default_model()
    if days < 1:
        raise DiaryError("days", "must be at least 1")
    entries = _diary_by_day(model.kb.findings, history, start)
    today = today or max([start, *entries])
    if today < start:
        raise DiaryError("today", f"{today} is before the programme start {start}")
    if any(day > today for day in entries):
        raise DiaryError("history", f"has entries after today ({today})")
    builder = _Builder(model, assessment, entries, start, today)
    holds = () if cleared else hold_reasons(assessment)
    if holds:
        return Programme(
            status="on_hold",
            reasons=holds,
            start=start,
            today=today,
            phase=builder.first_phase,
            step=0,
            level=0,
            restrictions=(),
            advice=(),
            reassess=False,
            stop_rules=(),
            stop_level=None,
            events=(),
            days=(),
        )
    return builder.build(days)
