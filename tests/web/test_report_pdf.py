"""The PDF report: order of sections, safety wording, doses only for clinicians, languages."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pypdf import PdfReader

from lumbar.engine import assess
from lumbar.engine.diary import DiaryEntry
from lumbar.engine.programme import build_programme
from lumbar.kb.loader import KnowledgeBase, default_knowledge_base
from lumbar.kb.models import LANGUAGES
from lumbar.result_view import SHOWN_ITEMS
from lumbar.web.report_pdf import report_pdf

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
CREATED = datetime(2026, 11, 22, 9, 30, tzinfo=UTC)
KB_VERSION = default_knowledge_base().version
# Fires rf_cardiac_pain: call an ambulance (the README's example).
HEART = {
    "age": 66,
    "sex": "female",
    "loc_below_left_scapula": True,
    "cold_sweat": True,
    "rad_arm_jaw_neck": True,
}


def _answers(name: str) -> dict[str, Any]:
    if name == "heart":
        return HEART
    data: dict[str, Any] = yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text())
    return data


@cache
def _result(name: str) -> dict[str, Any]:
    return assess(_answers(name)).to_dict()


@cache
def _pdf(name: str, lang: str, clinician: bool) -> bytes:
    return report_pdf(
        default_knowledge_base(), _result(name), lang, clinician=clinician, created_at=CREATED
    )


def _pages(data: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line breaks included) as one space."""
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages]


def _text(data: bytes) -> str:
    return " ".join(_pages(data))


def _flat(text: str) -> str:
    return " ".join(text.split())


def _dose_strings(kb: KnowledgeBase) -> dict[str, set[str]]:
    """Every dose field of the clinician catalogue that names an amount, by treatment."""
    doses: dict[str, set[str]] = {}
    for treatment in kb.treatments.values():
        if treatment.dosing is None:
            continue
        dosing = treatment.dosing
        fields = (dosing.adult, dosing.max_daily, dosing.max_duration)
        doses[treatment.id] = {f for f in fields if f and re.search(r"\d", f)}
    return doses


def test_pdf_is_a4_with_title_language_and_date() -> None:
    reader = PdfReader(io.BytesIO(_pdf("lifting-strain", "uk", False)))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    metadata = reader.metadata
    assert metadata is not None
    assert metadata.title == "Звіт про оцінку болю в спині 2026-11-22"
    assert reader.trailer["/Root"]["/Lang"] == "uk"
    assert metadata.creation_date is not None
    assert metadata.creation_date.date() == date(2026, 11, 22)


def test_same_inputs_and_date_give_the_same_bytes() -> None:
    kb = default_knowledge_base()
    result = _result("lifting-strain")
    first = report_pdf(kb, result, "en", clinician=False, created_at=CREATED)
    assert first == report_pdf(kb, result, "en", clinician=False, created_at=CREATED)
    later = report_pdf(kb, result, "en", clinician=False, created_at=datetime(2027, 1, 5))
    assert later != first
    assert "5 January 2027" in _text(later)


def test_triage_comes_first_then_causes_referrals_and_care_plan(kb: KnowledgeBase) -> None:
    text = _text(_pdf("left-flank-pain", "en", False))
    result = _result("left-flank-pain")
    ui = kb.texts.ui
    triage = kb.texts.triage[result["triage"]["level"]]
    order = [
        text.index(ui["triage_heading"].en),
        text.index(triage.label.en),
        text.index(triage.time_frame.en),
        text.index(_flat(triage.action.en)),
        text.index(ui["likely_causes_heading"].en),
        text.index(_flat(kb.texts.conditions[result["conditions"][0]["id"]].name.en)),
        text.index(ui["see_whom_heading"].en),
        text.index(ui["tests_heading"].en),
        text.index(ui["care_plan_heading"].en),
        text.index(ui["warning_signs_heading"].en),
    ]
    assert order == sorted(order)


