"""The exercise programme of a stored patient: the latest assessment and the diary since it.

Reading (audited, inside the transaction) and building (pure, after it: a long replay must
not hold a database lock) are separate steps.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy.orm import Session

from lumbar.engine import assess
from lumbar.engine.diary import DiaryEntry as DiaryDay
from lumbar.engine.programme import DiaryError, Programme, build_programme
from lumbar.storage import diary, records
from lumbar.storage.access import Actor
from lumbar.storage.models import DiaryEntry, utc_now

DIARY_DAYS_READ = 100
FUTURE_DAYS = 1  # a person's date may be a day ahead of the server's UTC date


def check_not_in_the_future(field: str, day: date) -> None:
    """Diary days and the programme's `today` are days that have begun somewhere on Earth:
    a date years ahead would make the programme replay every day up to it."""
    latest = utc_now().date() + timedelta(days=FUTURE_DAYS)
    if day > latest:
        raise DiaryError(field, f"must not be after {latest.isoformat()}")


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


@dataclass(frozen=True)
class ProgrammeRecords:
    """What a patient's programme is built from."""

    assessment_id: str
    answers: dict[str, object]
    start: date  # the day of the latest assessment
    diary: list[DiaryDay]  # the entries since then, earliest first

    def programme(
        self, *, today: date | None = None, days: int = 7, cleared: bool = False
    ) -> Programme:
        """The programme as of `today` (default: today's UTC date, or the last diary day)."""
        return build_programme(
            assess(self.answers),
            self.diary,
            start=self.start,
            today=max([self.start, today or utc_now().date(), *(e.day for e in self.diary)]),
            days=days,
            cleared=cleared,
        )


def programme_records(session: Session, actor: Actor, patient_id: str) -> ProgrammeRecords | None:
    """The latest assessment and the diary since it, or None before the first assessment.

    Access is checked (and audited) by the record functions it reads through.
    """
    latest = records.list_assessments(session, actor, patient_id, limit=1)
    if not latest:
        return None
    start = latest[0].finished_at.date()
    stored = diary.list_diary_entries(
        session, actor, patient_id, start=start, limit=DIARY_DAYS_READ
    )
    return ProgrammeRecords(latest[0].id, dict(latest[0].answers), start, diary_days(stored))
