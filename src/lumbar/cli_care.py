"""Care commands: `lumbar programme` (the day-by-day exercise programme from answers and a
pain diary) and `lumbar screen-massage` (the massage and manual-therapy check)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from lumbar.cli_common import assess_file, console, echo_json, errors, fail, language, read_yaml

if TYPE_CHECKING:
    from lumbar.engine.diary import DiaryEntry


def read_diary(path: Path) -> list[DiaryEntry]:
    """Diary entries from a YAML or JSON list (or a mapping with `entries`); exits naming
    every bad field."""
    from pydantic import TypeAdapter, ValidationError

    from lumbar.engine.diary import DiaryEntry

    data: Any = read_yaml(path)
    if isinstance(data, dict) and "entries" in data:
        data = data["entries"]
    try:
        return TypeAdapter(list[DiaryEntry]).validate_python(data or [])
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            errors.print(f"[red]invalid diary entry[/red] {where}: {problem['msg']}")
        raise typer.Exit(2) from error


def programme_command(
    answers: Annotated[
        Path, typer.Option("--answers", help="YAML or JSON file of the assessment's answers.")
    ],
    diary: Annotated[
        Path | None,
        typer.Option(help="YAML or JSON list of diary entries: day, pain, new_leg_symptoms..."),
    ] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="First day of the programme, YYYY-MM-DD (default: first diary day or today)."
        ),
    ] = None,
    today: Annotated[
        str | None,
        typer.Option(
            help="The day to plan from, YYYY-MM-DD (default: today or the last diary "
            "day, whichever is later)."
        ),
    ] = None,
    days: Annotated[int, typer.Option(min=1, max=90, help="How many days to plan.")] = 7,
    cleared: Annotated[
        bool,
        typer.Option(help="A clinician has seen the person and cleared exercise."),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the programme as JSON.")] = False,
    lang: Annotated[
        str | None, typer.Option(help="Language: en, uk or ru (default: system locale).")
    ] = None,
) -> None:
    """Build the exercise programme: today's sessions and the next days, stepped up, held
    back or stopped by the pain diary."""
    from lumbar.engine.programme import DiaryError, build_programme
    from lumbar.kb.loader import default_knowledge_base
    from lumbar.programme_text import SHOWN_DAYS
    from lumbar.render_programme import render_programme

    chosen = language(lang)
    assessment = assess_file(answers)
    entries = read_diary(diary) if diary is not None else []
    first = _date("--start", start) or min((e.day for e in entries), default=date.today())
    last_entry = max((e.day for e in entries), default=first)
    plan_from = _date("--today", today) or max(first, last_entry, date.today())
    try:
        programme = build_programme(
            assessment, entries, start=first, today=plan_from, days=days, cleared=cleared
        )
    except DiaryError as error:
        fail(str(error))
    if as_json:
        echo_json(asdict(programme))
        return
    render_programme(
        console, default_knowledge_base(), programme, chosen, shown_days=min(days, SHOWN_DAYS)
    )


def _date(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option} must be a date as YYYY-MM-DD, not {value!r}")


def screen_massage_command(
    answers: Annotated[
        Path, typer.Option("--answers", help="YAML or JSON file of the person's answers.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print the screen as JSON.")] = False,
    lang: Annotated[
        str | None, typer.Option(help="Language: en, uk or ru (default: system locale).")
    ] = None,
) -> None:
    """Check before a session whether massage and manual therapy are allowed, allowed with
    cautions or not allowed, and why."""
    from lumbar.engine.massage_screen import screen_massage
    from lumbar.kb.loader import default_knowledge_base
    from lumbar.render_massage_screen import render_massage_screen

    chosen = language(lang)
    result = screen_massage(assess_file(answers))
    if as_json:
        echo_json(result.to_dict())
        return
    render_massage_screen(console, default_knowledge_base(), result, chosen)