def test_causes_show_probability_and_the_answers_that_moved_them(kb: KnowledgeBase) -> None:
    """The clinician's copy: the percentage and the likelihood ratios; the patient's copy: a
    band and words ("strongly points to it"), no percentage and no multiplier."""
    top = _result("lifting-strain")["conditions"][0]
    clinician = _text(_pdf("lifting-strain", "en", True))
    assert f"{top['probability']:.0%}" in clinician
    assert kb.texts.ui["raised_by"].en + ":" in clinician
    assert kb.texts.findings["onset_after_lifting"].label.en in clinician
    patient = _text(_pdf("lifting-strain", "en", False))
    assert f"{top['probability']:.0%}" not in patient
    assert not re.search(r"×\s?\d", patient)
    assert kb.texts.findings["onset_after_lifting"].label.en in patient
    assert "points to it" in patient


@pytest.mark.parametrize("example", ["lifting-strain", "left-flank-pain", "massage-intake"])
@pytest.mark.parametrize("lang", LANGUAGES)
def test_patient_pdf_never_shows_a_dose(kb: KnowledgeBase, example: str, lang: str) -> None:
    text = _text(_pdf(example, lang, False))
    shown = sorted(
        dose for doses in _dose_strings(kb).values() for dose in doses if _flat(dose) in text
    )
    assert shown == []
    if example == "lifting-strain":  # medicines in the plan: by class, ask a pharmacist
        assert _flat(kb.texts.ui["care_medicines_class_note"].get(lang)) in text


def test_clinician_pdf_shows_the_doses_of_the_medicines_it_lists(kb: KnowledgeBase) -> None:
    text = _text(_pdf("lifting-strain", "en", True))
    plan = _result("lifting-strain")["care_plan"]
    doses = _dose_strings(kb)
    listed = [
        item["treatment"]
        for section in ("options", "avoid", "prevention")
        for item in plan[section][:SHOWN_ITEMS]
        if doses.get(item["treatment"])
    ]
    assert listed, "the example should list at least one medicine with a dose"
    for treatment in listed:
        for dose in doses[treatment]:
            assert _flat(dose) in text, (treatment, dose)
    assert "celecoxib" in text  # INN
    assert kb.texts.ui["report_contraindications"].en + ":" in text


def test_every_treatment_carries_its_evidence_label_and_guideline_positions(
    kb: KnowledgeBase,
) -> None:
    text = _text(_pdf("lifting-strain", "en", False))
    plan = _result("lifting-strain")["care_plan"]
    for section in ("options", "avoid", "prevention"):
        for item in plan[section][:1]:
            assert kb.texts.ui[f"evidence_{item['evidence']}"].en in text
    # a guideline is named only where it takes a position, never "does not cover it"
    assert text.count("NICE NG59") >= 6
    assert text.count("ACP 2017") >= 3
    assert kb.texts.ui["position_not_covered"].en not in text
    assert kb.texts.ui["report_more_items"].en.split("{n}")[1].strip() in text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_each_language_uses_the_kb_words(kb: KnowledgeBase, lang: str) -> None:
    text = _text(_pdf("left-flank-pain", lang, False))
    level = _result("left-flank-pain")["triage"]["level"]
    assert kb.texts.triage[level].label.get(lang) in text
    assert kb.texts.ui["likely_causes_heading"].get(lang) in text
    assert kb.texts.ui["report_title"].get(lang) in text
    cyrillic = re.search("[а-яА-ЯіїєґІЇЄҐ]", text) is not None
    assert cyrillic == (lang != "en")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_not_a_diagnosis_and_when_to_call_for_help(kb: KnowledgeBase, lang: str) -> None:
    pages = _pages(_pdf("lifting-strain", lang, False))
    text = " ".join(pages)
    ui = kb.texts.ui
    assert _flat(ui["disclaimer"].get(lang)) in text
    # When to call for help is said once: here by the warning signs, each with its level,
    # so the general "call an ambulance if ..." line is not repeated beside them
    assert ui["warning_signs_heading"].get(lang) in text
    assert _flat(ui["call_for_help_general"].get(lang)) not in text
    assert len(pages) > 1
    day = {"en": "22 November 2026", "uk": "22.11.2026", "ru": "22.11.2026"}[lang]
    for number, page in enumerate(pages, 1):
        assert ui["report_not_diagnosis"].get(lang) in page
        assert ui["report_page"].get(lang).format(page=number, pages=len(pages)) in page
        assert KB_VERSION in page and day in page  # kb version and date, as the language writes it


