"""The web app's own words (web/text.yaml) beside the knowledge base's interface text."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from typing import Any

from pydantic import TypeAdapter

from lumbar.engine import default_model
from lumbar.kb.models import Localized
from lumbar.kb.yaml_files import parse_yaml


@cache
def web_text() -> dict[str, Localized]:
    """web/text.yaml, validated: every key in English, Ukrainian and Russian."""
    raw = parse_yaml(files("lumbar.web").joinpath("text.yaml").read_text(encoding="utf-8"))
    text = TypeAdapter(dict[str, Localized]).validate_python(raw)
    clashes = sorted(text.keys() & default_model().kb.texts.ui.keys())
    if clashes:
        raise ValueError(f"web/text.yaml repeats knowledge-base ui keys: {clashes}")
    return text


def word(key: str, lang: str, **values: Any) -> str:
    """The text of `key` (web text, else the knowledge base's ui text) with values filled in."""
    entry = web_text().get(key) or default_model().kb.texts.ui[key]
    text = entry.get(lang)
    return text.format(**values) if values else text
