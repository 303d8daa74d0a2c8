"""Terminal rendering of the exercise programme: status, today's sessions, the next days,
what the diary changed, and how to do each exercise."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lumbar.engine.programme import Programme, ProgrammeDay
from lumbar.kb.loader import KnowledgeBase
from lumbar.programme_text import (
    SHOWN_DAYS,
    day_title,
    dose_text,
    event_text,
    how_to,
    minutes_text,
    phase_heading,
)
from lumbar.render import disclaimer_panel

STATUS_STYLE = {"active": "green", "on_hold": "yellow", "stopped": "bold white on red"}


def _day_table(kb: KnowledgeBase, day: ProgrammeDay, today: bool, lang: str) -> Table:
    ui = kb.texts.ui
    table = Table(title=day_title(kb, day, today, lang), expand=True, show_header=False)
    table.add_column("", style="bold", min_width=8)
    table.add_column("")
    table.add_column("", justify="right")
    for session in day.sessions:
        name = ui[f"programme_session_{session.id}"].get(lang)
        minutes = minutes_text(kb, session.minutes, lang)
        for position, item in enumerate(session.items):
            exercise = kb.exercises[item.exercise]
            label = exercise.text.name.get(lang)
            if item.new:
                label += f" [cyan]({ui['programme_new'].get(lang)})[/cyan]"
            table.add_row(
                f"{name}\n[dim]{minutes}[/dim]" if position == 0 else "",
                label,
                dose_text(kb, item, lang),
            )
        table.add_section()
    return table


def render_programme(
    console: Console,
    kb: KnowledgeBase,
    programme: Programme,
    lang: str,
    shown_days: int = SHOWN_DAYS,
) -> None:
    """Print the programme: why it waits or stopped, or today's plan and the next days."""
    ui = kb.texts.ui
    heading = ui["programme_title"].get(lang)
    body: list[Text] = []
    if programme.stop_level is not None:
        triage = kb.texts.triage[programme.stop_level]
        body.append(Text(f" {triage.label.get(lang)} ", style="bold white on red"))
        body.append(Text(triage.action.get(lang)))
        body += [
            Text("• " + kb.texts.red_flags[rule].patient.get(lang)) for rule in programme.stop_rules
        ]
    body += [Text(ui[key].get(lang), style="bold") for key in programme.reasons]
    if programme.status == "active":
        phase = ui[f"phase_{programme.phase}"].get(lang)
        body.insert(0, Text(f"{phase_heading(phase)} {ui['programme_intro'].get(lang)}"))
        body += [Text(ui[key].get(lang), style="yellow") for key in programme.advice]
        body.append(Text(ui["programme_diary_hint"].get(lang), style="dim"))
    console.print(Panel(Group(*body), title=heading, border_style=STATUS_STYLE[programme.status]))
    for position, day in enumerate(programme.days[:shown_days]):
        console.print(_day_table(kb, day, position == 0 and day.day == programme.today, lang))
    if len(programme.days) > 1:
        console.print(Text(ui["programme_planned_note"].get(lang), style="dim"))
    past = [event for event in programme.events if not event.planned]
    if past:
        lines = "\n".join(event_text(kb, event, lang) for event in past)
        console.print(Panel(lines, title=ui["programme_history_heading"].get(lang)))
    exercises = how_to(kb, programme, shown_days, lang)
    if exercises:
        blocks = []
        for exercise in exercises:
            steps = "\n".join(f"  {n}. {step}" for n, step in enumerate(exercise.steps, 1))
            caution = f"\n  [yellow]{exercise.caution}[/yellow]" if exercise.caution else ""
            blocks.append(f"[bold]{exercise.name}[/bold]\n{steps}{caution}")
        console.print(Panel("\n".join(blocks), title=ui["programme_how_to_heading"].get(lang)))
    console.print(disclaimer_panel(kb, lang))
