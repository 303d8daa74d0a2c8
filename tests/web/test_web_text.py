"""The web app's words: three languages, the same placeholders, every key used exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

from lumbar.engine import default_model
from lumbar.web.words import web_text, word

TEMPLATES = Path(__file__).parents[2] / "src" / "lumbar" / "web" / "templates"
SOURCES = Path(__file__).parents[2] / "src" / "lumbar" / "web"
KEY_USE = re.compile(r"""\b(?:t|word)\(\s*["']([a-z_0-9]+)["']\s*[,)]""")  # whole keys only
BUILT = re.compile(r"""f?["'](web_[a-z_]+_)\{?""")  # keys put together: f"web_body_map_{key}"


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_web_text_has_the_same_placeholders_in_each_language() -> None:
    for key, text in web_text().items():
        assert _placeholders(text.uk) == _placeholders(text.en), key
        assert _placeholders(text.ru) == _placeholders(text.en), key


def test_every_key_the_pages_use_exists() -> None:
    kb_keys = default_model().kb.texts.ui.keys()
    files = [*TEMPLATES.glob("*.html"), *SOURCES.glob("*.py")]
    used = {key for path in files for key in KEY_USE.findall(path.read_text(encoding="utf-8"))}
    missing = sorted(key for key in used if key not in web_text() and key not in kb_keys)
    assert missing == []


def test_every_web_text_is_used() -> None:
    files = [*TEMPLATES.glob("*.html"), *SOURCES.glob("*.py")]
    source = "\n".join(path.read_text(encoding="utf-8") for path in files)
    prefixes = tuple(BUILT.findall(source))
    unused = sorted(key for key in web_text() if key not in source and not key.startswith(prefixes))
    assert unused == [], "remove unused words from web/text.yaml"


def test_words_fill_in_values() -> None:
    assert word("web_call_number", "uk", number="103") == "Телефонувати 103"
