"""Terminal rendering of an assessment with Rich: what `result_view` shows, laid out."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lumbar.engine.assessment import Assessment
from lumbar.kb.loader import KnowledgeBase
from lumbar.render_care_plan import care_plan_panel
from lumbar.result_view import result_view

TRIAGE_STYLE = {
    "emergency_ambulance": "bold white on red",
    "emergency": "bold white on dark_orange3",
    "consultation_24": "bold black on yellow",
    "consultation": "bold white on blue",
    "self_care": "bold white on green",
}


def disclaimer_panel(kb: KnowledgeBase, lang: str, call_for_help: str | None = "") -> Panel:
    """ "This is not a diagnosis" and when to call for help: the foot of every result screen.
    `call_for_help` is the result's own line (None when its banner or warning list already
    says when to call); left out, the general line."""
    ui = kb.texts.ui
    if call_for_help == "":
        call_for_help = ui["call_for_help_general"].get(lang)
    text = ui["disclaimer"].get(lang) + (f"\n{call_for_help}" if call_for_help else "")
    return Panel(text, style="dim")


def render_assessment(
    console: Console, kb: KnowledgeBase, result: Assessment, lang: str, clinician: bool = False
) -> None:
    """Print the result: triage banner, what to do, causes, referrals, warnings, disclaimer."""
    ui = kb.texts.ui
    view = result_view(kb, result.to_dict(), lang, clinician=clinician)
    triage = view.triage
    body = [Text(f" {triage.label} ", style=TRIAGE_STYLE[triage.level]), Text(triage.action)]
    if triage.because:
        body.append(Text(triage.because, style="bold"))
    body += [Text("• " + reason, style="bold") for reason in triage.reasons]
    console.print(Panel(Group(*body), title=ui["triage_heading"].get(lang)))

    table = Table(title=ui["likely_causes_heading"].get(lang), show_lines=True, expand=True)
    table.add_column(ui["probability_label"].get(lang), justify="right", min_width=8)
    table.add_column(ui["likely_causes_heading"].get(lang))
    table.add_column(ui["why_heading"].get(lang))
    for cause in view.causes:
        table.add_row(
            cause.chance,
            f"[bold]{cause.name}[/bold]\n{cause.description}",
            "\n".join(f"{heading}: {text}" for heading, text in cause.why),
        )
    console.print(table)
    if view.serious:
        serious = "\n".join(f"• {cause.name} ({cause.chance})" for cause in view.serious)
        console.print(Panel(serious, title=ui["serious_causes_heading"].get(lang)))

    if view.visit_needed:
        tests = "\n".join(f"• {test}" for test in view.tests)
        console.print(Panel(", ".join(view.specialists), title=ui["see_whom_heading"].get(lang)))
        console.print(Panel(tests, title=ui["tests_heading"].get(lang)))
    else:  # self-care: when to see someone, not whom and which tests
        when = ui["when_to_see_self_care"].get(lang)
        console.print(Panel(when, title=ui["when_to_see_heading"].get(lang)))
    console.print(care_plan_panel(kb, view.care_plan, lang))
    if view.warnings:
        warnings = "\n".join(f"• {w.watch_for} → {w.then}" for w in view.warnings)
        console.print(Panel(warnings, title=ui["warning_signs_heading"].get(lang), style="red"))
    console.print(disclaimer_panel(kb, lang, view.call_for_help))
    console.print(f"[dim]{ui['kb_version_label'].get(lang)}: {view.kb_version}[/dim]")
