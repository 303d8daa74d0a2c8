"""Terminal rendering of the care plan: patient mode (classes, no prescription doses) or
clinician mode (INN, ATC, dosing, contraindications and risks)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from lumbar.engine.care_plan import CarePlan, PlanItem
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import Treatment

SHOWN_ITEMS = 6  # per section: the strongest evidence first; `lumbar treatments` lists all
EVIDENCE_STYLE = {
    "recommended": "green",
    "may_be_considered": "cyan",
    "insufficient_evidence": "yellow",
    "not_recommended": "red",
    "unsafe": "bold red",
}


def positions(kb: KnowledgeBase, treatment: Treatment, lang: str) -> str:
    """What NICE NG59 and ACP 2017 say, in words."""
    ui = kb.texts.ui
    return (
        f"NICE NG59 {ui['position_' + treatment.nice_ng59.position].get(lang)}; "
        f"ACP 2017 {ui['position_' + treatment.acp_2017.position].get(lang)}"
    )


def _label(kb: KnowledgeBase, evidence: str, lang: str) -> Text:
    return Text(
        f"[{kb.texts.ui['evidence_' + evidence].get(lang)}] ", style=EVIDENCE_STYLE[evidence]
    )


def _patient_lines(kb: KnowledgeBase, items: tuple[PlanItem, ...], lang: str) -> list[Text]:
    """Items for a patient: prescription medicines collapse into their class, never a dose."""
    lines: list[Text] = []
    shown_classes: set[str] = set()
    for item in items:
        treatment = kb.treatments[item.treatment]
        if treatment.kind == "medicine" and treatment.drug_class is not None:
            if treatment.drug_class in shown_classes:
                continue
            shown_classes.add(treatment.drug_class)
            named = kb.texts.drug_classes.get(treatment.drug_class)
            name = named.name.get(lang) if named else treatment.drug_class
            note = kb.texts.ui["care_medicines_class_note"].get(lang)
        else:
            name = treatment.text.name.get(lang)
            note = (treatment.text.patient_note or treatment.text.what).get(lang)
        line = _label(kb, item.evidence, lang)
        line.append(name, style="bold")
        line.append(f" — {note} ({positions(kb, treatment, lang)})")
        lines.append(line)
    return lines


def _clinician_lines(kb: KnowledgeBase, items: tuple[PlanItem, ...], lang: str) -> list[Text]:
    lines: list[Text] = []
    for item in items:
        treatment = kb.treatments[item.treatment]
        line = _label(kb, item.evidence, lang)
        line.append(treatment.text.name.get(lang), style="bold")
        details = [positions(kb, treatment, lang)]
        if treatment.inn:
            details.append(f"INN {treatment.inn}, ATC {', '.join(treatment.atc)}")
        if treatment.prescription:
            details.append(treatment.prescription)
        if treatment.dosing:
            dose = treatment.dosing
            details.append(
                "dose: "
                + "; ".join(
                    part
                    for part in (
                        dose.adult,
                        dose.max_daily and f"max {dose.max_daily}",
                        dose.max_duration and f"for {dose.max_duration}",
                    )
                    if part
                )
            )
        for heading, entries in (
            ("contraindications", treatment.contraindications),
            ("risks", treatment.risks),
            ("warnings", treatment.warnings),
        ):
            if entries:
                details.append(f"{heading}: {'; '.join(entries)}")
        line.append("\n  " + "\n  ".join(details), style="dim")
        lines.append(line)
    return lines


def render_care_plan(
    console: Console, kb: KnowledgeBase, plan: CarePlan, lang: str, clinician: bool = False
) -> None:
    """Print the plan: do now, options, what to avoid and why, prevention."""
    ui = kb.texts.ui
    lines_for = _clinician_lines if clinician else _patient_lines
    body: list[Text] = [Text(ui["care_do_now_heading"].get(lang), style="bold underline")]
    body += [Text("• " + ui[advice].get(lang)) for advice in plan.do_now]
    for heading, items in (
        ("care_options_heading", plan.options),
        ("care_avoid_heading", plan.avoid),
        ("care_prevention_heading", plan.prevention),
    ):
        if items:
            body.append(Text(""))
            body.append(Text(ui[heading].get(lang), style="bold underline"))
            body += lines_for(kb, items, lang)[:SHOWN_ITEMS]
    console.print(Panel(Group(*body), title=ui["care_plan_heading"].get(lang)))


def treatment_catalogue(kb: KnowledgeBase, lang: str, clinician: bool) -> list[dict[str, Any]]:
    """The catalogue as JSON-ready entries; doses and clinical flags only for clinicians."""
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
        }
        if treatment.text.patient_note:
            entry["patient_note"] = treatment.text.patient_note.get(lang)
        if clinician:
            entry.update(
                inn=treatment.inn,
                atc=list(treatment.atc),
                dosing=treatment.dosing.model_dump() if treatment.dosing else None,
                contraindications=list(treatment.contraindications),
                warnings=list(treatment.warnings),
                risks=list(treatment.risks),
            )
        entries.append(entry)
    return entries


def render_catalogue(console: Console, kb: KnowledgeBase, lang: str, clinician: bool) -> None:
    """The catalogue as a table: name, kind, evidence label, guideline positions."""
    table = Table(show_lines=True, expand=True)
    for column in ("id", "kind", "evidence", "NICE NG59 / ACP 2017", "what it is"):
        table.add_column(column)
    for treatment in kb.treatments.values():
        what = treatment.text.what.get(lang)
        if clinician and treatment.dosing:
            what += f"\n{treatment.dosing.adult}"
        table.add_row(
            f"{treatment.id}\n{treatment.text.name.get(lang)}",
            treatment.kind,
            _label(kb, treatment.evidence, lang),
            positions(kb, treatment, lang),
            what,
        )
    console.print(table)
