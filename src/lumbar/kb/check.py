"""The knowledge base linter behind `lumbar kb check`."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import FindingIs, Likelihood, Phase, Treatment, Vocabulary
from lumbar.kb.yaml_files import parse_yaml

MAX_CHECKLIST_ITEMS = 14  # the most items one "which of these apply?" question shows

MIN_LIKELIHOODS = 6
DIST_TOLERANCE = 0.011
NON_EVIDENCE_FINDINGS = frozenset({"age", "sex"})


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.where}: {self.message}"


def find_shared_dir(start: Path | None = None) -> Path | None:
    """The shared/ folder (contract and seeds): $LUMBAR_SHARED, else ../shared or ./shared."""
    if os.environ.get("LUMBAR_SHARED"):
        return Path(os.environ["LUMBAR_SHARED"])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for candidate in (folder / "shared", folder.parent / "shared"):
            if (candidate / "spec" / "vocabulary.yaml").is_file():
                return candidate
    return None


def _fold(text: str) -> str:
    return " ".join(text.split())


class _Checker:
    def __init__(self, kb: KnowledgeBase, shared: Path | None) -> None:
        self.kb = kb
        self.shared = shared
        self.problems: list[Problem] = []
        self.cited: set[str] = set()
        self.seed_texts: dict[str, str] = {}
        if shared and (shared / "seeds").is_dir():
            for path in (shared / "seeds").glob("*.txt"):
                self.seed_texts[path.name] = _fold(path.read_text(encoding="utf-8"))

    def error(self, where: str, message: str) -> None:
        self.problems.append(Problem("error", where, message))

    def warning(self, where: str, message: str) -> None:
        self.problems.append(Problem("warning", where, message))

    def cite(self, where: str, ids: tuple[str, ...]) -> None:
        for cid in ids:
            self.cited.add(cid)
            if cid not in self.kb.citations:
                self.error(where, f"cites unknown citation {cid!r}")

    # --- the contract ---------------------------------------------------------

    def vocabulary(self) -> None:
        if self.shared is None:
            self.warning(
                "vocabulary", "shared/spec/vocabulary.yaml not found: contract not compared"
            )
            return
        contract = Vocabulary.model_validate(
            parse_yaml((self.shared / "spec" / "vocabulary.yaml").read_text(encoding="utf-8"))
        )
        ours = self.kb.vocabulary
        for kind in ("triage_levels", "findings", "conditions"):
            mine = {item.id: item for item in getattr(ours, kind)}
            for item in getattr(contract, kind):
                if item.id not in mine:
                    self.error(f"vocabulary.{kind}", f"{item.id!r} of the contract is missing")
                elif mine[item.id] != item:
                    self.error(f"vocabulary.{kind}", f"{item.id!r} differs from the contract")
        for fid in sorted(set(contract.examined) - set(ours.examined)):
            self.error("vocabulary.examined", f"{fid!r} is examined in the contract, not here")
        for fid in ours.examined:
            if fid not in {item.id for item in ours.findings}:
                self.error("vocabulary.examined", f"{fid!r} is not a finding")

    # --- findings ----------------------------------------------------------------

    def findings(self) -> None:
        self.cite("findings.yaml base_rate_cite", self.kb.base_rate_cite)
        for fid, finding in self.kb.findings.items():
            where = f"findings.{fid}"
            base = finding.data.base
            if fid in NON_EVIDENCE_FINDINGS:
                continue
            if base is None:
                self.error(where, "has no base rate")
                continue
            keys = self._answer_keys(fid)
            if isinstance(base, dict):
                self._dist(where + ".base", base, keys)
            elif not 0 < base < 1:
                self.error(where, f"base rate {base} is not strictly between 0 and 1")
            if finding.type == "number" and fid not in NON_EVIDENCE_FINDINGS:
                self._bins_cover(fid)

    def _bins_cover(self, fid: str) -> None:
        finding = self.kb.findings[fid]
        bins = finding.data.bins or {}
        low, high = finding.vocab.range or (0, 0)
        value = low
        while value <= high:
            if not any(a <= value <= b for a, b in bins.values()):
                self.error(f"findings.{fid}.bins", f"value {value:g} falls in no bin")
            value += 1

    def _answer_keys(self, fid: str) -> tuple[str, ...]:
        finding = self.kb.findings[fid]
        if finding.type == "boolean":
            return ("yes", "no")
        if finding.type == "choice":
            return tuple(finding.vocab.values or ())
        return tuple(finding.data.bins or {})

    def _dist(self, where: str, dist: dict[str, float], keys: tuple[str, ...]) -> None:
        if set(dist) != set(keys):
            self.error(where, f"must give every one of {', '.join(keys)} and nothing else")
        if any(not 0 < p < 1 for p in dist.values()):
            self.error(where, "every probability must be strictly between 0 and 1")
        if abs(sum(dist.values()) - 1) > DIST_TOLERANCE:
            self.error(where, f"sums to {sum(dist.values()):.3f}, not 1")

    # --- conditions and priors ---------------------------------------------------------

    def conditions(self) -> None:
        specialists = self.kb.texts.specialists
        tests = self.kb.texts.tests
        for cid, condition in self.kb.conditions.items():
            where = f"conditions.{cid}"
            data = condition.data
            self.cite(where, data.cite)
            for sid in data.specialists:
                if sid not in specialists:
                    self.error(where, f"unknown specialist {sid!r}")
            for tid in data.tests:
                if tid not in tests:
                    self.error(where, f"unknown test {tid!r}")
            if len(data.likelihoods) < MIN_LIKELIHOODS:
                self.error(
                    where,
                    f"lists {len(data.likelihoods)} findings, at least {MIN_LIKELIHOODS} needed",
                )
            for fid, likelihood in data.likelihoods.items():
                self._likelihood(f"{where}.{fid}", fid, likelihood)
            row = self.kb.priors.priors.get(cid)
            if row is None:
                self.error("priors.yaml", f"{cid!r} has no prior")
            elif any(p < 0 for p in (*row.female, *row.male)) or not any((*row.female, *row.male)):
                self.error("priors.yaml", f"{cid!r} priors must be non-negative and not all zero")
        self.cite("priors.yaml", self.kb.priors.cite)
        for extra in self.kb.priors.priors.keys() - self.kb.conditions.keys():
            self.error("priors.yaml", f"{extra!r} is not a condition")

    def _likelihood(self, where: str, fid: str, likelihood: Likelihood) -> None:
        self.cite(where, likelihood.cite)
        if fid not in self.kb.findings:
            self.error(where, "is not a finding id")
            return
        if fid in NON_EVIDENCE_FINDINGS:
            self.error(where, "age and sex act through the priors, not as likelihoods")
            return
        finding = self.kb.findings[fid]
        if finding.type == "boolean":
            if likelihood.p is None:
                self.error(where, "a yes/no finding takes `p`")
        elif likelihood.dist is None:
            self.error(where, "a choice or number finding takes `dist`")
        else:
            self._dist(where, likelihood.dist, self._answer_keys(fid))

    # --- rules ----------------------------------------------------------------------------

    def red_flags(self) -> None:
        from lumbar.engine.rules import atoms

        for rule in self.kb.red_flags:
            where = f"red_flags.{rule.id}"
            self.cite(where, rule.cite)
            for cid in rule.related_conditions:
                if cid not in self.kb.conditions:
                    self.error(where, f"related condition {cid!r} is unknown")
            if rule.id not in self.kb.texts.red_flags:
                self.error(where, "has no patient text in text/red_flags.yaml")
            for atom in atoms(rule.when):
                self._atom(where, atom)
        for extra in self.kb.texts.red_flags.keys() - {r.id for r in self.kb.red_flags}:
            self.error("text/red_flags.yaml", f"{extra!r} is not a rule")

    def _atom(self, where: str, atom: str | FindingIs) -> None:
        fid = atom if isinstance(atom, str) else atom.finding
        finding = self.kb.findings.get(fid)
        if finding is None:
            self.error(where, f"tests unknown finding {fid!r}")
            return
        if isinstance(atom, str) or (atom.min is None and atom.in_ is None):
            if finding.type != "boolean":
                self.error(where, f"{fid!r} is not yes/no: use `min` or `in`")
        elif atom.min is not None and finding.type != "number":
            self.error(where, f"`min` needs a number finding, {fid!r} is {finding.type}")
        elif atom.in_ is not None and (
            finding.type != "choice" or not set(atom.in_) <= set(finding.vocab.values or ())
        ):
            self.error(where, f"`in` values must be choices of {fid!r}")
        if not isinstance(atom, str) and atom.or_unknown:
            if atom.in_ is None:
                self.error(where, f"`or_unknown` needs `in` (a context choice), not {fid!r} alone")
            elif fid in self.kb.meta.triage.danger_signs.findings:
                self.error(where, f"`or_unknown` on danger sign {fid!r}: unknown is never yes")

    # --- sources ------------------------------------------------------------------------------

    def citations(self) -> None:
        for cid, citation in self.kb.citations.items():
            where = f"citations.{cid}"
            if citation.ref is not None and citation.ref not in self.kb.references:
                self.error(where, f"unknown reference {citation.ref!r}")
            if citation.seed is not None:
                self._seed_quote(where, citation.seed, citation.quote or "")
        for review in self.kb.seed_review:
            where = f"seed_review.{review.id}"
            self._seed_quote(where, review.seed, review.quote)
            self.cite(where, review.cite)
        for cid in sorted(self.kb.citations.keys() - self.cited):
            self.warning(f"citations.{cid}", "is never cited")

    def _seed_quote(self, where: str, seed: str, quote: str) -> None:
        if not self.seed_texts:
            return
        text = self.seed_texts.get(seed)
        if text is None:
            self.error(where, f"seed file {seed!r} does not exist")
        elif _fold(quote) not in text:
            self.error(where, f"quote not found in {seed}: {quote[:60]!r}")

    # --- text ----------------------------------------------------------------------------------

    def texts(self) -> None:
        texts = self.kb.texts
        for fid, finding in self.kb.findings.items():
            text = texts.findings.get(fid)
            if text is None:
                self.error("text/findings", f"{fid!r} has no patient text")
            elif finding.type == "choice" and set(text.choices or {}) != set(
                finding.vocab.values or ()
            ):
                self.error("text/findings", f"{fid!r} needs a label for every choice")
        for cid in self.kb.conditions:
            if cid not in texts.conditions:
                self.error("text/conditions", f"{cid!r} has no patient text")
        for level in self.kb.vocabulary.triage_levels:
            if level.id not in texts.triage:
                self.error("text/triage", f"{level.id!r} has no patient text")
        for kind, known, ids in (
            ("text/findings", texts.findings, self.kb.findings),
            ("text/conditions", texts.conditions, self.kb.conditions),
        ):
            for extra in known.keys() - ids.keys():
                self.error(kind, f"{extra!r} is not an id of the vocabulary")

    # --- the model as a whole ---------------------------------------------------------

    def reachability(self) -> None:
        """Every condition must rank first for its own most typical answers."""
        from lumbar.engine.assessment import assess
        from lumbar.engine.model import compile_model

        try:
            model = compile_model(self.kb)
        except (KeyError, ValueError) as error:
            self.error("engine", f"the knowledge base does not compile: {error}")
            return
        for cid in self.kb.conditions:
            answers = self.typical_answers(cid)
            if answers is None:
                self.error(f"conditions.{cid}", "is impossible for every age band and sex")
                continue
            result = assess(answers, model)
            if result.conditions[0].id != cid:
                self.error(
                    f"conditions.{cid}",
                    f"is not reachable: its typical answers rank {result.conditions[0].id!r} first",
                )

    def typical_answers(self, cid: str) -> dict[str, object] | None:
        """Answers that each favour `cid` the most, at the age and sex where it is most common."""
        row = self.kb.priors.priors[cid]
        best = max(
            (
                (p, sex, band)
                for sex in ("female", "male")
                for band, p in enumerate(getattr(row, sex))
            ),
            default=(0.0, "female", 0),
        )
        if best[0] <= 0:
            return None
        low, high = self.kb.priors.age_bands[best[2]]
        answers: dict[str, object] = {"sex": best[1], "age": min((low + high) // 2, 100)}
        for fid, likelihood in self.kb.conditions[cid].data.likelihoods.items():
            finding = self.kb.findings[fid]
            if best[1] not in finding.data.sexes:
                continue
            base = finding.data.base
            if likelihood.p is not None and isinstance(base, float | int):
                answers[fid] = likelihood.p > base
            elif likelihood.dist and isinstance(base, dict):
                key = max(likelihood.dist, key=lambda k: likelihood.dist[k] / base[k])  # type: ignore[index]
                bins = finding.data.bins
                answers[fid] = key if bins is None else (bins[key][0] + bins[key][1]) / 2
        return answers

    def meta(self) -> None:
        meta = self.kb.meta
        if not any(entry.get("version") == meta.version for entry in meta.changelog):
            self.error("kb.yaml", f"changelog has no entry for version {meta.version}")
        self.cite("kb.yaml", meta.triage.cite)
        for level, threshold in meta.triage.escalation_threshold.items():
            if not 0 < threshold <= 1 or math.isnan(threshold):
                self.error("kb.yaml", f"threshold for {level} must be in (0, 1]")
        for level, threshold in meta.triage.combined_threshold.items():
            if not 0 < threshold <= 1 or math.isnan(threshold):
                self.error("kb.yaml", f"combined threshold for {level} must be in (0, 1]")
        self._triage_policy()

    def _triage_policy(self) -> None:
        """The danger signs, unchecked signs and benign defaults name real ids, and cite."""
        triage = self.kb.meta.triage
        groups = {finding.data.group for finding in self.kb.findings.values()}
        where = "kb.yaml triage"
        for group in triage.danger_signs.groups:
            if group not in groups:
                self.error(f"{where}.danger_signs", f"{group!r} is not a finding group")
        named = (
            ("danger_signs", triage.danger_signs.findings),
            ("unchecked", triage.unchecked.findings),
            ("benign_alarm_default", triage.benign_alarm_default.findings),
        )
        for part, fids in named:
            for fid in fids:
                if fid not in self.kb.findings:
                    self.error(f"{where}.{part}", f"{fid!r} is not a finding")
        for cid in triage.benign_alarm_default.conditions:
            if cid not in self.kb.conditions:
                self.error(f"{where}.benign_alarm_default", f"{cid!r} is not a condition")
            elif self.kb.conditions[cid].data.urgency not in ("self_care", "consultation"):
                self.error(f"{where}.benign_alarm_default", f"{cid!r} is not a benign condition")
        self.cite(f"{where}.danger_signs", triage.danger_signs.cite)
        self.cite(f"{where}.unchecked", triage.unchecked.cite)
        self.cite(f"{where}.benign_alarm_default", triage.benign_alarm_default.cite)
        self.cite(f"{where}.likelihood_temper", triage.temper_cite)

    def interview(self) -> None:
        policy = self.kb.interview
        self.cite("interview.yaml", policy.screen_cite)
        self.cite("interview.yaml", policy.stop_cite)
        self.cite("interview.opening_checklists", policy.opening_cite)
        seen: set[str] = set()
        for checklist in policy.opening_checklists:
            where = f"interview.opening_checklists.{checklist.id}"
            for key in (f"question_checklist_{checklist.id}", f"why_checklist_{checklist.id}"):
                if key not in self.kb.texts.ui:
                    self.error(where, f"has no text {key!r} in text/ui.yaml")
            if len(checklist.findings) > MAX_CHECKLIST_ITEMS:
                self.error(where, f"more than {MAX_CHECKLIST_ITEMS} items")
            for fid in checklist.findings:
                finding = self.kb.findings.get(fid)
                if finding is None or finding.type != "boolean":
                    self.error(where, f"{fid!r} is not a yes/no finding")
                elif fid in self.kb.vocabulary.examined:
                    self.error(where, f"{fid!r} is examined: a person is never asked it")
                elif fid in seen:
                    self.error(where, f"{fid!r} is already in another checklist")
                seen.add(fid)
        rule_ids = {rule.id for rule in self.kb.red_flags}
        for rule_id in policy.always_screen:
            if rule_id not in rule_ids:
                self.error("interview.always_screen", f"{rule_id!r} is not a rule")
        for fid, ask_only in policy.ask_only.items():
            where = f"interview.ask_only.{fid}"
            if fid not in self.kb.findings:
                self.error(where, "is not a finding id")
            for other in (ask_only.after_yes, ask_only.unless_yes):
                if other is not None and other not in self.kb.findings:
                    self.error(where, f"{other!r} is not a finding id")
            if ask_only.ages is not None and ask_only.ages[0] > ask_only.ages[1]:
                self.error(where, "ages must be [youngest, oldest]")

    def treatments(self) -> None:
        for tid, treatment in self.kb.treatments.items():
            where = f"treatments.{tid}"
            self.cite(where, treatment.cite)
            self._condition_ids(where, treatment.conditions)
            for fid in treatment.prevention_for:
                if fid not in self.kb.findings:
                    self.error(where, f"prevention_for {fid!r} is not a finding id")
            for mention in treatment.seed_mentions:
                self._seed_quote(where, mention.seed, mention.quote)
            if treatment.kind == "medicine":
                for name in ("inn", "drug_class", "prescription"):
                    if getattr(treatment, name) is None:
                        self.error(where, f"a medicine needs `{name}`")
                if not treatment.atc:
                    self.error(where, "a medicine needs its ATC code(s)")
            named_classes = self.kb.texts.drug_classes
            if treatment.kind == "medicine" and treatment.drug_class not in named_classes:
                self.error(
                    where, f"class {treatment.drug_class!r} has no text/drug_classes.yaml name"
                )
            if treatment.prescription == "prescription" and treatment.dosing is None:
                self.error(where, "a prescription medicine needs clinician `dosing`")
            self._line(where, treatment)

    def _line(self, where: str, treatment: Treatment) -> None:
        """Every treatment has its line; first line is only for what a person may start
        themselves: offered by its evidence and not prescription-only."""
        line = treatment.line
        if line is None:
            self.error(where, "needs `line`: first, second or restricted")
            return
        if line == "first" and treatment.evidence not in ("recommended", "may_be_considered"):
            self.error(
                where,
                f"`line: first` needs evidence recommended or may_be_considered, "
                f"not {treatment.evidence}",
            )
        if line == "first" and treatment.prescription == "prescription":
            self.error(where, "`line: first` cannot be a prescription-only medicine")
        if treatment.evidence == "unsafe" and line != "restricted":
            self.error(where, "an unsafe treatment must be `line: restricted`")
        if treatment.line_reason is None:
            if treatment.prescription is not None or line == "second":
                what = "a medicine or product" if treatment.prescription else "a second-line one"
                self.error(where, f"{what} needs `line_reason` with `line_cite`")
        elif not treatment.line_cite:
            self.error(where, "`line_reason` needs `line_cite`")
        self.cite(where + ".line_cite", treatment.line_cite)

    def care_plan(self) -> None:
        policy = self.kb.care_plan
        self.cite("care_plan.yaml", policy.cite)
        self._condition_ids("care_plan.yaml", policy.general_back_pain_conditions)
        durations = set(self.kb.findings["duration"].vocab.values or ())
        if set(policy.phase_by_duration) != durations:
            self.error("care_plan.yaml", "phase_by_duration must map every duration choice")
        summary = policy.patient_summary
        self.cite("care_plan.yaml patient_summary", summary.cite)
        for tid in summary.avoid_first:
            if tid not in self.kb.treatments:
                self.error("care_plan.yaml patient_summary.avoid_first", f"unknown {tid!r}")

    def exercises(self) -> None:
        for eid, exercise in self.kb.exercises.items():
            where = f"exercises.{eid}"
            self.cite(where, exercise.cite)
            for mention in exercise.seed_mentions:
                self._seed_quote(where, mention.seed, mention.quote)
            dose = (exercise.reps_start, exercise.hold_seconds, exercise.minutes)
            if not any(dose):
                self.error(where, "needs reps, a hold time or minutes")
            if (exercise.reps_start or 0) > (exercise.reps_max or exercise.reps_start or 0):
                self.error(where, "reps_start is above reps_max")
            if exercise.sets_start > exercise.sets_max:
                self.error(where, "sets_start is above sets_max")
        for pid, protocol in self.kb.massage_protocols.items():
            where = f"massage.{pid}"
            self.cite(where, protocol.cite)
            self._condition_ids(where, protocol.conditions)
            for mention in protocol.seed_mentions:
                self._seed_quote(where, mention.seed, mention.quote)

    def programme(self) -> None:
        policy = self.kb.programme
        where = "programme.yaml"
        self.cite(where, policy.cite)
        phases: tuple[Phase, ...] = ("acute", "subacute", "chronic")
        for name, table in (
            ("start_level", policy.start_level),
            ("max_level", policy.max_level),
            ("progress_every_days", policy.progress_every_days),
            ("phase_from_day", policy.phase_from_day),
        ):
            if set(table) != set(phases):
                self.error(where, f"{name} must give every phase")
        for phase in phases:
            if policy.start_level.get(phase, 0) > policy.max_level.get(phase, 4):
                self.error(where, f"start_level of {phase} is above its max_level")
        durations = set(self.kb.findings["duration"].vocab.values or ())
        if set(policy.onset_days) != durations:
            self.error(where, "onset_days must map every duration choice")
        if policy.hold_on_pain_rise > policy.regress_on_pain_rise:
            self.error(where, "hold_on_pain_rise is above regress_on_pain_rise")
        for fid in policy.diary_warning_signs:
            if fid not in self.kb.findings:
                self.error(where, f"diary warning sign {fid!r} is not a finding id")
        complexes = {exercise.complex for exercise in self.kb.exercises.values()}
        for session in policy.sessions:
            for day, blocks in enumerate(session.rotation):
                for block in blocks:
                    block_where = f"{where} sessions.{session.id}[{day}]"
                    if block.complex is not None and block.complex not in complexes:
                        self.error(block_where, f"complex {block.complex!r} has no exercises")
                    for eid in block.exercises + block.skip:
                        if eid not in self.kb.exercises:
                            self.error(block_where, f"exercise {eid!r} is unknown")
        for restriction in policy.restrictions:
            rwhere = f"{where} restrictions.{restriction.id}"
            self.cite(rwhere, restriction.cite)
            self._condition_ids(rwhere, restriction.when.conditions)
            for fid in restriction.when.findings:
                if fid not in self.kb.findings:
                    self.error(rwhere, f"finding {fid!r} is unknown")
            if restriction.advice is not None and restriction.advice not in self.kb.texts.ui:
                self.error(rwhere, f"advice {restriction.advice!r} is not in text/ui.yaml")
            if not (restriction.flags or restriction.positions):
                self.error(rwhere, "leaves nothing out: give flags or positions")

    def massage_screen(self) -> None:
        from lumbar.engine.rules import atoms

        policy = self.kb.massage_screen
        self.cite("massage_screen.yaml", policy.cite)
        for fid in policy.required:
            if fid not in self.kb.findings:
                self.error("massage_screen.yaml required", f"{fid!r} is not a finding id")
        seen: set[str] = set()
        for rule in policy.rules:
            where = f"massage_screen.{rule.id}"
            if rule.id in seen:
                self.error(where, "duplicate rule id")
            seen.add(rule.id)
            self.cite(where, rule.cite)
            self._condition_ids(where, rule.conditions)
            if rule.when is not None:
                for atom in atoms(rule.when):
                    self._atom(where, atom)

    def _condition_ids(self, where: str, ids: tuple[str, ...]) -> None:
        for cid in ids:
            if cid not in self.kb.conditions:
                self.error(where, f"condition {cid!r} is unknown")

    def run(self) -> list[Problem]:
        for step in (
            self.meta,
            self.interview,
            self.treatments,
            self.care_plan,
            self.exercises,
            self.programme,
            self.massage_screen,
            self.vocabulary,
            self.findings,
            self.conditions,
            self.red_flags,
            self.texts,
            self.reachability,
            self.citations,
        ):
            step()
        return self.problems


def check_knowledge_base(kb: KnowledgeBase, shared: Path | None = None) -> list[Problem]:
    """Every problem in the knowledge base; seeds and contract are compared if `shared` is set."""
    return _Checker(kb, shared).run()
