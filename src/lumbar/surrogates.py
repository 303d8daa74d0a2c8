"""Surrogate code points (U+D800 to U+DFFF) in text: JSON can carry them ("\\ud800"), UTF-8
cannot, so neither can the databases nor a JSON reply. Found to refuse them in requests,
replaced by U+FFFD to read records stored before they were refused."""

from __future__ import annotations

import re
from typing import Any

SURROGATE = re.compile("[\ud800-\udfff]")
REPLACEMENT = "\ufffd"


def has_surrogates(data: object) -> bool:
    """Whether a string in `data` (a string, or lists and dicts of them, keys included)
    holds a surrogate code point."""
    if isinstance(data, str):
        return SURROGATE.search(data) is not None
    if isinstance(data, dict):
        return any(has_surrogates(key) or has_surrogates(value) for key, value in data.items())
    if isinstance(data, list | tuple):
        return any(has_surrogates(item) for item in data)
    return False


def replace_surrogates(data: Any) -> Any:
    """`data` with every surrogate code point in its strings (keys included) replaced by
    U+FFFD; lists, tuples (as lists) and dicts are copied, anything else is returned as it is."""
    if isinstance(data, str):
        return SURROGATE.sub(REPLACEMENT, data)
    if isinstance(data, dict):
        return {replace_surrogates(key): replace_surrogates(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [replace_surrogates(item) for item in data]
    return data
