"""The exercise programme of a stored patient: the latest assessment and the diary since it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy.orm import Session

from lumbar.engine import assess
from lumbar.engine.diary import DiaryEntry as DiaryDay
from lumbar.engine.programme import Programme, build_programme
from lumbar.storage import diary, records
from lumbar.storage.access import Actor
from lumbar.storage.models import Assessment, DiaryEntry

DIARY_DAYS_READ = 100


def diary_days(entries: Iterable[DiaryEntry]) -> list[DiaryDay]:
    """Stored diary entries as the engine reads them, earliest day first."""
    return sorted(
        (
            DiaryDay(
                day=e.day,
                pain=e.pain,
                function=e.function,
                new_leg_symptoms=e.new_leg_symptoms,
                warning_signs=e.warning_signs,
                exercises_done=tuple(e.exercises_done),
            )
            for e in entries
        ),
        key=lambda entry: entry.day,
    )


def patient_programme(
    session: Session,
    actor: Actor,
    patient_id: str,
    *,
    today: date | None = None,
    days: int = 7,
    cleared: bool = False,
) -> tuple[Assessment, Programme] | None:
    """The programme from the patient's latest assessment, or None before the first one.

    Access is checked (and audited) by the record functions it reads through.
    """
    latest = records.list_assessments(session, actor, patient_id, limit=1)
    if not latest:
        return None
    start = latest[0].finished_at.date()
    stored = diary.list_diary_entries(
        session, actor, patient_id, start=start, limit=DIARY_DAYS_READ
    )
    entries = diary_days(stored)
    programme = build_programme(
        assess(latest[0].answers),
        entries,
        start=start,
        today=max([start, today or date.today(), *(e.day for e in entries)]),
        days=days,
        cleared=cleared,
    )
    return latest[0], programme
