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

from lumbar.engine import InvalidAnswers, assess
from lumbar.engine.model import CompiledModel
from lumbar.engine.rules import atom_finding, atom_holds, atoms, compile_expression
from lumbar.i18n import format_number
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import AllOf, Expr, FindingIs, Treatment

SHOWN_CONDITIONS = 5
SHOWN_REASONS = 3
SHOWN_ITEMS = 6  # care plan items a printed section lists before "N more" (PDF, terminal)
NOTABLE_RATIO = 1.25  # weaker answers are left out of the reasons shown
STRONG_RATIO = 4.0  # a person reads "strongly points to it" from here (or 1/4 against)
SERIOUS_URGENCIES = ("emergency_ambulance", "emergency", "consultation_24")
SERIOUS_MIN_PROBABILITY = 0.02  # "less likely, but important to rule out" from here
LIKELY = 0.4
POSSIBLE = 0.15
URGENT_LEVELS = ("emergency_ambulance", "emergency")  # most urgent first
PLACE_GROUPS = frozenset({"location", "spread"})  # where it hurts, not what happened


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
        shown = format_number(answer, lang)
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
        """ "Fever ×3.2": the clinician's form."""
        return f"{self.label} ×{self.ratio:.2g}"

    def strength_key(self) -> str:
        """The ui key of the words a person reads instead of the ratio."""
        if self.ratio >= STRONG_RATIO:
            return "reason_strongly_points_to"
        if self.ratio > 1:
            return "reason_points_to"
        if self.ratio <= 1 / STRONG_RATIO:
            return "reason_strongly_points_against"
        return "reason_points_against"


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
    # Clinician: ("Raised by", "Fever ×3.2, ..."), then "Lowered by". Patient: one pair an
    # answer, in words and without numbers: ("Fever", "strongly points to it").
    why: tuple[tuple[str, str], ...]
    clinician: bool = False

    @property
    def percent_text(self) -> str:
        """ "42%"; "<1%" and ">99%" at the ends: no 0% or 100% is ever shown."""
        if self.probability < 0.005:
            return "<1%"
        return f"{self.percent}%" if self.probability < 0.995 else ">99%"

    @property
    def chance(self) -> str:
        """How likely, as shown: a band for a person ("Possible"), the band and the
        percentage for a clinician ("Possible · 22%")."""
        return f"{self.likelihood} · {self.percent_text}" if self.clinician else self.likelihood


@dataclass(frozen=True)
class TriageView:
    level: str
    label: str
    action: str
    time_frame: str
    urgent: bool  # an emergency: the page leads with the emergency number
    reasons: tuple[str, ...]  # the red-flag rules that set the level, in words
    # "Because you reported: ...": the person's own answers behind the level (the answers
    # that fired its rules, else those that point most to the causes that set it); None at
    # self-care
    because: str | None = None


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
    # Patient mode: what the result shows first (care_plan.yaml patient_summary); every
    # item, with the guideline positions, stays behind "more". Empty in clinician mode.
    first_do_now: tuple[str, ...] = ()
    first_options: tuple[TreatmentView, ...] = ()
    first_avoid: tuple[TreatmentView, ...] = ()

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
    # When to call for help, said once: None when the urgent banner or the warning list
    # already says it (each sign with its own instruction from the knowledge base)
    call_for_help: str | None
    visit_needed: bool = True  # False at self-care: "when to see someone" instead of referrals


def _likelihood(kb: KnowledgeBase, probability: float, lang: str) -> str:
    key = (
        "likelihood_high"
        if probability >= LIKELY
        else "likelihood_moderate"
        if probability >= POSSIBLE
        else "likelihood_low"
    )
    return kb.texts.ui[key].get(lang)


