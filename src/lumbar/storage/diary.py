"""The pain and function diary: one entry per patient and day.

A RecordError leaves its audit event in the session: commit the session to keep it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from lumbar.kb.loader import default_knowledge_base
from lumbar.storage.access import Actor, InvalidRecord, accessible_patient, audit
from lumbar.storage.models import DiaryEntry
from lumbar.storage.records import check_page

RESOURCE = "diary_entry"
SCALE = range(11)  # 0..10


def _problems(
    day: date,
    pain: int,
    function: int | None,
    warning_signs: Mapping[str, bool],
    exercises_done: Sequence[str],
) -> list[str]:
    kb = default_knowledge_base()
    problems = []
    if not isinstance(day, date) or isinstance(day, datetime):
        problems.append("day must be a date")
    for name, value in (("pain", pain), ("function", function)):
        if value is None and name == "function":
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value not in SCALE:
            problems.append(f"{name} must be a whole number from 0 to 10, got {value!r}")
    unknown_signs = sorted(set(warning_signs) - set(kb.findings))
    if unknown_signs:
        problems.append(f"warning_signs: unknown findings {unknown_signs}")
    if not all(isinstance(v, bool) for v in warning_signs.values()):
        problems.append("warning_signs: every value must be true or false")
    unknown_exercises = sorted(set(exercises_done) - set(kb.exercises))
    if unknown_exercises:
        problems.append(f"exercises_done: unknown exercises {unknown_exercises}")
    if len(set(exercises_done)) != len(exercises_done):
        problems.append("exercises_done: an exercise is listed twice")
    return problems


def add_diary_entry(
    session: Session,
    actor: Actor,
    patient_id: str,
    *,
    day: date,
    pain: int,
    function: int | None = None,
    new_leg_symptoms: bool = False,
    warning_signs: Mapping[str, bool] | None = None,
    exercises_done: Sequence[str] = (),
) -> DiaryEntry:
    """Record a day; raises InvalidRecord on a value out of range or a day already recorded."""
    patient = accessible_patient(session, actor, patient_id, "create", RESOURCE)
    signs = dict(warning_signs or {})
    problems = _problems(day, pain, function, signs, exercises_done)
    if problems:
        audit(session, actor, "create", RESOURCE, outcome="invalid", patient_id=patient.id)
        raise InvalidRecord("; ".join(problems))
    entry = DiaryEntry(
        patient_id=patient.id,
        day=day,
        pain=pain,
        function=function,
        new_leg_symptoms=new_leg_symptoms,
        warning_signs=signs,
        exercises_done=list(exercises_done),
        created_by=actor.user.id,
    )
    try:
        with session.begin_nested():
            session.add(entry)
    except IntegrityError as error:
        audit(session, actor, "create", RESOURCE, outcome="invalid", patient_id=patient.id)
        raise InvalidRecord(f"the diary already has an entry for {day.isoformat()}") from error
    audit(session, actor, "create", RESOURCE, resource_id=entry.id, patient_id=patient.id)
    return entry


def list_diary_entries(
    session: Session,
    actor: Actor,
    patient_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
    limit: int = 31,
    offset: int = 0,
) -> list[DiaryEntry]:
    """The patient's entries from `start` to `end` (both included), latest day first."""
    check_page(limit, offset)
    patient = accessible_patient(session, actor, patient_id, "list", RESOURCE)
    query = select(DiaryEntry).where(DiaryEntry.patient_id == patient.id)
    if start is not None:
        query = query.where(DiaryEntry.day >= start)
    if end is not None:
        query = query.where(DiaryEntry.day <= end)
    query = query.order_by(DiaryEntry.day.desc()).limit(limit).offset(offset)
    entries = list(session.scalars(query))
    audit(session, actor, "list", RESOURCE, patient_id=patient.id)
    return entries
