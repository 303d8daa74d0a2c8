"""Pydantic models of the knowledge base files (structure only; cross-checks live in check.py)."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

TriageLevel = Literal[
    "emergency_ambulance", "emergency", "consultation_24", "consultation", "self_care"
]
TRIAGE_ORDER: tuple[TriageLevel, ...] = (
    "self_care",
    "consultation",
    "consultation_24",
    "emergency",
    "emergency_ambulance",
)
LANGUAGES: tuple[str, ...] = ("en", "uk", "ru")
Sex = Literal["female", "male"]
Probability = Annotated[float, Field(gt=0.0, lt=1.0)]


def triage_rank(level: str) -> int:
    """Position of a triage level from 0 (self_care) to 4 (emergency_ambulance)."""
    return TRIAGE_ORDER.index(level)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Localized(Strict):
    """A text in every supported language."""

    en: str = Field(min_length=1)
    uk: str = Field(min_length=1)
    ru: str = Field(min_length=1)

    def get(self, lang: str) -> str:
        """The text in `lang`, falling back to English."""
        return str(getattr(self, lang, self.en))


# --- vocabulary (the shared contract) ---------------------------------------


class VocabTriage(Strict):
    id: TriageLevel
    meaning: str


class VocabFinding(Strict):
    id: str
    meaning: str
    type: Literal["boolean", "number", "choice"] = "boolean"
    range: tuple[float, float] | None = None
    values: tuple[str, ...] | None = None


class VocabCondition(Strict):
    id: str
    system: str
    icd10: tuple[str, ...]
    meaning: str


class Vocabulary(Strict):
    version: int
    triage_levels: tuple[VocabTriage, ...]
    findings: tuple[VocabFinding, ...]
    conditions: tuple[VocabCondition, ...]
    examined: tuple[str, ...] = ()  # findings a clinician examines or measures


# --- sources ------------------------------------------------------------------

CitationIds = Annotated[tuple[str, ...], Field(min_length=1)]


class Reference(Strict):
    id: str
    title: str
    year: int
    note: str | None = None


class Citation(Strict):
    """A seed quote or a named reference with its section."""

    id: str
    seed: str | None = None
    quote: str | None = None
    verdict: Literal["supported", "partly_supported"] | None = None
    ref: str | None = None
    section: str | None = None
    note: str | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> Citation:
        if self.seed is not None:
            if not self.quote or self.ref is not None:
                raise ValueError("a seed citation needs `quote` and no `ref`")
        elif self.ref is None or not self.section:
            raise ValueError("a citation needs either `seed` + `quote` or `ref` + `section`")
        return self


class SeedReview(Strict):
    """A seed claim that is wrong, unsafe, outdated or unsupported, with its correction."""

    id: str
    seed: str
    quote: str
    verdict: Literal["wrong", "unsafe", "outdated", "unsupported"]
    correction: str
    cite: CitationIds


# --- findings and conditions --------------------------------------------------


class FindingData(Strict):
    id: str
    group: str
    sexes: tuple[Sex, ...] = ("female", "male")
    base: float | dict[str, float] | None = None
    bins: dict[str, tuple[float, float]] | None = None


class FindingsFile(Strict):
    base_rate_cite: CitationIds
    findings: tuple[FindingData, ...]


class Likelihood(Strict):
    """P(finding | condition): `p` for a yes/no finding, `dist` over values or bins otherwise."""

    p: Probability | None = None
    dist: dict[str, float] | None = None
    cite: CitationIds

    @model_validator(mode="after")
    def _one_kind(self) -> Likelihood:
        if (self.p is None) == (self.dist is None):
            raise ValueError("give exactly one of `p` or `dist`")
        return self


class ConditionData(Strict):
    id: str
    urgency: TriageLevel
    specialists: Annotated[tuple[str, ...], Field(min_length=1)]
    tests: Annotated[tuple[str, ...], Field(min_length=1)]
    cite: CitationIds
    likelihoods: dict[str, Likelihood]


class PriorRow(Strict):
    female: tuple[float, float, float, float, float]
    male: tuple[float, float, float, float, float]


class PriorsFile(Strict):
    age_bands: tuple[tuple[int, int], ...]
    cite: CitationIds
    priors: dict[str, PriorRow]


# --- red-flag rules -------------------------------------------------------------


class FindingIs(Strict):
    """True when the finding is answered yes, at least `min`, or one of `in`; with
    `or_unknown` a choice left unanswered counts too (a context choice such as the duration
    that a sparse report does not state: when in doubt, the more urgent reading)."""

    finding: str
    min: float | None = None
    in_: tuple[str, ...] | None = Field(default=None, alias="in")
    or_unknown: bool = False

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class AllOf(Strict):
    all: tuple[Expr, ...]


class AnyOf(Strict):
    any: tuple[Expr, ...]


class AtLeast(Strict):
    at_least: int = Field(ge=1)
    of: tuple[Expr, ...]


Expr = Union[str, FindingIs, AllOf, AnyOf, AtLeast]  # noqa: UP007 (recursive alias)
AllOf.model_rebuild()
AnyOf.model_rebuild()
AtLeast.model_rebuild()


class RedFlagRule(Strict):
    id: str
    kind: Literal["red_flag", "escalation"] = "red_flag"
    level: TriageLevel
    when: Expr
    related_conditions: tuple[str, ...] = ()
    clinician: str = Field(min_length=1)
    cite: CitationIds


class BenignAlarmDefault(Strict):
    """The likelihood a benign condition gets for an alarm finding it states nothing about."""

    conditions: tuple[str, ...]
    findings: tuple[str, ...]
    ratio: float = Field(gt=0, lt=1)  # times the finding's base rate
    cite: CitationIds


class DangerSigns(Strict):
    """The answers that count as danger signs: set aside when judging triage, so that
    reporting one never lowers urgency. Context answers (where, what kind, how long, history)
    are not danger signs: they may re-explain the pain."""

    groups: tuple[str, ...]
    findings: tuple[str, ...] = ()
    cite: CitationIds


class UncheckedDangerSigns(Strict):
    """Danger signs that must be answered before a result may be self-care."""

    findings: tuple[str, ...]
    level: TriageLevel
    cite: CitationIds


class TriageSettings(Strict):
    escalation_threshold: dict[TriageLevel, float]
    cite: CitationIds
    combined_threshold: dict[TriageLevel, float]
    danger_signs: DangerSigns
    unchecked: UncheckedDangerSigns
    benign_alarm_default: BenignAlarmDefault
    likelihood_temper: float = Field(default=1.0, gt=0, le=1)
    temper_cite: CitationIds = ("core-thresholds-editorial",)


class KbMeta(Strict):
    version: str
    changelog: tuple[dict[str, str], ...]
    triage: TriageSettings


class AskOnly(Strict):
    """Who is asked about a finding: an age range, or only after another finding was yes."""

    ages: tuple[int, int] | None = None
    after_yes: str | None = None
    unless_yes: str | None = None


class OpeningChecklist(Strict):
    """One "which of these apply?" question every interview asks once, after where it hurts
    and where it spreads (the history a clinician takes at every first contact)."""

    id: str
    findings: tuple[str, ...]


class StopRule(Strict):
    raise_share: Annotated[float, Field(gt=0.0, le=1.0)]
    lower_triage: Probability
    leading_change: Probability
    leading_min_probability: Probability
    max_questions: int = Field(ge=3)
    emergency_floor: Probability  # an emergency condition this likely keeps the interview going
    decisive_ratio: float = Field(gt=1.0)  # ...while an answer could multiply or divide it so
    answer_min_chance: Probability  # an answer this likely counts as one that could come


class InterviewPolicy(Strict):
    """The clinical choices of the adaptive interview (interview.yaml)."""

    ask_only: dict[str, AskOnly]
    opening_checklists: tuple[OpeningChecklist, ...]
    opening_cite: CitationIds
    always_screen: tuple[str, ...]
    screen_cite: CitationIds
    screen_min_chance: dict[TriageLevel, Probability]
    screen_min_related: Probability
    stop: StopRule
    stop_cite: CitationIds


# --- treatments (issue 4) ----------------------------------------------------------

TreatmentKind = Literal[
    "medicine",
    "topical",
    "vitamin_supplement",
    "physical_therapy",
    "manual_therapy",
    "massage",
    "exercise",
    "procedure",
    "surgery",
    "device",
    "psychological",
    "self_care",
    "prevention",
    "folk_remedy",
    "homeopathy",
    "apitherapy",
    "hirudotherapy",
    "reflexotherapy",
]
EvidenceLabel = Literal[
    "recommended", "may_be_considered", "insufficient_evidence", "not_recommended", "unsafe"
]
Phase = Literal["acute", "subacute", "chronic"]
# Where a treatment stands (docs/care-plan.md): `first`, what a person may start or ask a
# pharmacist about; `second`, what a doctor may consider when first-line care fails or does
# not suit; `restricted`, what a patient should not be pointed to (a regulatory restriction,
# poor benefit for its harm, or no evidence of benefit). Patients are offered first-line only.
TreatmentLine = Literal["first", "second", "restricted"]


class GuidelinePosition(Strict):
    """What one guideline says about a treatment, with the section."""

    position: Literal[
        "recommended", "consider", "do_not_offer", "not_recommended", "insufficient", "not_covered"
    ]
    section: str = Field(min_length=1)


class SeedMention(Strict):
    """Where a seed mentions the treatment: the exact quote (checked against the seed)."""

    seed: str
    quote: str = Field(min_length=1)


class Dosing(Strict):
    """Usual adult dosing for clinician mode; never shown to patients for prescription drugs."""

    adult: str = Field(min_length=1)
    max_daily: str | None = None
    max_duration: str | None = None
    route: str | None = None


class TreatmentText(Strict):
    name: Localized
    what: Localized  # what it is, one plain sentence
    patient_note: Localized | None = None  # what a patient should know (no prescription doses)


class Treatment(Strict):
    """One treatment the seeds mention or the guidelines name, labelled by its evidence."""

    id: str
    kind: TreatmentKind
    names: tuple[str, ...] = ()  # names and brands as the seeds and pharmacies use them
    inn: str | None = None  # international non-proprietary name(s) of the active substance(s)
    atc: tuple[str, ...] = ()  # ATC codes
    prescription: Literal["prescription", "otc", "varies"] | None = None
    drug_class: str | None = None
    conditions: tuple[str, ...] = ()  # condition ids it is for; empty = back pain in general
    phases: tuple[Phase, ...] = ("acute", "subacute", "chronic")
    evidence: EvidenceLabel
    nice_ng59: GuidelinePosition
    acp_2017: GuidelinePosition
    line: TreatmentLine | None = None  # required: `lumbar kb check` reports a missing one
    line_reason: str | None = None  # why this line, clinician-facing, English
    line_cite: tuple[str, ...] = ()  # citations for line_reason
    contraindications: tuple[str, ...] = ()  # clinician-facing, English
    warnings: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    dosing: Dosing | None = None
    prevention_for: tuple[str, ...] = ()  # finding ids (risk factors) it prevents pain from
    seed_mentions: tuple[SeedMention, ...] = ()
    cite: CitationIds
    text: TreatmentText


class ExerciseText(Strict):
    name: Localized
    steps: tuple[Localized, ...] = Field(min_length=1)  # how to do it, one step each
    caution: Localized | None = None


class Exercise(Strict):
    """One exercise of the seeds' programmes, as data for the day-by-day plan."""

    id: str
    complex: Literal[
        "warm_up",
        "complex_1",
        "complex_2",
        "complex_3",
        "complex_4",
        "lying_gymnastics",
        "breathing",
        "relaxation",
        "acute_position",
    ]
    order: int = Field(ge=1)
    level: int = Field(ge=0, le=4)  # 0 = acute-phase safe ... 4 = hardest; progression climbs it
    position: Literal[
        "standing", "lying_back", "lying_front", "side_lying", "hands_knees", "sitting", "kneeling"
    ]
    target: tuple[str, ...] = Field(min_length=1)  # lumbar, abdominals, hips, thoracic, ...
    phases: tuple[Phase, ...] = Field(min_length=1)
    reps_start: int | None = Field(default=None, ge=1)
    reps_max: int | None = Field(default=None, ge=1)
    hold_seconds: int | None = Field(default=None, ge=1)
    sets_start: int = Field(default=1, ge=1)
    sets_max: int = Field(default=1, ge=1)
    minutes: float | None = None
    loaded_flexion: bool = False
    rotation: bool = False
    impact: bool = False  # jumping, running
    contraindications: tuple[str, ...] = ()
    seed_mentions: tuple[SeedMention, ...] = ()
    cite: CitationIds
    text: ExerciseText