def _strong(condition: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return [
        c
        for c in condition["contributions"]
        if c["likelihood_ratio"] >= NOTABLE_RATIO or c["likelihood_ratio"] <= 1 / NOTABLE_RATIO
    ]


def _cause(
    kb: KnowledgeBase, condition: Mapping[str, Any], lang: str, clinician: bool = False
) -> CauseView:
    strong = _strong(condition)

    def reasons(up: bool) -> tuple[Reason, ...]:
        chosen = [c for c in strong if (c["likelihood_ratio"] > 1) == up][:SHOWN_REASONS]
        return tuple(
            Reason(answer_label(kb, c["finding"], c["answer"], lang), c["likelihood_ratio"])
            for c in chosen
        )

    raised, lowered = reasons(True), reasons(False)
    ui = kb.texts.ui
    if clinician:
        why = tuple(
            (ui[key].get(lang), ", ".join(reason.text for reason in shown))
            for key, shown in (("raised_by", raised), ("lowered_by", lowered))
            if shown
        )
    else:
        why = tuple(
            (reason.label, ui[reason.strength_key()].get(lang)) for reason in (*raised, *lowered)
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
        clinician=clinician,
    )


def _because(kb: KnowledgeBase, result: Mapping[str, Any], lang: str) -> str | None:
    """ "Because you reported: ...": the answers that fired the rules setting the level, else
    the answers that point most to the causes that set it, in the person's words."""
    triage, answers = result["triage"], result["answers"]
    fired = {rule["id"]: rule for rule in result["red_flags"]}
    conditions = {c["id"]: c for c in result["conditions"]}
    findings: list[str] = []
    for reason in triage["set_by"]:
        if reason["source"] in ("red_flag", "escalation") and reason["id"] in fired:
            findings += fired[reason["id"]]["findings"]
    if not findings:
        causes = [
            conditions[reason["id"]] for reason in triage["set_by"] if reason["id"] in conditions
        ] or [c for c in result["conditions"] if c["urgency"] == triage["level"]][:2]
        for cause in causes:
            findings += [c["finding"] for c in _strong(cause) if c["likelihood_ratio"] > 1][
                :SHOWN_REASONS
            ]
    labels = list(
        dict.fromkeys(
            answer_label(kb, fid, answers[fid], lang)
            for fid in findings
            if fid in answers and answers[fid] is not False  # what was reported, not denied
        )
    )
    if triage["level"] == "self_care" or not labels:
        return None
    listed = "; ".join(_in_sentence(label) for label in labels)
    return kb.texts.ui["triage_because"].get(lang).format(answers=listed)


def _triage(kb: KnowledgeBase, result: Mapping[str, Any], lang: str) -> TriageView:
    triage = result["triage"]
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
        because=_because(kb, result, lang),
    )


def _clauses(expr: Expr) -> tuple[Expr, ...]:
    return expr.all if isinstance(expr, AllOf) else (expr,)


def _cannot_fire(atom: str | FindingIs, answers: Mapping[str, Any]) -> bool:
    """An atom on an answer that cannot change (age): false now, false for good."""
    return atom_finding(atom) == "age" and not atom_holds(atom, answers)


def warning_reported(kb: KnowledgeBase, rule_id: str, answers: Mapping[str, Any]) -> bool:
    """Whether a warning would tell the person to watch for what they already reported, or
    for what cannot happen to them: their answers meet every part of the rule except where
    the pain is (they have the sign, elsewhere), or the rule needs an age they are not."""
    rule = next(r for r in kb.red_flags if r.id == rule_id)
    unmet = [c for c in _clauses(rule.when) if not compile_expression(c)(answers)]
    if any(all(_cannot_fire(atom, answers) for atom in atoms(clause)) for clause in unmet):
        return True
    groups = {kb.findings[atom_finding(a)].data.group for c in unmet for a in atoms(c)}
    return bool(unmet) and groups <= PLACE_GROUPS


def guideline_positions(kb: KnowledgeBase, treatment: Treatment, lang: str) -> str:
    """What NICE NG59 and ACP 2017 say, in words, where they take a position; "" when
    neither covers it (no "does not cover it" repeated on every item)."""
    ui = kb.texts.ui
    return "; ".join(
        f"{name} {ui['position_' + stance.position].get(lang)}"
        for name, stance in (("NICE NG59", treatment.nice_ng59), ("ACP 2017", treatment.acp_2017))
        if stance.position != "not_covered"
    )


def _first_options(
    kb: KnowledgeBase, options: tuple[TreatmentView, ...]
) -> tuple[TreatmentView, ...]:
    """The options a person's result shows first: in the plan's order, one of each kind
    when the policy says so, at most `patient_summary.options`."""
    policy = kb.care_plan.patient_summary
    if not policy.options_one_per_kind:
        return options[: policy.options]
    kinds: set[str] = set()
    chosen = []
    for option in options:
        kind = kb.treatments[option.id].kind
        if kind not in kinds:
            kinds.add(kind)
            chosen.append(option)
    return tuple(chosen[: policy.options])


