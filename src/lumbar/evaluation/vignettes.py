"""Reading vignette sets: a directory of YAML files, or one YAML file holding a list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lumbar.kb.models import TriageLevel
from lumbar.kb.yaml_files import parse_yaml


class Gold(BaseModel):
    model_config = ConfigDict(extra="forbid")

    conditions: list[str] = Field(min_length=1)
    triage: TriageLevel
    triage_ok: list[TriageLevel] = Field(default_factory=list)

    @property
    def accepted(self) -> set[str]:
        """Every triage level judged right."""
        return {self.triage, *self.triage_ok}


class Vignette(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    source: str | None = None
    text: str | None = None
    age: float
    sex: str
    answers: dict[str, Any] = Field(default_factory=dict)
    gold: Gold
    notes: str | None = None

    def all_answers(self) -> dict[str, Any]:
        """The answers with the top-level age and sex included."""
        return {**self.answers, "age": self.age, "sex": self.sex}


class VignetteSetError(ValueError):
    """A vignette file is unreadable or a vignette does not match the format."""


def _items(path: Path) -> list[Any]:
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise VignetteSetError(f"{path}: {error}") from error
    if data is None:
        return []
    return data if isinstance(data, list) else [data]


def load_vignettes(path: Path) -> list[Vignette]:
    """Every vignette under `path`, in file order; ids must be unique."""
    files = (
        sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        if path.is_dir()
        else [path]
    )
    if not files:
        raise VignetteSetError(f"{path}: no vignette files")
    vignettes: list[Vignette] = []
    seen: set[str] = set()
    for file in files:
        for position, item in enumerate(_items(file)):
            try:
                vignette = Vignette.model_validate(item)
            except ValidationError as error:
                raise VignetteSetError(f"{file} item {position + 1}: {error}") from error
            if vignette.id in seen:
                raise VignetteSetError(f"{file}: duplicate vignette id {vignette.id!r}")
            seen.add(vignette.id)
            vignettes.append(vignette)
    return vignettes
