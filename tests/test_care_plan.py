"""The care plan and the treatment catalogue: evidence labels, safety holds, patient mode."""

from __future__ import annotations

import io
import json

from rich.console import Console

from lumbar.engine import assess
from lumbar.kb.loader import KnowledgeBase
from lumbar.render_care_plan import render_care_plan, treatment_catalogue

from .test_cli import lumbar

SEED_BRANDS = (
    "analgin",
    "no-shpa",
    "voltaren",
    "nimesil",
    "nurofen",
    "menovazin",
    "finalgon",
    "tempalgin",
)
PLAIN_BACK_PAIN = {
    "age": 35,
    "sex": "male",
    "loc_lower_back_central": True,
    "onset_after_lifting": True,
    "worse_with_movement": True,
    "duration": "days",
    "sedentary_work": True,
}


def screen(kb: KnowledgeBase, answers: dict[str, object], clinician: bool) -> str:
    out = io.StringIO()
    render_care_plan(Console(file=out, width=200), kb, assess(answers).care_plan, "en", clinician)
    return out.getvalue()


def test_catalogue_covers_the_seed_medicines_with_inn_and_atc(kb: KnowledgeBase) -> None:
    names = {name.lower() for t in kb.treatments.values() for name in t.names}
    for brand in SEED_BRANDS:
        assert any(brand in name for name in names), brand
    for treatment in kb.treatments.values():
        if treatment.kind == "medicine":
            assert treatment.inn and treatment.atc and treatment.drug_class, treatment.id


def test_plain_back_pain_plan_offers_evidence_based_care_and_prevention(
    kb: KnowledgeBase,
) -> None:
    plan = assess(PLAIN_BACK_PAIN).care_plan
    assert plan.phase == "acute"
    assert "care_stay_active" in plan.do_now and "care_no_bed_rest" in plan.do_now
    assert plan.options and all(
        i.evidence in {"recommended", "may_be_considered"} for i in plan.options
    )
    assert all(i.evidence in {"not_recommended", "unsafe"} for i in plan.avoid)
    assert plan.prevention
    assert not plan.hold_hands_on
    assert "paracetamol" in {i.treatment for i in plan.avoid}  # NICE: not alone


def test_emergency_plan_offers_nothing_to_try_at_home() -> None:
    plan = assess(
        {**PLAIN_BACK_PAIN, "saddle_anesthesia": True, "bladder_dysfunction": True}
    ).care_plan
    assert plan.do_now == ("care_emergency",)
    assert plan.options == () and plan.prevention == ()
    assert plan.hold_hands_on


def test_chronic_pain_changes_the_phase() -> None:
    plan = assess({**PLAIN_BACK_PAIN, "duration": "months_gt_3"}).care_plan
    assert plan.phase == "chronic"


def test_patient_mode_never_shows_prescription_doses(kb: KnowledgeBase) -> None:
    patient = screen(kb, PLAIN_BACK_PAIN, clinician=False)
    clinician = screen(kb, PLAIN_BACK_PAIN, clinician=True)
    for treatment in kb.treatments.values():
        if treatment.prescription in ("prescription", "varies") and treatment.dosing:
            assert treatment.dosing.adult not in patient, treatment.id
    dose_label = kb.texts.ui["report_dose"].en + ":"
    assert dose_label not in patient and dose_label in clinician
    assert "NICE NG59" in clinician and "NICE NG59" in patient


def test_catalogue_json_hides_doses_unless_clinician(kb: KnowledgeBase) -> None:
    assert all("dosing" not in entry for entry in treatment_catalogue(kb, "en", False))
    assert all("dosing" in entry for entry in treatment_catalogue(kb, "en", True))
    run = lumbar("treatments", "--json", "--lang", "uk")
    assert run.returncode == 0, run.stderr
    entries = json.loads(run.stdout)
    assert {e["evidence"] for e in entries} >= {"recommended", "not_recommended", "unsafe"}
    assert all(e["nice_ng59"]["section"] and e["acp_2017"]["section"] for e in entries)