class MassageStep(Strict):
    technique: Literal[
        "stroking", "rubbing", "kneading", "vibration", "pressure", "percussion", "passive_movement"
    ]
    area: str
    minutes: float = Field(gt=0)
    text: Localized


class MassageProtocol(Strict):
    """A massage session plan from the seeds: order of techniques, areas, time, course."""

    id: str
    name: Localized
    conditions: tuple[str, ...] = ()
    phases: tuple[Phase, ...] = Field(min_length=1)
    steps: tuple[MassageStep, ...] = Field(min_length=1)
    session_minutes: float = Field(gt=0)
    course_sessions: str  # e.g. "10-12"
    frequency: Localized  # e.g. "daily or every other day"
    cautions: tuple[Localized, ...] = ()
    seed_mentions: tuple[SeedMention, ...] = ()
    cite: CitationIds


class PatientSummary(Strict):
    """What a person's result shows first of the care plan (the rest behind "more")."""

    do_now: int = Field(ge=1)
    options: int = Field(ge=1)
    avoid: int = Field(ge=1)
    options_one_per_kind: bool = True
    avoid_first: tuple[str, ...] = ()  # treatment ids, most commonly met first
    cite: CitationIds


class CarePlanPolicy(Strict):
    """How the care plan is chosen (care_plan.yaml)."""

    general_back_pain_conditions: tuple[str, ...]
    phase_by_duration: dict[str, Phase]
    plan_min_probability: Probability
    cite: CitationIds
    patient_summary: PatientSummary


