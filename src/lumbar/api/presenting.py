"""Engine results as JSON for clients, with the patient-facing words in the chosen language."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lumbar.engine.assessment import Assessment
from lumbar.engine.interview import Question
from lumbar.engine.wording import word_question
from lumbar.kb.loader import KnowledgeBase
from lumbar.render_care_plan import treatment_catalogue
from lumbar.result_view import care_plan_view as shown_care_plan
from lumbar.result_view import (
    doctor_may_consider,
    item_line,
    patient_items,
    result_view,
    second_line_names,
)


def question_view(kb: KnowledgeBase, question: Question | None, lang: str) -> dict[str, Any] | None:
    """The next question with its words, or None when the interview should stop."""
    if question is None:
        return None
    wording = word_question(kb, question, lang)
    return {
        "id": question.id,
        "kind": question.kind,
        "findings": list(question.findings),
        "purpose": asdict(question.purpose),
        **asdict(wording),
    }


def assessment_text(kb: KnowledgeBase, result: dict[str, Any], lang: str) -> dict[str, Any]:
    """The words a screen shows for an assessment (from its JSON form). The care plan is
    worded as a patient sees it: first-line options only (medicines by class), and one line
    on what a doctor may consider; `result.care_plan` itself keeps every option with its
    line, and GET /v1/assessments/{id}/care-plan gives each role its own view."""
    ui = kb.texts.ui
    level = result["triage"]["level"]
    triage = kb.texts.triage[level]
    shown = result_view(kb, result, lang) if "care_plan" in result else None
    return {
        "language": lang,
        "triage": {
            "label": triage.label.get(lang),
            "action": triage.action.get(lang),
            "time_frame": triage.time_frame.get(lang),
            # "Because you reported: ...", the person's own answers behind the level
            "because": shown.triage.because if shown else None,
        },
        # "Get help at once if you notice": signs not already reported, each with its level
        "warning_signs": [{"watch_for": w.watch_for, "then": w.then} for w in shown.warnings]
        if shown
        else [],
        "red_flags": {
            rule["id"]: kb.texts.red_flags[rule["id"]].patient.get(lang)
            for rule in result["red_flags"]
        },
        "conditions": {
            c["id"]: kb.texts.conditions[c["id"]].name.get(lang) for c in result["conditions"]
        },
        "specialists": {s: kb.texts.specialists[s].name.get(lang) for s in result["specialists"]},
        "tests": {t: kb.texts.tests[t].name.get(lang) for t in result["tests"]},
        "care_plan": _care_plan_text(kb, result["care_plan"], lang)
        if "care_plan" in result
        else None,
        "disclaimer": ui["disclaimer"].get(lang),
        "call_for_help": ui["call_for_help_general"].get(lang),
        # When to call for help as the result screens say it once: null when the urgent
        # banner or the warning signs already say it
        "call_for_help_shown": shown.call_for_help if shown else None,
    }


def _care_plan_text(kb: KnowledgeBase, plan: dict[str, Any], lang: str) -> dict[str, Any]:
    """The care plan's words as a patient sees them (result_view): names only, no doses."""
    shown = shown_care_plan(kb, plan, lang, clinician=False)
    return {
        "do_now": list(shown.do_now),
        "options": [item.name for item in shown.options],
        "doctor_may_consider": shown.doctor_may_consider,
        "avoid": [item.name for item in shown.avoid],
        "prevention": [item.name for item in shown.prevention],
    }


def assessment_view(
    kb: KnowledgeBase, result: Assessment | dict[str, Any], lang: str
) -> dict[str, Any]:
    """The assessment with its words."""
    data = result.to_dict() if isinstance(result, Assessment) else result
    return {**data, "text": assessment_text(kb, data, lang)}


def care_plan_view(
    kb: KnowledgeBase, result: dict[str, Any], lang: str, clinician: bool
) -> dict[str, Any]:
    """The care plan with each treatment from the catalogue. A clinician gets every option
    with its line, INN, doses and flags; a patient the first-line options and prevention only
    (medicines by class, never a dose), the second-line ones named in `doctor_may_consider`,
    and everything to avoid."""
    plan = result["care_plan"]
    catalogue = {entry["id"]: entry for entry in treatment_catalogue(kb, lang, clinician)}
    ui = kb.texts.ui
    sections = {}
    for section in ("options", "avoid", "prevention"):
        items = plan[section]
        if not clinician and section != "avoid":
            items = patient_items(kb, items)
        sections[section] = [
            {
                **item,
                "line": item_line(kb, item),
                "treatment_text": _patient_safe(
                    kb, catalogue[item["treatment"]], lang, avoid=section == "avoid"
                ),
            }
            if not clinician
            else {
                **item,
                "line": item_line(kb, item),
                "treatment_text": catalogue[item["treatment"]],
            }
            for item in items
        ]
    patient = {
        "second_line": second_line_names(kb, plan["options"], lang),
        "doctor_may_consider": doctor_may_consider(kb, plan["options"], lang),
    }
    return {
        **plan,
        **sections,
        **({} if clinician else patient),
        "do_now_text": [ui[key].get(lang) for key in plan["do_now"]],
        "mode": "clinician" if clinician else "patient",
        "disclaimer": ui["disclaimer"].get(lang),
    }


def _patient_safe(
    kb: KnowledgeBase, entry: dict[str, Any], lang: str, avoid: bool
) -> dict[str, Any]:
    """A medicine shown to a patient by its class and without a dose: to consider, with "ask
    a doctor or pharmacist"; to avoid, with its own plain-language reason."""
    drug_class = entry.get("drug_class")
    if entry["kind"] != "medicine" or drug_class is None:
        return entry
    named = kb.texts.drug_classes.get(drug_class)
    return {
        "id": entry["id"],
        "kind": entry["kind"],
        "drug_class": drug_class,
        "name": named.name.get(lang) if named else drug_class,
        "patient_note": entry.get("patient_note", entry["what"])
        if avoid
        else kb.texts.ui["care_medicines_class_note"].get(lang),
        "evidence": entry["evidence"],
        "nice_ng59": entry["nice_ng59"],
        "acp_2017": entry["acp_2017"],
        "prescription": entry["prescription"],
    }