@pytest.mark.parametrize("lang", LANGUAGES)
def test_emergency_shows_the_ambulance_band_and_the_red_flag_reason(
    kb: KnowledgeBase, lang: str
) -> None:
    result = _result("heart")
    assert result["triage"]["level"] == "emergency_ambulance"
    text = _text(_pdf("heart", lang, False))
    triage = kb.texts.triage["emergency_ambulance"]
    reason = _flat(kb.texts.red_flags["rf_cardiac_pain"].patient.get(lang))
    assert text.index(triage.label.get(lang)) < text.index(reason)
    assert text.index(reason) < text.index(kb.texts.ui["likely_causes_heading"].get(lang))
    assert _flat(triage.action.get(lang)) in text


def test_patient_label_programme_and_diary(kb: KnowledgeBase) -> None:
    answers = _answers("lifting-strain")
    assessment = assess(answers)
    entries = [
        DiaryEntry(**entry) for entry in yaml.safe_load((EXAMPLES / "diary.yaml").read_text())
    ]
    entries += [
        DiaryEntry(day=date(2026, 11, 8), pain=6, function=4, new_leg_symptoms=True),
        DiaryEntry(day=date(2026, 11, 9), pain=7, function=3),
        DiaryEntry(day=date(2026, 11, 10), pain=7, function=3),
    ]
    programme = build_programme(assessment, entries, start=date(2026, 11, 2))
    data = report_pdf(
        kb,
        assessment.to_dict(),
        "en",
        clinician=False,
        created_at=CREATED,
        patient_label="  Ivan\nP.  ",
        diary=entries,
        programme=programme,
    )
    text = _text(data)
    ui = kb.texts.ui
    assert "Patient: Ivan P." in text
    programme_at = text.index(ui["programme_title"].en)
    diary_at = text.index(ui["diary_heading"].en)
    assert text.index(ui["care_plan_heading"].en) < programme_at < diary_at
    assert ui["programme_day"].en.format(number=programme.days[0].number, date="") in text
    assert f"{ui['diary_trend_label'].en}: {ui['diary_trend_worse'].en}" in text
    assert _flat(ui["diary_reassess"].en) in text
    assert ui["diary_leg_marker"].en in text
    assert text.index(_flat(ui["disclaimer"].en)) > diary_at


def test_new_ui_keys_keep_their_placeholders_in_every_language(kb: KnowledgeBase) -> None:
    for key, text in kb.texts.ui.items():
        if key.startswith(("report_", "diary_")):
            fields = {lang: set(re.findall(r"{(\w+)}", text.get(lang))) for lang in LANGUAGES}
            assert fields["uk"] == fields["en"] == fields["ru"], key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_patient_pdf_offers_first_line_options_and_names_the_second_line(
    kb: KnowledgeBase, lang: str
) -> None:
    """Issues 12 and 14: no restricted or second-line medicine among a strain's options."""
    text = _text(_pdf("lifting-strain", lang, False))
    ui = kb.texts.ui
    doctor = _flat(ui["care_doctor_may_consider"].get(lang)).split("{names}")[0]
    options = text[text.index(ui["care_options_heading"].get(lang)) : text.index(doctor)]
    assert _flat(kb.texts.drug_classes["nsaid"].name.get(lang)) in options
    for tid in ("ketorolac", "nimesulide", "indomethacin", "lornoxicam", "etoricoxib"):
        treatment = kb.treatments[tid]
        for name in (treatment.text.name.get(lang), *treatment.names):
            assert _flat(name) not in text, (tid, name)
    for drug_class in ("skeletal_muscle_relaxant", "nsaid_cox2_selective"):
        assert _flat(kb.texts.drug_classes[drug_class].name.get(lang)) not in options
    weak_opioids = _flat(kb.texts.drug_classes["weak_opioid"].name.get(lang))
    assert weak_opioids not in options
    assert weak_opioids[1:] in text[text.index(doctor) :]  # "a doctor may consider: weak..."


def test_clinician_pdf_gives_each_option_its_line(kb: KnowledgeBase) -> None:
    text = _text(_pdf("lifting-strain", "en", True))
    assert kb.texts.ui["line_first"].en in text
    assert kb.texts.ui["line_second"].en + ":" in text  # with the reason
    assert _flat(kb.treatments["celecoxib"].line_reason or "") in text
    assert "a doctor may consider" not in text
