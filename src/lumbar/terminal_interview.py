"""The interview in a terminal: one question at a time with Rich, numbers as answer keys.

Answers are typed as numbers so that the keys mean the same on Latin and Cyrillic keyboard
layouts; the commands (back, why, quit) accept the letter of either layout.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console, Group
from rich.panel import Panel
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from lumbar.engine.answers import MINIMUM_AGE, InvalidAnswers
from lumbar.engine.interview import (
    NONE_OF_THESE,
    Interview,
    InvalidReply,
    Question,
    Reply,
    urgent_red_flags,
)
from lumbar.engine.model import CompiledModel
from lumbar.engine.wording import UNKNOWN_OPTION, Wording, word_question
from lumbar.kb.loader import KnowledgeBase
from lumbar.kb.models import triage_rank
from lumbar.result_view import urgent_notice

BACK_KEYS = frozenset({"b", "и"})
WHY_KEYS = frozenset({"w", "ц"})
QUIT_KEYS = frozenset({"q", "й"})
RESULT_KEYS = frozenset({"r", "к"})
UNKNOWN_KEYS = frozenset({"?", ","})  # "," is where "?" sits on a Cyrillic layout
TYPICAL_QUESTIONS = 10


class QuitInterview(Exception):
    """The person chose to stop the interview."""


class _ShowResult(Exception):
    """The person asked to see the result now."""


@dataclass(frozen=True)
class _Command:
    name: str


Parsed = Reply | _Command


def _progress(asked: int) -> float:
    """A share of the interview done: honest about the unknown length, never reaching 100%."""
    return asked / max(TYPICAL_QUESTIONS, asked + 2)


def _show_question(
    console: Console, kb: KnowledgeBase, wording: Wording, asked: int, lang: str
) -> None:
    ui = kb.texts.ui
    console.print()
    header = Table.grid(expand=True, padding=(0, 1))
    header.add_column(ratio=1)
    header.add_column(justify="right")
    header.add_row(
        ProgressBar(total=100, completed=round(100 * _progress(asked))),
        Text(ui["progress"].get(lang).replace("{n}", str(asked + 1)), style="bold"),
    )
    options = Table.grid(padding=(0, 2))
    if wording.kind == "multiple":
        options.add_row("0", ui["none_of_these"].get(lang))
    for number, option in enumerate(wording.options, start=1):
        options.add_row(str(number), option.label)
    keys = {
        "multiple": "keys_multiple",
        "number": "keys_number",
    }.get(wording.kind, "keys_single")
    hint = ui[keys].get(lang)
    if wording.number_range is not None:
        low, high = wording.number_range
        prompt = ui["number_prompt"].get(lang)
        hint = prompt.replace("{min}", f"{low:g}").replace("{max}", f"{high:g}")
        if any(option.value == UNKNOWN_OPTION for option in wording.options):
            hint = f"{hint} {ui[keys].get(lang)}"
    body: list[Text | Table] = [
        header,
        Text(wording.prompt, style="bold"),
        Text(wording.help, style="dim"),
    ]
    if wording.kind != "number":
        body.append(options)
    body += [Text(hint, style="cyan"), Text(ui["keys_commands"].get(lang), style="dim")]
    console.print(Panel(Group(*body), expand=True))


def _parse(wording: Wording, raw: str) -> Parsed:
    """The reply typed for `wording`; raises ValueError if it is not one of the answers."""
    text = raw.strip().lower()
    commands = (
        (BACK_KEYS, "back"),
        (WHY_KEYS, "why"),
        (QUIT_KEYS, "quit"),
        (RESULT_KEYS, "result"),
    )
    for keys, name in commands:
        if text in keys:
            return _Command(name)
    if wording.kind == "multiple":
        if text in UNKNOWN_KEYS:
            return None
        numbers = [int(part) for part in text.replace(",", " ").split()]
        if not numbers or any(n < 0 or n > len(wording.options) for n in numbers):
            raise ValueError(text)
        if 0 in numbers and len(numbers) > 1:
            raise ValueError(text)
        if numbers == [0]:
            return [NONE_OF_THESE]
        return [wording.options[n - 1].value for n in numbers if n > 0]
    if wording.kind == "number":
        if text in UNKNOWN_KEYS:
            if not wording.options:
                raise ValueError(text)
            return None
        value = float(text.replace(",", "."))
        if math.isnan(value):
            raise ValueError(text)
        return value
    values = [option.value for option in wording.options]
    if text in UNKNOWN_KEYS:
        if UNKNOWN_OPTION not in values:
            raise ValueError(text)
        return None
    choice = int(text)
    if not 1 <= choice <= len(values):
        raise ValueError(text)
    value_name = values[choice - 1]
    if value_name == UNKNOWN_OPTION:
        return None
    if wording.kind == "boolean":
        return value_name == "yes"
    return value_name


def _ask(
    console: Console,
    kb: KnowledgeBase,
    interview: Interview,
    question: Question,
    lang: str,
    read: Callable[[str], str],
    model: CompiledModel | None,
) -> Interview:
    """Ask one question until it gets a valid reply or a command; return the new interview."""
    ui = kb.texts.ui
    wording = word_question(kb, question, lang)
    _show_question(console, kb, wording, len(interview.history), lang)
    while True:
        raw = read("> ")
        try:
            parsed = _parse(wording, raw)
        except ValueError:
            console.print(Text(ui["invalid_choice"].get(lang), style="yellow"))
            continue
        if isinstance(parsed, _Command):
            if parsed.name == "quit":
                raise QuitInterview
            if parsed.name == "result":
                raise _ShowResult
            if parsed.name == "back":
                return interview.back()
            console.print(Panel(wording.why, title=ui["why_asked"].get(lang), style="cyan"))
            continue
        try:
            return interview.answer(question, parsed, model)
        except (InvalidAnswers, InvalidReply):
            console.print(Text(_invalid_message(kb, wording, parsed, lang), style="yellow"))


def _invalid_message(kb: KnowledgeBase, wording: Wording, parsed: Reply, lang: str) -> str:
    ui = kb.texts.ui
    if wording.question_id == "age" and isinstance(parsed, float) and parsed < MINIMUM_AGE:
        return ui["age_limit"].get(lang)
    if wording.number_range is not None:
        low, high = wording.number_range
        text = ui["invalid_number"].get(lang)
        return text.replace("{min}", f"{low:g}").replace("{max}", f"{high:g}")
    return ui["invalid_choice"].get(lang)


def _alert_urgent(
    console: Console,
    kb: KnowledgeBase,
    interview: Interview,
    alerted: set[str],
    lang: str,
    model: CompiledModel | None,
) -> None:
    """Say at once when the answers call for emergency care, at the level the result will
    show (`urgent_notice`), with the answers behind it; again only if the level rises."""
    if not urgent_red_flags(interview.answers, model):
        return
    notice = urgent_notice(kb, interview.answers, lang, model)
    if notice is None or notice.level in alerted:
        return
    if alerted and triage_rank(notice.level) <= max(triage_rank(level) for level in alerted):
        return
    alerted.add(notice.level)
    ui = kb.texts.ui
    lines = [Text(notice.label, style="bold"), Text(notice.action)]
    if notice.because:
        lines.append(Text(notice.because, style="bold"))
    if notice.may_rise:
        lines.append(Text(notice.may_rise))
    lines.append(Text(ui["urgent_continue"].get(lang)))
    console.print(Panel(Group(*lines), title=ui["urgent_now_heading"].get(lang), style="red"))


def run_terminal_interview(
    console: Console,
    kb: KnowledgeBase,
    lang: str,
    read: Callable[[str], str],
    model: CompiledModel | None = None,
) -> Interview:
    """Run the interview to its end (with `model`, the compiled `kb`, when it is not the
    packaged one); raises QuitInterview if the person quits."""
    ui = kb.texts.ui
    console.print(
        Panel(
            ui["interview_intro"].get(lang).replace("{number}", ui["emergency_number"].get(lang)),
            title=ui["interview_title"].get(lang),
            style="bold",
        )
    )
    interview = Interview()
    alerted: set[str] = set()
    while (question := interview.next_question(model)) is not None:
        _alert_urgent(console, kb, interview, alerted, lang, model)
        try:
            interview = _ask(console, kb, interview, question, lang, read, model)
        except _ShowResult:
            break
    console.print()
    console.print(Text(ui["interview_done"].get(lang), style="bold green"))
    return interview