def _first_avoid(kb: KnowledgeBase, avoid: tuple[TreatmentView, ...]) -> tuple[TreatmentView, ...]:
    """What to avoid shown first: the commonly met ones (`avoid_first`, in its order)."""
    policy = kb.care_plan.patient_summary
    order = {tid: position for position, tid in enumerate(policy.avoid_first)}
    listed = sorted((item for item in avoid if item.id in order), key=lambda i: order[i.id])
    rest = [item for item in avoid if item.id not in order]
    return tuple([*listed, *rest][: policy.avoid])


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
    do_now = tuple(kb.texts.ui[key].get(lang) for key in plan["do_now"])
    shown_options = _treatments(kb, options, lang, clinician)
    avoid = _treatments(kb, plan["avoid"], lang, clinician, avoid=True)
    summary = kb.care_plan.patient_summary
    return CarePlanView(
        phase=plan["phase"],
        do_now=do_now,
        options=shown_options,
        avoid=avoid,
        prevention=_treatments(kb, prevention, lang, clinician),
        hold_hands_on=bool(plan["hold_hands_on"]),
        doctor_may_consider=None if clinician else doctor_may_consider(kb, plan["options"], lang),
        first_do_now=() if clinician else do_now[: summary.do_now],
        first_options=() if clinician else _first_options(kb, shown_options),
        first_avoid=() if clinician else _first_avoid(kb, avoid),
    )


def result_view(
    kb: KnowledgeBase, result: Mapping[str, Any], lang: str, *, clinician: bool = False
) -> ResultView:
    """The assessment (its JSON form) as a result screen shows it."""
    ui = kb.texts.ui
    conditions = result["conditions"]
    causes = tuple(_cause(kb, c, lang, clinician) for c in conditions[:SHOWN_CONDITIONS])
    shown = {cause.id for cause in causes}
    serious = tuple(
        _cause(kb, c, lang, clinician)
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
        if not warning_reported(kb, w["rule"], result["answers"])
    )
    triage = _triage(kb, result, lang)
    # When to call for help is said once: by the urgent banner, else by the warning list
    # (each sign with its own level), else by the general line.
    call_for_help = None if triage.urgent or warnings else ui["call_for_help_general"].get(lang)
    return ResultView(
        kb_version=result["kb_version"],
        clinician=clinician,
        triage=triage,
        causes=causes,
        serious=serious,
        specialists=tuple(kb.texts.specialists[s].name.get(lang) for s in result["specialists"]),
        tests=tuple(kb.texts.tests[t].name.get(lang) for t in result["tests"]),
        care_plan=care_plan_view(kb, result["care_plan"], lang, clinician),
        warnings=warnings,
        disclaimer=ui["disclaimer"].get(lang),
        call_for_help=call_for_help,
        visit_needed=clinician or triage.level != "self_care",
    )


@dataclass(frozen=True)
class UrgentNotice:
    """The warning shown during the interview once an answer calls for emergency care: the
    level the result would show for the answers so far, why, and that it may still rise."""

    level: str
    label: str
    action: str
    because: str | None
    may_rise: str | None  # None at the most urgent level


def urgent_notice(
    kb: KnowledgeBase,
    answers: Mapping[str, object],
    lang: str,
    model: CompiledModel | None = None,
) -> UrgentNotice | None:
    """What the interview warns of now: the result's own triage for the answers so far when
    it is an emergency, else None. The interview shows this instead of the level of the
    rule alone, so the warning and the result never disagree."""
    try:
        result = assess(answers, model).to_dict()
    except InvalidAnswers:  # age or sex not answered yet: no result to show
        return None
    level = result["triage"]["level"]
    if level not in URGENT_LEVELS:
        return None
    words = kb.texts.triage[level]
    most = level == URGENT_LEVELS[0]
    return UrgentNotice(
        level=level,
        label=words.label.get(lang),
        action=words.action.get(lang),
        because=_because(kb, result, lang),
        may_rise=None if most else kb.texts.ui["urgent_may_rise"].get(lang),
    )
