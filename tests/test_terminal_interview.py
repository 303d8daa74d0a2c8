"""The interactive `lumbar assess`, driven for real through a pseudo-terminal with pexpect."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import pexpect

from .conftest import REPO

PROMPT = "> "
OPTION = re.compile(r"^[│|]?\s*(\d+)\s{2,}(.+?)\s*[│|]?$")
TIMEOUT = 30


@contextmanager
def terminal(lang: str, term: str = "dumb") -> Iterator[pexpect.spawn]:
    """`lumbar assess --lang LANG` in a real pseudo-terminal of 100 x 50."""
    child = pexpect.spawn(
        sys.executable,
        ["-m", "lumbar", "assess", "--lang", lang],
        cwd=str(REPO),
        env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "TERM": term, "COLUMNS": "100"},
        encoding="utf-8",
        timeout=TIMEOUT,
        dimensions=(50, 100),
    )
    try:
        yield child
    finally:
        child.close(force=True)


def next_screen(child: pexpect.spawn) -> str:
    """Everything printed up to the next answer prompt."""
    child.expect_exact(PROMPT)
    return str(child.before)


def options(screen: str) -> dict[str, str]:
    """The numbered answers on a question screen: label -> number."""
    found = {}
    for line in screen.splitlines():
        match = OPTION.match(line.strip())
        if match:
            found[match.group(2).strip()] = match.group(1)
    return found


def reply(screen: str, tick: set[str]) -> str:
    """Tick the wanted labels of a group, say no to yes/no questions, else don't know."""
    shown = options(screen)
    if "0 = none of these" in screen:
        chosen = [number for label, number in shown.items() if label in tick]
        return " ".join(chosen) or "0"
    if "No" in shown:
        return shown["No"]
    return "?"


def run_to_result(child: pexpect.spawn, opening: list[str], tick: set[str]) -> tuple[int, str]:
    """Answer the opening replies, then the rest by `reply`; return questions asked and result."""
    for text in opening:
        next_screen(child)
        child.sendline(text)
    asked = len(opening)
    while True:
        index = child.expect_exact([PROMPT, "Here is your result."])
        if index == 1:
            child.expect(pexpect.EOF)
            return asked, str(child.before)
        child.sendline(reply(str(child.before), tick))
        asked += 1


def test_aneurysm_signs_end_in_an_ambulance() -> None:
    """From what a person can tell: a pulsating mass is examined and never asked."""
    with terminal("en") as child:
        asked, result = run_to_result(
            child,
            ["72", "2", "1"],  # age, male, pain over the lower spine
            {"Fainting or severe dizziness", "Sudden start", "Constant pain", "Current smoker"},
        )
    assert "Call an ambulance now" in result
    assert "Abdominal aortic aneurysm" in result or "aneurysm" in result.lower()
    assert "This is not a diagnosis" in result
    assert asked <= 30


def test_plain_back_pain_ends_in_self_care_with_warnings_and_disclaimer() -> None:
    with terminal("en") as child:
        _, result = run_to_result(child, ["30", "2", "1", "0"], set())
    assert "Look after yourself at home" in result
    assert "Get help at once if you notice" in result
    assert "This is not a diagnosis" in result
    assert "When to see a doctor" in result  # self-care: when, not whom or which tests
    assert "Who to see" not in result


def test_why_back_invalid_input_and_quit_in_ukrainian() -> None:
    with terminal("uk") as child:
        screen = next_screen(child)
        assert "Скільки вам років?" in screen and "Питання 1" in screen
        child.sendline("abc")
        child.expect_exact("Такої відповіді немає")
        child.sendline("12")
        child.expect_exact("lumbar призначений для людей віком від 16 років")
        child.sendline("ц")  # "w" on a Ukrainian keyboard layout: why am I asked this?
        child.expect_exact("Від віку та статі залежить")
        child.sendline("40")
        screen = next_screen(child)
        screen = next_screen(child)
        assert "Якої ви статі від народження?" in screen and "Питання 2" in screen
        child.sendline("b")
        screen = next_screen(child)
        assert "Скільки вам років?" in screen and "Питання 1" in screen
        child.sendline("40")
        next_screen(child)
        child.sendline("1")
        screen = next_screen(child)
        assert "Ви зараз вагітні?" in screen
        child.sendline("q")
        child.expect_exact("Опитування зупинено")
        child.expect(pexpect.EOF)
    assert child.exitstatus == 1


def test_russian_screens_and_a_colour_terminal() -> None:
    with terminal("ru", term="xterm-256color") as child:
        screen = next_screen(child)
        assert "Сколько вам лет?" in screen
        assert "\x1b[" in screen  # styled output on a colour terminal
        child.sendline("q")
        child.expect_exact("Опрос остановлен")
        child.expect(pexpect.EOF)


def test_a_red_flag_is_announced_at_once_and_r_shows_the_result() -> None:
    with terminal("en") as child:
        for text in ("45", "2", "1", "0"):  # age, male, lower spine, no spread
            next_screen(child)
            child.sendline(text)
        screen = next_screen(child)
        assert "Numbness of the buttocks, genitals or inner thighs" in screen
        child.sendline(options(screen)["Numbness of the buttocks, genitals or inner thighs"])
        screen = next_screen(child)
        assert "Get help now" in screen
        child.sendline("r")
        child.expect_exact("Here is your result.")
        child.expect(pexpect.EOF)
        result = str(child.before)
    assert "Go to an emergency department now" in result or "Call an ambulance now" in result
    assert "This is not a diagnosis" in result
