"""Choosing the language for patient-facing text."""

from __future__ import annotations

import locale
import os
from datetime import date, datetime

from lumbar.kb.models import LANGUAGES


def system_language() -> str:
    """The language of the system locale if lumbar speaks it, otherwise English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value[:2].lower() in LANGUAGES:
            return value[:2].lower()
    code = (locale.getlocale()[0] or "")[:2].lower()
    return code if code in LANGUAGES else "en"


DECIMAL_COMMA = frozenset({"uk", "ru"})
MONTHS_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def format_number(value: float, lang: str) -> str:
    """A number as the language writes it: "0.5" in English, "0,5" in Ukrainian and Russian;
    whole numbers without a decimal part."""
    text = f"{value:g}"
    return text.replace(".", ",") if lang in DECIMAL_COMMA else text


def format_date(day: date, lang: str) -> str:
    """A date as the language writes it: "2 December 2026"; "02.12.2026" in uk and ru."""
    if lang in DECIMAL_COMMA:
        return day.strftime("%d.%m.%Y")
    return f"{day.day} {MONTHS_EN[day.month - 1]} {day.year}"


def format_datetime(moment: datetime, lang: str) -> str:
    """A date with its time of day: "2 December 2026, 14:05"; "02.12.2026, 14:05"."""
    return f"{format_date(moment.date(), lang)}, {moment.strftime('%H:%M')}"
