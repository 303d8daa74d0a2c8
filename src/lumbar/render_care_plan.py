"""Terminal rendering of the care plan as `result_view` words it: patient mode (first-line
options by class, no prescription doses, "a doctor may consider" for the second line) or
clinician mode (every option with its line, INN, ATC, dosing, contraindications and risks)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lumbar.engine.care_plan import CarePlan
from lumbar.kb.loader import KnowledgeBase
from lumbar.result_view import (
    SHOWN_ITEMS,
    CarePlanView,
    TreatmentView,
    care_plan_view,
    clinical_details,
    guideline_positions,
)

EVIDENCE_STYLE = {
    "recommended": "green",
    "may_be_considered": "cyan",
    "insufficient_evidence": "yellow",
    "not_recommended": "red",
    "unsafe": "bold red",
}


def _label(text: str, evidence: str) -> Text:
    return Text(f"[{text}] ", style=EVIDENCE_STYLE[evidence])


def _line(item: TreatmentView) -> Text:
    """ "[Recommended] Name — note (positions)"; clinical facts on dim lines below."""
    line = _label(item.evidence_label, item.evidence)
    line.append(item.name, style="bold")
    line.append(f" — {item.note}")
    if item.clinical:
        details = [item.positions, *(str(detail) for detail in item.clinical)]
        line.append("\n  " + "\n  ".join(d for d in details if d), style="dim")
    elif item.positions:
        line.append(f" ({item.positions})")
    return line


def _summary(kb: KnowledgeBase, plan: CarePlanView, lang: str) -> list[Text]:
    """A person's plan as the result shows it first: at most three of each (care_plan.yaml
    patient_summary), no guideline positions, and how many more the full list has."""
    ui = kb.texts.ui
    body = [Text(ui["care_do_now_heading"].get(lang), style="bold underline")]
    body += [Text("• " + advice) for advice in plan.first_do_now]
    for heading, items, after in (
        ("care_options_heading", plan.first_options, plan.doctor_may_consider),
        ("care_avoid_heading", plan.first_avoid, None),
    ):
        if items or after:
            body += [Text(""), Text(ui[heading].get(lang), style="bold underline")]
            for item in items:
                line = _label(item.evidence_label, item.evidence)
                line.append(item.name, style="bold")
                line.append(f" — {item.note}")
                body.append(line)
            if after:
                body.append(Text(after))
    hidden = (
        len(plan.do_now)
        - len(plan.first_do_now)
        + len(plan.options)
        - len(plan.first_options)
        + len(plan.avoid)
        - len(plan.first_avoid)
        + len(plan.prevention)
    )
    if hidden > 0:
        more = ui["report_more_items"].get(lang).format(n=hidden)
        body += [Text(""), Text(more, style="dim")]
    return body


def care_plan_panel(
    kb: KnowledgeBase, plan: CarePlanView, lang: str, *, full: bool = False
) -> Panel:
    """The plan: do now, options (for a patient, then what a doctor may consider), what to
    avoid and why, prevention; long sections are cut to SHOWN_ITEMS with "N more"
    (`lumbar treatments` lists all)."""
    ui = kb.texts.ui
    if plan.first_do_now and not full:  # a person's result: the summary first
        return Panel(Group(*_summary(kb, plan, lang)), title=ui["care_plan_heading"].get(lang))
    body: list[Text] = [Text(ui["care_do_now_heading"].get(lang), style="bold underline")]
    body += [Text("• " + advice) for advice in plan.do_now]
    for heading, items, after in plan.sections:
        body.append(Text(""))
        body.append(Text(ui[heading].get(lang), style="bold underline"))
        body += [_line(item) for item in items[:SHOWN_ITEMS]]
        if len(items) > SHOWN_ITEMS:
            more = ui["report_more_items"].get(lang).format(n=len(items) - SHOWN_ITEMS)
            body.append(Text(more, style="dim"))
        if after:
            body.append(Text(after))
    return Panel(Group(*body), title=ui["care_plan_heading"].get(lang))


def render_care_plan(
    console: Console, kb: KnowledgeBase, plan: CarePlan, lang: str, clinician: bool = False
) -> None:
    """Print the plan as the result screens show it (see `care_plan_panel`)."""
    view = care_plan_view(kb, asdict(plan), lang, clinician)
    console.print(care_plan_panel(kb, view, lang, full=True))


def treatment_catalogue(kb: KnowledgeBase, lang: str, clinician: bool) -> list[dict[str, Any]]:
    """The catalogue as JSON-ready entries with their line; the line's reason, doses and
    clinical flags only for clinicians."""
    entries = []
    for treatment in kb.treatments.values():
        entry: dict[str, Any] = {
            "id": treatment.id,
            "kind": treatment.kind,
            "name": treatment.text.name.get(lang),
            "what": treatment.text.what.get(lang),
            "names": list(treatment.names),
            "evidence": treatment.evidence,
            "nice_ng59": treatment.nice_ng59.model_dump(),
            "acp_2017": treatment.acp_2017.model_dump(),
            "conditions": list(treatment.conditions),
            "phases": list(treatment.phases),
            "prescription": treatment.prescription,
            "drug_class": treatment.drug_class,
            "line": treatment.line,
        }
        if treatment.text.patient_note:
            entry["patient_note"] = treatment.text.patient_note.get(lang)
        if clinician:
            entry.update(
                inn=treatment.inn,
                atc=list(treatment.atc),
                dosing=treatment.dosing.model_dump() if treatment.dosing else None,
                line_reason=treatment.line_reason,
                contraindications=list(treatment.contraindications),
                warnings=list(treatment.warnings),
                risks=list(treatment.risks),
            )
        entries.append(entry)
    return entries


def render_catalogue(console: Console, kb: KnowledgeBase, lang: str, clinician: bool) -> None:
    """The catalogue as a table: name, kind, evidence label and line, guideline positions; for
    a clinician also INN, ATC, the line's reason, dose and safety flags, worded as on the
    result screens."""
    table = Table(show_lines=True, expand=True)
    for column in ("id", "kind", "evidence", "NICE NG59 / ACP 2017", "what it is"):
        table.add_column(column)
    ui = kb.texts.ui
    for treatment in kb.treatments.values():
        what = treatment.text.what.get(lang)
        if clinician:
            what += "".join(f"\n{detail}" for detail in clinical_details(kb, treatment, lang))
        evidence = _label(ui[f"evidence_{treatment.evidence}"].get(lang), treatment.evidence)
        if treatment.line:
            evidence.append("\n" + ui[f"line_{treatment.line}"].get(lang))
        table.add_row(
            f"{treatment.id}\n{treatment.text.name.get(lang)}",
            treatment.kind,
            evidence,
            guideline_positions(kb, treatment, lang),
            what,
        )
    console.print(table)
