"""What the result page shows: the result view and the exercise programme's first days."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from lumbar.engine import assess, default_model
from lumbar.engine.programme import Programme, build_programme
from lumbar.programme_text import (
    SHOWN_DAYS,
    day_title,
    dose_text,
    event_text,
    how_to,
    minutes_text,
    phase_heading,
)
from lumbar.result_view import result_view


def programme_context(
    programme: Programme, lang: str, shown_days: int = SHOWN_DAYS
) -> dict[str, Any]:
    """The programme as the page shows it: status and reasons, the days, how to do each."""
    kb = default_model().kb
    days = [
        {
            "title": day_title(kb, day, position == 0 and day.day == programme.today, lang),
            "planned": day.planned,
            "sessions": [
                {
                    "id": session.id,
                    "minutes": minutes_text(kb, session.minutes, lang),
                    "items": [
                        {
                            "exercise": item.exercise,
                            "name": kb.exercises[item.exercise].text.name.get(lang),
                            "dose": dose_text(kb, item, lang),
                            "new": item.new,
                        }
                        for item in session.items
                    ],
                }
                for session in day.sessions
            ],
        }
        for position, day in enumerate(programme.days[:shown_days])
    ]
    return {
        "programme": programme,
        "programme_days": days,
        "programme_events": [event_text(kb, e, lang) for e in programme.events if not e.planned],
        "programme_how_to": how_to(kb, programme, shown_days, lang),
        "programme_today_exercises": [
            (exercise.exercise, exercise.name) for exercise in how_to(kb, programme, 1, lang)
        ],
        "programme_stop_words": kb.texts.triage[programme.stop_level]
        if programme.stop_level
        else None,
        "phase_heading": phase_heading(kb.texts.ui[f"phase_{programme.phase}"].get(lang)),
        "programme_stop_rules": [
            kb.texts.red_flags[rule].patient.get(lang) for rule in programme.stop_rules
        ],
    }


def starting_programme(result: Mapping[str, Any], today: date) -> Programme:
    """The programme these answers would start today, before any diary."""
    return build_programme(assess(result["answers"]), (), start=today, today=today, days=SHOWN_DAYS)


def result_context(
    result: Mapping[str, Any],
    lang: str,
    *,
    clinician: bool,
    programme: Programme | None,
) -> dict[str, Any]:
    """Everything the result template needs; the programme section only when given."""
    kb = default_model().kb
    shown = programme_context(programme, lang) if programme is not None else {}
    return {
        "view": result_view(kb, result, lang, clinician=clinician),
        "show_programme": programme is not None,
        **shown,
    }
