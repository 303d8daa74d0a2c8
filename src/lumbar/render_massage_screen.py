"""Terminal rendering of the massage and manual-therapy screen."""

from __future__ import annotations

from rich.console import Console, Group
from rich.panel import Panel
from rich.text import Text

from lumbar.engine.massage_screen import MassageScreen, ScreenReason
from lumbar.kb.loader import KnowledgeBase
from lumbar.render import disclaimer_panel

VERDICT_STYLE = {
    "allowed": "bold white on green",
    "allowed_with_cautions": "bold black on yellow",
    "not_allowed": "bold white on red",
}


def reason_text(kb: KnowledgeBase, reason: ScreenReason, lang: str) -> str:
    """The reason in words, in the person's language."""
    ui = kb.texts.ui
    if reason.source == "rule":
        rule = next(r for r in kb.massage_screen.rules if r.id == reason.id)
        return rule.text.get(lang)
    if reason.source == "red_flag":
        return kb.texts.red_flags[reason.id].patient.get(lang)
    if reason.source == "incomplete":
        questions = "; ".join(kb.texts.findings[f].question.get(lang) for f in reason.findings)
        return f"{ui['screen_incomplete'].get(lang)} {questions}"
    return ui[reason.id].get(lang)


def render_massage_screen(
    console: Console, kb: KnowledgeBase, screen: MassageScreen, lang: str
) -> None:
    """Print both verdicts, every reason, the suitable massage plans and the disclaimer."""
    ui = kb.texts.ui
    body: list[Text] = []
    for modality, verdict in (
        ("massage", screen.massage),
        ("manual_therapy", screen.manual_therapy),
    ):
        line = Text(f"{ui['screen_' + modality].get(lang)}: ", style="bold")
        line.append(f" {ui['verdict_' + verdict].get(lang)} ", style=VERDICT_STYLE[verdict])
        body.append(line)
    console.print(Panel(Group(*body), title=ui["screen_title"].get(lang)))
    if screen.reasons:
        lines = []
        for reason in screen.reasons:
            modalities = ", ".join(ui["screen_" + m].get(lang) for m in reason.applies_to)
            style = "red" if reason.verdict == "not_allowed" else "yellow"
            text = reason_text(kb, reason, lang)
            lines.append(f"[{style}]•[/{style}] {text} [dim]({modalities})[/dim]")
        console.print(Panel("\n".join(lines), title=ui["screen_reasons_heading"].get(lang)))
    if screen.protocols:
        lines = []
        for pid in screen.protocols:
            protocol = kb.massage_protocols[pid]
            summary = (
                ui["screen_protocol_line"]
                .get(lang)
                .format(
                    minutes=f"{protocol.session_minutes:g}",
                    sessions=protocol.course_sessions,
                    frequency=protocol.frequency.get(lang),
                )
            )
            minutes = ui["programme_minutes"].get(lang)
            steps = "\n".join(
                f"  {n}. {step.text.get(lang)} [dim]({minutes.format(minutes=f'{step.minutes:g}')})"
                "[/dim]"
                for n, step in enumerate(protocol.steps, 1)
            )
            lines.append(f"[bold]{protocol.name.get(lang)}[/bold]: {summary}\n{steps}")
        lines.append(f"[dim]{ui['screen_package_note'].get(lang)}[/dim]")
        console.print(Panel("\n".join(lines), title=ui["screen_protocols_heading"].get(lang)))
    console.print(disclaimer_panel(kb, lang))
    console.print(f"[dim]{ui['kb_version_label'].get(lang)}: {screen.kb_version}[/dim]")