class SessionBlock(Strict):
    """Exercises a session draws from: a complex or named exercises, optionally only `limit`
    of them (taken in turn day by day), only some orders of a complex, or all but `skip`."""

    complex: str | None = None
    exercises: tuple[str, ...] = ()
    orders: tuple[int, int] | None = None  # first and last order within the complex
    skip: tuple[str, ...] = ()  # exercises of the complex this block leaves out
    limit: int | None = Field(default=None, ge=1)
    keep: bool = False  # its time is reserved before other blocks fill the session

    @model_validator(mode="after")
    def _one_source(self) -> SessionBlock:
        if (self.complex is None) == (not self.exercises):
            raise ValueError("give either complex or exercises")
        return self


class SessionPlan(Strict):
    """One daily session: its time budget and the blocks of each rotation day."""

    id: Literal["morning", "day", "evening"]
    minutes: tuple[float, float]  # target range; exercises are dropped past the top
    rotation: tuple[tuple[SessionBlock, ...], ...] = Field(min_length=1)


class ExerciseTiming(Strict):
    seconds_per_rep: float = Field(gt=0)
    rest_between_sets_seconds: float = Field(ge=0)
    change_seconds: float = Field(ge=0)


class RestrictionWhen(Strict):
    """When a restriction applies: all given parts must hold; within `conditions`,
    `findings` and `diary_leg_symptoms`, any one is enough."""

    phases: tuple[Phase, ...] = ()
    conditions: tuple[str, ...] = ()  # among the conditions the care plan is built for
    findings: tuple[str, ...] = ()  # answered yes at the assessment
    diary_leg_symptoms: bool = False  # new leg symptoms reported in the pain diary


