"""What every result screen shows (web page, PDF report, terminal), in the person's language.

Built from an assessment's JSON form, so a stored assessment is shown exactly as it was
made. This module decides what is shown and in which words; the renderers only lay it out
(and cut long lists to what fits, see SHOWN_ITEMS). Patient mode offers first-line treatments
only, names medicines by class and never gives a prescription dose; second-line options are
named in one "a doctor may consider" line and restricted ones are never offered (they may be
listed to avoid). Clinician mode shows every option with its line, INN, ATC, dosing and the
safety flags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import Treatment

SHOWN_CONDITIONS = 5
SHOWN_REASONS = 3
SHOWN_ITEMS = 6  # care plan items a printed section lists before "N more" (PDF, terminal)
NOTABLE_RATIO = 1.25  # weaker answers are left out of the reasons shown
SERIOUS_URGENCIES = ("emergency_ambulance", "emergency", "consultation_24")
SERIOUS_MIN_PROBABILITY = 0.02  # "less likely, but important to rule out" from here
LIKELY = 0.4
POSSIBLE = 0.15
URGENT_LEVELS = ("emergency_ambulance", "emergency")


def answer_label(kb: KnowledgeBase, finding: str, answer: object, lang: str) -> str:
    """The finding with the answer given: "Fever", "Fever: no", "Pain severity: 7"."""
    text = kb.texts.findings[finding]
    if answer is True:
        shown = ""
    elif answer is False:
        shown = kb.texts.ui["no"].get(lang).lower()
    elif isinstance(answer, str):
        choices = text.choices or {}
        shown = choices[answer].get(lang) if answer in choices else answer
    elif isinstance(answer, int | float):
        shown = f"{answer:g}"
    else:
        shown = str(answer)
    label = text.label.get(lang)
    return f"{label}: {shown}" if shown else label


@dataclass(frozen=True)
class Reason:
    """One answer that moved a condition, and by how much (likelihood ratio)."""

    label: str
    ratio: float

    @property
    def text(self) -> str:
        """ "Fever ×3.2"."""
        return f"{self.label} ×{self.ratio:.2g}"


@dataclass(frozen=True)
class CauseView:
    id: str
    name: str
    description: str
    probability: float
    percent: int  # rounded; 0 shows as "<1%"
    likelihood: str  # "Likely", "Possible", "Less likely"
    urgency: str
    raised: tuple[Reason, ...]
    lowered: tuple[Reason, ...]
    why: tuple[tuple[str, str], ...]  # ("Raised by", "Fever ×3.2, ..."), then "Lowered by"

    @property
    def percent_text(self) -> str:
        """ "42%"; "<1%" and ">99%" at the ends: no 0% or 100% is ever shown to a person."""
        if self.probability < 0.005:
            return "<1%"
        return f"{self.percent}%" if self.probability < 0.995 else ">99%"


@dataclass(frozen=True)
class TriageView:
    level: str
    label: str
    action: str
    time_frame: str
    urgent: bool  # an emergency: the page leads with the emergency number
    reasons: tuple[str, ...]  # the red-flag rules that set the level, in words


@dataclass(frozen=True)
class Detail:
    """One clinician-only fact about a treatment: "Dose: 200 mg...", "Prescription only"."""

    label: str | None  # None: the text stands on its own
    text: str

    def __str__(self) -> str:
        return f"{self.label}: {self.text}" if self.label else self.text


@dataclass(frozen=True)
class TreatmentView:
    id: str
    name: str
    note: str
    evidence: str
    evidence_label: str
    positions: str  # NICE NG59 and ACP 2017, in words
    line: str  # first, second or restricted
    clinical: tuple[Detail, ...] = ()  # clinician mode: INN/ATC, line, dose, contraindications...


@dataclass(frozen=True)
class CarePlanView:
    phase: str
    do_now: tuple[str, ...]
    options: tuple[TreatmentView, ...]
    avoid: tuple[TreatmentView, ...]
    prevention: tuple[TreatmentView, ...]
    hold_hands_on: bool
    # Patient mode: "If these do not help..., a doctor may consider: ..." naming the
    # second-line options (classes for medicines, no doses); None in clinician mode or when
    # there are none. Shown after the options.
    doctor_may_consider: str | None = None

    @property
    def sections(self) -> tuple[tuple[str, tuple[TreatmentView, ...], str | None], ...]:
        """(heading's ui key, items, a line shown after them) in the order every screen
        lists them; a section with neither items nor a line is left out."""
        sections = (
            ("care_options_heading", self.options, self.doctor_may_consider),
            ("care_avoid_heading", self.avoid, None),
            ("care_prevention_heading", self.prevention, None),
        )
        return tuple(section for section in sections if section[1] or section[2])


@dataclass(frozen=True)
class WarningView:
    watch_for: str
    then: str  # the triage label it would lead to


@dataclass(frozen=True)
class ResultView:
    kb_version: str
    clinician: bool
    triage: TriageView
    causes: tuple[CauseView, ...]
    serious: tuple[CauseView, ...]  # less likely but dangerous: to rule out
    specialists: tuple[str, ...]
    tests: tuple[str, ...]
    care_plan: CarePlanView
    warnings: tuple[WarningView, ...]
    disclaimer: str
    call_for_help: str


def _likelihood(kb: KnowledgeBase, probability: float, lang: str) -> str:
    key = (
        "likelihood_high"
        if probability >= LIKELY
        else "likelihood_moderate"
        if probability >= POSSIBLE
        else "likelihood_low"
    )
    return kb.texts.ui[key].get(lang)


def _cause(kb: KnowledgeBase, condition: Mapping[str, Any], lang: str) -> CauseView:
    strong = [
        c
        for c in condition["contributions"]
        if c["likelihood_ratio"] >= NOTABLE_RATIO or c["likelihood_ratio"] <= 1 / NOTABLE_RATIO
    ]

    def reasons(up: bool) -> tuple[Reason, ...]:
        chosen = [c for c in strong if (c["likelihood_ratio"] > 1) == up][:SHOWN_REASONS]
        return tuple(
            Reason(answer_label(kb, c["finding"], c["answer"], lang), c["likelihood_ratio"])
            for c in chosen
        )

    raised, lowered = reasons(True), reasons(False)
    why = tuple(
        (kb.texts.ui[key].get(lang), ", ".join(reason.text for reason in shown))
        for key, shown in (("raised_by", raised), ("lowered_by", lowered))
        if shown
    )
    text = kb.texts.conditions[condition["id"]]
    probability = float(condition["probability"])
    return CauseView(
        id=condition["id"],
        name=text.name.get(lang),
        description=text.description.get(lang),
        probability=probability,
        percent=min(99, max(0, round(probability * 100))),
        likelihood=_likelihood(kb, probability, lang),
        urgency=condition["urgency"],
        raised=raised,
        lowered=lowered,
        why=why,
    )


def _triage(kb: KnowledgeBase, triage: Mapping[str, Any], lang: str) -> TriageView:
    words = kb.texts.triage[triage["level"]]
    reasons = tuple(
        kb.texts.red_flags[reason["id"]].patient.get(lang)
        for reason in triage["set_by"]
        if reason["source"] in ("red_flag", "escalation")
    )
    if any(reason["source"] == "unchecked" for reason in triage["set_by"]):
        signs = ", ".join(kb.texts.findings[fid].label.get(lang) for fid in triage["unchecked"])
        reasons += (kb.texts.ui["unchecked_danger_signs"].get(lang).format(signs=signs),)
    return TriageView(
        level=triage["level"],
        label=words.label.get(lang),
        action=words.action.get(lang),
        time_frame=words.time_frame.get(lang),
        urgent=triage["level"] in URGENT_LEVELS,
        reasons=reasons,
    )


def guideline_positions(kb: KnowledgeBase, treatment: Treatment, lang: str) -> str:
    """What NICE NG59 and ACP 2017 say, in words."""
    ui = kb.texts.ui
    return (
        f"NICE NG59 {ui['position_' + treatment.nice_ng59.position].get(lang)}; "
        f"ACP 2017 {ui['position_' + treatment.acp_2017.position].get(lang)}"
    )


def clinical_details(kb: KnowledgeBase, treatment: Treatment, lang: str) -> tuple[Detail, ...]:
    """Clinician-only facts: INN and ATC, prescription status, line, dose, safety flags. The
    headings are in the person's language; the catalogue's own entries are in English."""
    ui = kb.texts.ui
    details = []
    if treatment.inn:
        atc = f"; {ui['report_atc'].get(lang)} {', '.join(treatment.atc)}" if treatment.atc else ""
        details.append(Detail(ui["report_inn"].get(lang), treatment.inn + atc))
    if treatment.prescription:
        details.append(Detail(None, ui[f"report_rx_{treatment.prescription}"].get(lang)))
    if treatment.line:  # "Second line: a doctor's choice after ..."
        line = ui[f"line_{treatment.line}"].get(lang)
        reason = treatment.line_reason
        details.append(Detail(line, reason) if reason else Detail(None, line))
    if treatment.dosing:
        dose = treatment.dosing
        parts = [dose.adult]
        if dose.max_daily:
            parts.append(f"{ui['report_dose_max'].get(lang)}: {dose.max_daily}")
        if dose.max_duration:
            parts.append(f"{ui['report_dose_duration'].get(lang)}: {dose.max_duration}")
        details.append(Detail(ui["report_dose"].get(lang), "; ".join(parts)))
    for key, entries in (
        ("report_contraindications", treatment.contraindications),
        ("report_risks", treatment.risks),
        ("report_warnings", treatment.warnings),
    ):
        if entries:
            details.append(Detail(ui[key].get(lang), "; ".join(entries)))
    return tuple(details)


def item_line(kb: KnowledgeBase, item: Mapping[str, Any]) -> str:
    """A plan item's line as the plan recorded it; for an assessment made before plans had
    lines, the catalogue's; restricted when neither says."""
    line = item.get("line")
    if line is None:
        treatment = kb.treatments.get(item["treatment"])
        line = treatment.line if treatment else None
    return str(line or "restricted")


def patient_items(kb: KnowledgeBase, items: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """What a patient is offered of a plan section: its first-line items only."""
    return [item for item in items if item_line(kb, item) == "first"]


def patient_name(kb: KnowledgeBase, treatment: Treatment, lang: str) -> str:
    """A treatment as a patient sees it named: a medicine by its class."""
    if treatment.kind == "medicine" and treatment.drug_class:
        named = kb.texts.drug_classes.get(treatment.drug_class)
        return named.name.get(lang) if named else treatment.drug_class
    return treatment.text.name.get(lang)


def _in_sentence(name: str) -> str:
    """ "Muscle relaxants" as it reads inside a sentence; "COX-2" and the like stay."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def second_line_names(kb: KnowledgeBase, options: list[Mapping[str, Any]], lang: str) -> list[str]:
    """The second-line options as a patient sees them named (classes for medicines), once
    each, leaving out any name the first-line options already show."""
    first = {
        patient_name(kb, kb.treatments[item["treatment"]], lang)
        for item in patient_items(kb, options)
    }
    names: list[str] = []
    for item in options:
        if item_line(kb, item) == "second":
            name = patient_name(kb, kb.treatments[item["treatment"]], lang)
            if name not in first and name not in names:
                names.append(name)
    return names


def doctor_may_consider(
    kb: KnowledgeBase, options: list[Mapping[str, Any]], lang: str
) -> str | None:
    """The patient's one line about the second-line options, or None when there are none."""
    names = second_line_names(kb, options, lang)
    if not names:
        return None
    listed = "; ".join(_in_sentence(name) for name in names)
    return kb.texts.ui["care_doctor_may_consider"].get(lang).format(names=listed)


def _treatments(
    kb: KnowledgeBase,
    items: list[Mapping[str, Any]],
    lang: str,
    clinician: bool,
    avoid: bool = False,
) -> tuple[TreatmentView, ...]:
    """Plan items as shown. For a patient a medicine is named by its class: medicines to
    consider collapse into one line a class with "ask a doctor or pharmacist"; medicines to
    avoid keep their own plain-language reason (never a dose). Which items a patient sees
    is chosen by the caller (`patient_items`)."""
    ui = kb.texts.ui
    shown: list[TreatmentView] = []
    classes: set[str] = set()
    for item in items:
        treatment = kb.treatments[item["treatment"]]
        evidence = item["evidence"]
        name = treatment.text.name.get(lang)
        note = (treatment.text.patient_note or treatment.text.what).get(lang)
        if not clinician and treatment.kind == "medicine" and treatment.drug_class:
            name = patient_name(kb, treatment, lang)
            if not avoid:
                if treatment.drug_class in classes:
                    continue
                classes.add(treatment.drug_class)
                note = ui["care_medicines_class_note"].get(lang)
        shown.append(
            TreatmentView(
                id=treatment.id,
                name=name,
                note=note,
                evidence=evidence,
                evidence_label=ui["evidence_" + evidence].get(lang),
                positions=guideline_positions(kb, treatment, lang),
                line=item_line(kb, item),
                clinical=clinical_details(kb, treatment, lang) if clinician else (),
            )
        )
    return tuple(shown)


def care_plan_view(
    kb: KnowledgeBase, plan: Mapping[str, Any], lang: str, clinician: bool
) -> CarePlanView:
    """The care plan (its JSON form) as shown, in order; renderers cut. A clinician sees
    every item; a patient the first-line options and prevention, the second-line options in
    one line, and everything to avoid."""
    options, prevention = plan["options"], plan["prevention"]
    if not clinician:
        options, prevention = patient_items(kb, options), patient_items(kb, prevention)
    return CarePlanView(
        phase=plan["phase"],
        do_now=tuple(kb.texts.ui[key].get(lang) for key in plan["do_now"]),
        options=_treatments(kb, options, lang, clinician),
        avoid=_treatments(kb, plan["avoid"], lang, clinician, avoid=True),
        prevention=_treatments(kb, prevention, lang, clinician),
        hold_hands_on=bool(plan["hold_hands_on"]),
        doctor_may_consider=None if clinician else doctor_may_consider(kb, plan["options"], lang),
    )


def result_view(
    kb: KnowledgeBase, result: Mapping[str, Any], lang: str, *, clinician: bool = False
) -> ResultView:
    """The assessment (its JSON form) as a result screen shows it."""
    ui = kb.texts.ui
    conditions = result["conditions"]
    causes = tuple(_cause(kb, c, lang) for c in conditions[:SHOWN_CONDITIONS])
    shown = {cause.id for cause in causes}
    serious = tuple(
        _cause(kb, c, lang)
        for c in conditions
        if c["id"] not in shown
        and c["urgency"] in SERIOUS_URGENCIES
        and c["probability"] >= SERIOUS_MIN_PROBABILITY
    )
    warnings = tuple(
        WarningView(
            kb.texts.red_flags[w["rule"]].watch_for.get(lang),
            kb.texts.triage[w["level"]].label.get(lang),
        )
        for w in result["triage"]["warning_signs"]
    )
    return ResultView(
        kb_version=result["kb_version"],
        clinician=clinician,
        triage=_triage(kb, result["triage"], lang),
        causes=causes,
        serious=serious,
        specialists=tuple(kb.texts.specialists[s].name.get(lang) for s in result["specialists"]),
        tests=tuple(kb.texts.tests[t].name.get(lang) for t in result["tests"]),
        care_plan=care_plan_view(kb, result["care_plan"], lang, clinician),
        warnings=warnings,
        disclaimer=ui["disclaimer"].get(lang),
        call_for_help=ui["call_for_help_general"].get(lang),
    )
