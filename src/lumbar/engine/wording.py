"""The words of an interview question in the person's language: prompt, help, options, why."""

from __future__ import annotations

from dataclasses import dataclass

from lumbar.engine.interview import Question
from lumbar.kb.loader import KnowledgeBase

UNKNOWN_OPTION = "unknown"


@dataclass(frozen=True)
class Option:
    """One answer to choose: `value` is yes/no/unknown, a choice value or a finding id."""

    value: str
    label: str


@dataclass(frozen=True)
class Wording:
    """Everything an interface shows for one question."""

    question_id: str
    kind: str
    prompt: str
    help: str
    why: str
    options: tuple[Option, ...]  # for groups: the findings to tick
    number_range: tuple[float, float] | None = None


def _group_prompt(kb: KnowledgeBase, question: Question, lang: str) -> str:
    ui = kb.texts.ui
    kind = question.purpose.kind
    if kind in ("location", "spread", "danger"):
        return ui[f"question_{kind}"].get(lang)
    if kind == "history_taking":
        return ui[f"question_checklist_{question.id}"].get(lang)
    group = kb.findings[question.findings[0]].data.group
    key = f"question_group_{group}"
    return (ui[key] if key in ui else ui["question_danger"]).get(lang)


PLAIN_WHY = {"rule_out": "why_rule_out_plain", "danger": "why_danger_plain"}


def plain_systems(kb: KnowledgeBase, conditions: tuple[str, ...], lang: str) -> str:
    """The body systems behind conditions in plain words, once each: "a kidney problem or a
    heart problem" (vocabulary.yaml `system`; the words in text/ui.yaml `system_*`)."""
    ui = kb.texts.ui
    system = {c.id: c.system for c in kb.vocabulary.conditions}
    keys = dict.fromkeys(f"system_{system[c]}" for c in conditions if c in system)
    return ui["system_or"].get(lang).join(ui[key].get(lang) for key in keys if key in ui)


def why_asked(kb: KnowledgeBase, question: Question, lang: str, clinician: bool = False) -> str:
    """Why the question is asked, in plain words. A person reads body systems ("to rule out a
    kidney problem"); a clinician the conditions by name."""
    ui = kb.texts.ui
    purpose = question.purpose
    if purpose.kind == "history_taking":
        return ui[f"why_checklist_{question.id}"].get(lang)
    if not clinician and purpose.conditions:
        if purpose.kind == "tell_apart":
            return ui["why_tell_apart_plain"].get(lang)
        systems = plain_systems(kb, purpose.conditions, lang)
        if purpose.kind in PLAIN_WHY and systems:
            return ui[PLAIN_WHY[purpose.kind]].get(lang).replace("{systems}", systems)
    names = "; ".join(kb.texts.conditions[c].name.get(lang) for c in purpose.conditions)
    return ui[f"why_{purpose.kind}"].get(lang).replace("{conditions}", names)


def word_question(
    kb: KnowledgeBase, question: Question, lang: str, clinician: bool = False
) -> Wording:
    """The question as shown in `lang` (en, uk or ru): to the person in pain, or with
    `clinician` to a clinician interviewing them, who reads a yes/no finding by its
    clinical label (the person's own question becomes the help, to ask it aloud) and why
    it is asked by condition name."""
    ui = kb.texts.ui
    why = why_asked(kb, question, lang, clinician)
    required = question.purpose.kind == "about_you"  # age and sex must be answered
    unknown = () if required else (Option(UNKNOWN_OPTION, ui["unknown_answer"].get(lang)),)
    if question.kind == "multiple":
        options = tuple(
            Option(fid, kb.texts.findings[fid].label.get(lang)) for fid in question.findings
        )
        return Wording(
            question.id,
            question.kind,
            _group_prompt(kb, question, lang),
            ui["group_help"].get(lang),
            why,
            options,
        )
    fid = question.findings[0]
    text = kb.texts.findings[fid]
    finding = kb.findings[fid]
    if question.kind == "boolean":
        options = (Option("yes", ui["yes"].get(lang)), Option("no", ui["no"].get(lang)), *unknown)
    elif question.kind == "choice":
        choices = text.choices or {}
        options = (
            *(
                Option(value, choices[value].get(lang) if value in choices else value)
                for value in finding.vocab.values or ()
            ),
            *unknown,
        )
    else:
        options = unknown
    prompt, help_text = text.question.get(lang), text.help.get(lang)
    if fid == "pain_severity":
        help_text = f"{help_text} {ui['pain_scale_hint'].get(lang)}"
    if clinician and question.kind == "boolean":
        prompt, help_text = f"{text.label.get(lang)}?", prompt
    return Wording(
        question.id,
        question.kind,
        prompt,
        help_text,
        why,
        options,
        finding.vocab.range if question.kind == "number" else None,
    )
