"""The words of an exercise programme, shared by the terminal, the web page and the PDF."""

from __future__ import annotations

from dataclasses import dataclass

from lumbar.engine.programme import Programme, ProgrammeDay, ProgrammeEvent, ProgrammeItem
from lumbar.i18n import format_date, format_number
from lumbar.kb.loader import KnowledgeBase

SHOWN_DAYS = 3  # programme days a result screen shows: today and the next two


@dataclass(frozen=True)
class HowTo:
    """How to do one exercise: its numbered steps and any caution."""

    exercise: str
    name: str
    steps: tuple[str, ...]
    caution: str | None


def dose_text(kb: KnowledgeBase, item: ProgrammeItem, lang: str) -> str:
    """ "2 sets of 8", "hold 10 s", "5 min", as they apply."""
    ui = kb.texts.ui
    parts = []
    if item.reps is not None:
        parts.append(ui["programme_reps"].get(lang).format(sets=item.sets, reps=item.reps))
    if item.hold_seconds is not None:
        parts.append(ui["programme_hold"].get(lang).format(seconds=item.hold_seconds))
    parts.append(minutes_text(kb, item.minutes, lang))
    return ", ".join(parts)


def phase_heading(phase: str) -> str:
    """A phase ("acute attack (under 6 weeks)") as the start of a sentence, with a full stop."""
    return f"{phase[:1].upper()}{phase[1:]}."


def minutes_text(kb: KnowledgeBase, minutes: float, lang: str) -> str:
    """ "about 5 min"; "under a minute" below one (never "about 0.5 min")."""
    ui = kb.texts.ui
    if minutes < 1:
        return ui["programme_minutes_under_one"].get(lang)
    return ui["programme_minutes"].get(lang).format(minutes=format_number(round(minutes), lang))


def day_title(kb: KnowledgeBase, day: ProgrammeDay, today: bool, lang: str) -> str:
    """ "Day 3, 22 November 2026 (today) · Stage 2 of 5": the date as the language writes
    it, the exercise level counted from 1 (level 0 is stage 1)."""
    ui = kb.texts.ui
    when = format_date(day.day, lang)
    title = ui["programme_day"].get(lang).format(number=day.number, date=when)
    if today:
        title += f" ({ui['programme_today'].get(lang)})"
    levels = max(kb.programme.max_level.values()) + 1
    stage = ui["programme_level_plain"].get(lang).format(level=day.level + 1, levels=levels)
    return f"{title} · {stage}"


def event_text(kb: KnowledgeBase, event: ProgrammeEvent, lang: str) -> str:
    """What the diary changed on a day, e.g. "2026-11-20: held at this step"."""
    text = kb.texts.ui[f"programme_event_{event.kind}"].get(lang)
    return f"{format_date(event.day, lang)}: " + text.format(rise=event.pain_rise)


def how_to(kb: KnowledgeBase, programme: Programme, shown_days: int, lang: str) -> list[HowTo]:
    """How to do every exercise of the days shown, in the order of the complexes."""
    shown = {
        item.exercise
        for day in programme.days[:shown_days]
        for session in day.sessions
        for item in session.items
    }
    result = []
    for eid in sorted(shown, key=lambda e: (kb.exercises[e].complex, kb.exercises[e].order)):
        text = kb.exercises[eid].text
        result.append(
            HowTo(
                eid,
                text.name.get(lang),
                tuple(step.get(lang) for step in text.steps),
                text.caution.get(lang) if text.caution else None,
            )
        )
    return result