class Restriction(Strict):
    """Exercises to leave out in a situation, by safety flag or body position."""

    id: str
    when: RestrictionWhen
    flags: tuple[Literal["loaded_flexion", "rotation", "impact"], ...] = ()
    positions: tuple[str, ...] = ()
    advice: str | None = None  # a text/ui.yaml key shown while the restriction applies
    cite: CitationIds


class ProgrammePolicy(Strict):
    """How the day-by-day exercise programme starts, progresses, regresses and stops
    (programme.yaml)."""

    start_level: dict[Phase, int]
    max_level: dict[Phase, int]
    progress_every_days: dict[Phase, int]
    steps_per_level: int = Field(ge=1)  # steps between one exercise level and the next
    dose_steps: int = Field(ge=1)  # steps from starting to top repetitions of an exercise
    hold_on_pain_rise: int = Field(ge=1)
    regress_on_pain_rise: int = Field(ge=1)
    reassess_after_regressions: int = Field(ge=1)
    reassess_window_days: int = Field(ge=1)
    onset_days: dict[str, int]  # least days since onset for each duration answer
    phase_from_day: dict[Phase, int]  # days since onset from which each phase begins
    diary_warning_signs: tuple[str, ...]
    timing: ExerciseTiming
    sessions: tuple[SessionPlan, ...] = Field(min_length=1)
    restrictions: tuple[Restriction, ...]
    cite: CitationIds


Modality = Literal["massage", "manual_therapy"]


class ScreenRule(Strict):
    """A reason to refuse or adapt massage or manual therapy: answers (`when`, the red-flag
    expression language) or a condition reaching `min_probability`; either is enough."""

    id: str
    verdict: Literal["not_allowed", "caution"]
    applies_to: tuple[Modality, ...] = ("massage", "manual_therapy")
    when: Expr | None = None
    conditions: tuple[str, ...] = ()
    min_probability: Probability | None = None
    text: Localized  # for the person and the therapist: what and why
    cite: CitationIds

    @model_validator(mode="after")
    def _has_trigger(self) -> ScreenRule:
        if self.when is None and not self.conditions:
            raise ValueError("give `when`, `conditions` or both")
        if bool(self.conditions) != (self.min_probability is not None):
            raise ValueError("`conditions` and `min_probability` go together")
        return self


class MassageScreenPolicy(Strict):
    """The massage and manual-therapy contraindication screen (massage_screen.yaml)."""

    required: tuple[str, ...]  # findings a screen must have answers for
    rules: tuple[ScreenRule, ...]
    cite: CitationIds


# --- patient-facing text ---------------------------------------------------------


class FindingText(Strict):
    label: Localized
    question: Localized
    help: Localized
    choices: dict[str, Localized] | None = None


class ConditionText(Strict):
    name: Localized
    description: Localized


class NamedText(Strict):
    name: Localized
    purpose: Localized | None = None


class TriageText(Strict):
    label: Localized
    action: Localized
    time_frame: Localized


class RedFlagText(Strict):
    patient: Localized
    watch_for: Localized
