"""Parsing the YAML that lumbar reads: with libyaml's C parser when PyYAML was built with it
(about ten times faster, same data), else with PyYAML's pure-Python safe loader."""

from __future__ import annotations

from typing import Any

import yaml

LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def parse_yaml(text: str) -> Any:
    """The data of a YAML document: plain values only, as `yaml.safe_load` gives.
    Raises `yaml.YAMLError` on malformed YAML."""
    return yaml.load(text, Loader=LOADER)
