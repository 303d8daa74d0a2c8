"""Engine results as JSON for clients, with the patient-facing words in the chosen language."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from lumbar.engine.assessment import Assessment
from lumbar.engine.interview import Question
from lumbar.engine.wording import word_question
from lumbar.kb.loader import KnowledgeBase
from lumbar.render_care_plan import treatment_catalogue


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
    """The words a screen shows for an assessment (from its JSON form)."""
    ui = kb.texts.ui
    level = result["triage"]["level"]
    triage = kb.texts.triage[level]
    return {
        "language": lang,
        "triage": {
            "label": triage.label.get(lang),
            "action": triage.action.get(lang),
            "time_frame": triage.time_frame.get(lang),
        },
        "red_flags": {
            rule["id"]: kb.texts.red_flags[rule["id"]].patient.get(lang)
            for rule in result["red_flags"]
        },
        "conditions": {
            c["id"]: kb.texts.conditions[c["id"]].name.get(lang) for c in result["conditions"]
        },
        "specialists": {s: kb.texts.specialists[s].name.get(lang) for s in result["specialists"]},
        "tests": {t: kb.texts.tests[t].name.get(lang) for t in result["tests"]},
        "disclaimer": ui["disclaimer"].get(lang),
        "call_for_help": ui["call_for_help_general"].get(lang),
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
    """The care plan with each treatment from the catalogue: patient mode never has doses."""
    plan = result["care_plan"]
    catalogue = {entry["id"]: entry for entry in treatment_catalogue(kb, lang, clinician)}
    ui = kb.texts.ui
    sections = {}
    for section in ("options", "avoid", "prevention"):
        sections[section] = [
            {
                **item,
                "treatment_text": _patient_safe(
                    kb, catalogue[item["treatment"]], lang, avoid=section == "avoid"
                ),
            }
            if not clinician
            else {**item, "treatment_text": catalogue[item["treatment"]]}
            for item in plan[section]
        ]
    return {
        **plan,
        **sections,
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
