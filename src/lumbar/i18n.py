"""Choosing the language for patient-facing text."""

from __future__ import annotations

import locale
import os

from lumbar.kb.models import LANGUAGES


def system_language() -> str:
    """The language of the system locale if lumbar speaks it, otherwise English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value[:2].lower() in LANGUAGES:
            return value[:2].lower()
    code = (locale.getlocale()[0] or "")[:2].lower()
    return code if code in LANGUAGES else "en"
