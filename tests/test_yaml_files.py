"""The YAML helper: libyaml's parser gives exactly what PyYAML's pure-Python one gives."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lumbar.kb.loader import default_data_dir
from lumbar.kb.yaml_files import LOADER, parse_yaml

KB_FILES = sorted(default_data_dir().rglob("*.yaml"))
WEB_TEXT = default_data_dir().parents[1] / "web" / "text.yaml"


def test_libyaml_is_used_when_pyyaml_has_it() -> None:
    assert LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    if not yaml.__with_libyaml__:
        pytest.skip("PyYAML was built without libyaml: both loaders are the pure-Python one")


@pytest.mark.parametrize(
    "path", [*KB_FILES, WEB_TEXT], ids=lambda path: path.relative_to(default_data_dir().parents[1])
)
def test_every_packaged_yaml_file_parses_as_with_the_safe_loader(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert parse_yaml(text) == yaml.load(text, Loader=yaml.SafeLoader)


def test_the_knowledge_base_has_yaml_files() -> None:
    assert len(KB_FILES) > 20  # the comparison above ran over the real data folder
