"""The care plan and the treatment catalogue: evidence labels, safety holds, patient mode."""

from __future__ import annotations

import io
import json
from dataclasses import asdict

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
    assert {e["line"] for e in entries} == {"first", "second", "restricted"}
    assert all("line_reason" not in e for e in entries)
    assert all("line_reason" in e for e in treatment_catalogue(kb, "en", True))
    assert all(e["nice_ng59"]["section"] and e["acp_2017"]["section"] for e in entries)


# --- lines of treatment (issues 12 and 14) ----------------------------------------------

LIFTING_STRAIN = {**PLAIN_BACK_PAIN, "muscle_spasm": True, "pain_severity": 6}
# Named next to ibuprofen in a strain's patient options before lines existed.
NOT_FOR_PATIENTS = (
    "ketorolac",
    "nimesulide",
    "indomethacin",
    "lornoxicam",
    "etoricoxib",
    "codeine",
    "tramadol",
)


def _names(kb: KnowledgeBase, tid: str) -> set[str]:
    """Every way a treatment is written in English: catalogue name, INN, brands."""
    treatment = kb.treatments[tid]
    return {treatment.text.name.en, *(treatment.names), *([treatment.inn] if treatment.inn else [])}


def test_every_treatment_has_a_line_and_first_line_is_what_a_person_may_start(
    kb: KnowledgeBase,
) -> None:
    lines = {t.id: t.line for t in kb.treatments.values()}
    assert set(lines.values()) == {"first", "second", "restricted"}
    for treatment in kb.treatments.values():
        if treatment.line == "first":
            assert treatment.evidence in {"recommended", "may_be_considered"}, treatment.id
            assert treatment.prescription != "prescription", treatment.id
        if treatment.kind == "medicine":
            assert treatment.line_reason and treatment.line_cite, treatment.id
    assert lines["ibuprofen"] == lines["naproxen"] == "first"
    assert lines["codeine"] == lines["tramadol"] == lines["tizanidine"] == "second"
    for tid in ("ketorolac", "nimesulide", "metamizole", "strong_opioids"):
        assert lines[tid] == "restricted", tid
    assert lines["systemic_corticosteroids"] == "restricted"


def test_the_engine_keeps_every_option_with_its_line() -> None:
    plan = assess(LIFTING_STRAIN).care_plan
    options = {item.treatment: item.line for item in plan.options}
    assert options["ibuprofen"] == "first"
    assert options["ketorolac"] == options["nimesulide"] == "restricted"
    assert options["codeine"] == options["tramadol"] == "second"
    assert set(NOT_FOR_PATIENTS) <= set(options)
    assert all(item.line for item in (*plan.options, *plan.avoid, *plan.prevention))


def test_a_strain_in_patient_mode_offers_first_line_options_only(kb: KnowledgeBase) -> None:
    from lumbar.result_view import care_plan_view

    plan = asdict(assess(LIFTING_STRAIN).care_plan)
    view = care_plan_view(kb, plan, "en", clinician=False)
    assert {item.line for item in view.options} == {"first"}
    assert not {item.id for item in view.options} & set(NOT_FOR_PATIENTS)
    assert "Anti-inflammatory painkillers (NSAIDs)" in {item.name for item in view.options}
    assert view.doctor_may_consider is not None
    assert "a doctor may consider: " in view.doctor_may_consider
    for words in ("muscle relaxants", "weak opioid painkillers (codeine, tramadol)"):
        assert words in view.doctor_may_consider
    assert "NSAIDs)" not in view.doctor_may_consider  # already an option: not named again
    assert not any(item.line == "restricted" for item in view.prevention)

    clinician = care_plan_view(kb, plan, "en", clinician=True)
    lines = {item.id: item.line for item in clinician.options}
    assert set(NOT_FOR_PATIENTS) <= set(lines) and clinician.doctor_may_consider is None
    ketorolac = next(item for item in clinician.options if item.id == "ketorolac")
    assert any(str(detail).startswith("Restricted: ") for detail in ketorolac.clinical)


def test_the_terminal_shows_a_patient_no_restricted_or_second_line_options(
    kb: KnowledgeBase,
) -> None:
    patient = screen(kb, LIFTING_STRAIN, clinician=False)
    heading = kb.texts.ui["care_options_heading"].en
    options = patient[patient.index(heading) : patient.index("a doctor may consider")]
    for tid in NOT_FOR_PATIENTS:
        assert not any(name in options for name in _names(kb, tid)), tid
    for tid in ("ketorolac", "nimesulide", "indomethacin", "lornoxicam", "etoricoxib"):
        assert not any(name in patient for name in _names(kb, tid)), tid
    for drug_class in ("weak_opioid", "skeletal_muscle_relaxant", "nsaid_cox2_selective"):
        assert kb.texts.drug_classes[drug_class].name.en not in options, drug_class
    assert "weak opioid painkillers" in patient[patient.index("a doctor may consider") :]

    clinician = screen(kb, LIFTING_STRAIN, clinician=True)
    assert "Second line: " in clinician and "First line" in clinician


def test_the_api_care_plan_gives_a_patient_first_line_and_a_clinician_every_line(
    kb: KnowledgeBase,
) -> None:
    from lumbar.api.presenting import assessment_view, care_plan_view

    result = assess(LIFTING_STRAIN).to_dict()
    patient = care_plan_view(kb, result, "uk", clinician=False)
    assert patient["options"] and {item["line"] for item in patient["options"]} == {"first"}
    assert not {item["treatment"] for item in patient["options"]} & set(NOT_FOR_PATIENTS)
    assert all("dosing" not in item["treatment_text"] for item in patient["options"])
    assert "лікар може розглянути" in patient["doctor_may_consider"]
    assert "Міорелаксанти (засоби, що розслаблюють м’язи)" in patient["second_line"]
    assert not any(item["line"] == "restricted" for item in patient["prevention"])

    clinician = care_plan_view(kb, result, "uk", clinician=True)
    lines = {item["treatment"]: item["line"] for item in clinician["options"]}
    assert lines["ketorolac"] == "restricted" and lines["tramadol"] == "second"
    assert set(NOT_FOR_PATIENTS) <= set(lines)
    assert "doctor_may_consider" not in clinician
    ketorolac = next(i for i in clinician["options"] if i["treatment"] == "ketorolac")
    assert ketorolac["treatment_text"]["line_reason"] and ketorolac["treatment_text"]["dosing"]

    text = assessment_view(kb, result, "en")["text"]["care_plan"]
    assert "Anti-inflammatory painkillers (NSAIDs)" in text["options"]
    assert not any(name in text["options"] for tid in NOT_FOR_PATIENTS for name in _names(kb, tid))
    assert text["doctor_may_consider"].startswith("If these do not help")


def test_an_older_plan_without_lines_is_shown_by_the_catalogue_lines(kb: KnowledgeBase) -> None:
    from lumbar.result_view import care_plan_view

    plan = asdict(assess(LIFTING_STRAIN).care_plan)
    for section in ("options", "avoid", "prevention"):
        for item in plan[section]:
            del item["line"]
    view = care_plan_view(kb, plan, "en", clinician=False)
    assert {item.line for item in view.options} == {"first"}
    assert view.doctor_may_consider
