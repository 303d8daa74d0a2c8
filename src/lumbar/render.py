"""Terminal rendering of an assessment with Rich, in the person's language."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lumbar.engine.assessment import Assessment, Contribution, RankedCondition
from lumbar.kb.loader import KnowledgeBase
from lumbar.render_care_plan import render_care_plan

TRIAGE_STYLE = {
    "emergency_ambulance": "bold white on red",
    "emergency": "bold white on dark_orange3",
    "consultation_24": "bold black on yellow",
    "consultation": "bold white on blue",
    "self_care": "bold white on green",
}
SHOWN_CONDITIONS = 5
SHOWN_REASONS = 3
NOTABLE_RATIO = 1.25  # weaker answers are left out of the reasons shown


def _answer_label(kb: KnowledgeBase, contribution: Contribution, lang: str) -> str:
    """The finding with the answer given: "Fever", "Fever: no", "Pain severity: 7"."""
    text = kb.texts.findings[contribution.finding]
    answer = contribution.answer
    if answer is True:
        shown = ""
    elif answer is False:
        shown = kb.texts.ui["no"].get(lang).lower()
    elif isinstance(answer, str):
        choices = text.choices or {}
        shown = choices[answer].get(lang) if answer in choices else answer
    else:
        shown = f"{answer:g}"
    label = text.label.get(lang)
    return f"{label}: {shown}" if shown else label


def _reasons(kb: KnowledgeBase, condition: RankedCondition, lang: str) -> str:
    strong = [
        c
        for c in condition.contributions
        if c.likelihood_ratio >= NOTABLE_RATIO or c.likelihood_ratio <= 1 / NOTABLE_RATIO
    ]
    up = [c for c in strong if c.likelihood_ratio > 1][:SHOWN_REASONS]
    down = [c for c in strong if c.likelihood_ratio < 1][:SHOWN_REASONS]
    ui = kb.texts.ui
    parts = []
    for heading, items in (("raised_by", up), ("lowered_by", down)):
        if items:
            labels = ", ".join(
                f"{_answer_label(kb, c, lang)} ×{c.likelihood_ratio:.2g}" for c in items
            )
            parts.append(f"{ui[heading].get(lang)}: {labels}")
    return "\n".join(parts)


def disclaimer_panel(kb: KnowledgeBase, lang: str) -> Panel:
    """ "This is not a diagnosis" and when to call for help: the foot of every result screen."""
    ui = kb.texts.ui
    text = f"{ui['disclaimer'].get(lang)}\n{ui['call_for_help_general'].get(lang)}"
    return Panel(text, style="dim")


def render_assessment(
    console: Console, kb: KnowledgeBase, result: Assessment, lang: str, clinician: bool = False
) -> None:
    """Print the result: triage banner, what to do, causes, referrals, warnings, disclaimer."""
    ui = kb.texts.ui
    triage_text = kb.texts.triage[result.triage.level]
    banner = Text(f" {triage_text.label.get(lang)} ", style=TRIAGE_STYLE[result.triage.level])
    body = [banner, Text(triage_text.action.get(lang))]
    for reason in result.triage.set_by:
        if reason.source in ("red_flag", "escalation"):
            body.append(Text("• " + kb.texts.red_flags[reason.id].patient.get(lang), style="bold"))
    console.print(Panel(Group(*body), title=ui["triage_heading"].get(lang)))

    table = Table(title=ui["likely_causes_heading"].get(lang), show_lines=True, expand=True)
    table.add_column(ui["probability_label"].get(lang), justify="right", min_width=6)
    table.add_column(ui["likely_causes_heading"].get(lang))
    table.add_column(ui["why_heading"].get(lang))
    for condition in result.conditions[:SHOWN_CONDITIONS]:
        text = kb.texts.conditions[condition.id]
        table.add_row(
            f"{condition.probability:.0%}" if condition.probability >= 0.005 else "<1%",
            f"[bold]{text.name.get(lang)}[/bold]\n{text.description.get(lang)}",
            _reasons(kb, condition, lang),
        )
    console.print(table)

    specialists = ", ".join(kb.texts.specialists[s].name.get(lang) for s in result.specialists)
    tests = "\n".join(f"• {kb.texts.tests[t].name.get(lang)}" for t in result.tests)
    console.print(Panel(specialists, title=ui["see_whom_heading"].get(lang)))
    console.print(Panel(tests, title=ui["tests_heading"].get(lang)))
    render_care_plan(console, kb, result.care_plan, lang, clinician)
    if result.triage.warning_signs:
        warnings = "\n".join(
            f"• {kb.texts.red_flags[w.rule].watch_for.get(lang)}"
            f" → {kb.texts.triage[w.level].label.get(lang)}"
            for w in result.triage.warning_signs
        )
        console.print(Panel(warnings, title=ui["warning_signs_heading"].get(lang), style="red"))
    console.print(disclaimer_panel(kb, lang))
    console.print(f"[dim]{ui['kb_version_label'].get(lang)}: {result.kb_version}[/dim]")
