"""Load the knowledge base from the package data files into one validated object."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, TypeAdapter, ValidationError

from lumbar.kb.models import (
    CarePlanPolicy,
    Citation,
    ConditionData,
    ConditionText,
    Exercise,
    FindingData,
    FindingsFile,
    FindingText,
    InterviewPolicy,
    KbMeta,
    Localized,
    MassageProtocol,
    MassageScreenPolicy,
    NamedText,
    PriorsFile,
    ProgrammePolicy,
    RedFlagRule,
    RedFlagText,
    Reference,
    SeedReview,
    Treatment,
    TriageText,
    VocabCondition,
    VocabFinding,
    Vocabulary,
)
from lumbar.kb.yaml_files import parse_yaml

M = TypeVar("M", bound=BaseModel)


class KnowledgeBaseError(ValueError):
    """A knowledge base file is missing, unreadable or does not match its schema."""


@dataclass(frozen=True)
class Finding:
    """A finding: the contract's definition merged with lumbar's clinical data."""

    vocab: VocabFinding
    data: FindingData

    @property
    def id(self) -> str:
        return self.vocab.id

    @property
    def type(self) -> str:
        return self.vocab.type


@dataclass(frozen=True)
class Condition:
    """A condition: the contract's definition merged with lumbar's clinical data."""

    vocab: VocabCondition
    data: ConditionData

    @property
    def id(self) -> str:
        return self.vocab.id


@dataclass(frozen=True)
class Texts:
    """Patient-facing text in every language."""

    findings: dict[str, FindingText]
    conditions: dict[str, ConditionText]
    specialists: dict[str, NamedText]
    tests: dict[str, NamedText]
    triage: dict[str, TriageText]
    red_flags: dict[str, RedFlagText]
    ui: dict[str, Localized]
    drug_classes: dict[str, NamedText]


@dataclass(frozen=True)
class KnowledgeBase:
    """Everything lumbar knows, validated against the schema."""

    meta: KbMeta
    vocabulary: Vocabulary
    findings: dict[str, Finding]
    conditions: dict[str, Condition]
    priors: PriorsFile
    base_rate_cite: tuple[str, ...]
    red_flags: tuple[RedFlagRule, ...]
    references: dict[str, Reference]
    citations: dict[str, Citation]
    seed_review: tuple[SeedReview, ...]
    interview: InterviewPolicy
    care_plan: CarePlanPolicy
    programme: ProgrammePolicy
    massage_screen: MassageScreenPolicy
    treatments: dict[str, Treatment]
    exercises: dict[str, Exercise]
    massage_protocols: dict[str, MassageProtocol]
    texts: Texts

    @property
    def version(self) -> str:
        return self.meta.version


def _read_yaml(path: Path) -> Any:
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise KnowledgeBaseError(f"{path.name}: {error}") from error


def _read_optional(path: Path) -> Any:
    return _read_yaml(path) if path.exists() else None


def _parse(model: type[M], data: Any, where: str) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise KnowledgeBaseError(f"{where}: {error}") from error


def _parse_list(model: type[M], data: Any, where: str) -> list[M]:
    try:
        return TypeAdapter(list[model]).validate_python(data or [])  # type: ignore[valid-type]
    except ValidationError as error:
        raise KnowledgeBaseError(f"{where}: {error}") from error


def _parse_map(model: type[M], data: Any, where: str) -> dict[str, M]:
    try:
        return TypeAdapter(dict[str, model]).validate_python(data or {})  # type: ignore[valid-type]
    except ValidationError as error:
        raise KnowledgeBaseError(f"{where}: {error}") from error


def _unique(items: list[M], where: str) -> dict[str, M]:
    by_id: dict[str, M] = {}
    for item in items:
        item_id = item.id  # type: ignore[attr-defined]
        if item_id in by_id:
            raise KnowledgeBaseError(f"{where}: duplicate id {item_id!r}")
        by_id[item_id] = item
    return by_id


def _folder_lists(folder: Path, model: type[M]) -> list[M]:
    items: list[M] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.yaml")):
            items.extend(_parse_list(model, _read_yaml(path), f"{folder.name}/{path.name}"))
    return items


def default_data_dir() -> Path:
    """The knowledge base shipped inside the package."""
    return Path(str(resources.files("lumbar.kb") / "data"))


def load_knowledge_base(data_dir: Path | None = None) -> KnowledgeBase:
    """Read and validate every knowledge base file in `data_dir` (default: the packaged one)."""
    root = data_dir or default_data_dir()
    vocabulary = _parse(Vocabulary, _read_yaml(root / "vocabulary.yaml"), "vocabulary.yaml")
    findings_file = _parse(FindingsFile, _read_yaml(root / "findings.yaml"), "findings.yaml")
    finding_data = _unique(list(findings_file.findings), "findings.yaml")
    findings: dict[str, Finding] = {}
    for vocab_finding in vocabulary.findings:
        data = finding_data.get(vocab_finding.id)
        if data is None:
            raise KnowledgeBaseError(f"findings.yaml: finding {vocab_finding.id!r} is missing")
        findings[vocab_finding.id] = Finding(vocab_finding, data)
    for extra in finding_data.keys() - findings.keys():
        raise KnowledgeBaseError(f"findings.yaml: {extra!r} is not in vocabulary.yaml")

    condition_data = _unique(_folder_lists(root / "conditions", ConditionData), "conditions")
    conditions: dict[str, Condition] = {}
    for vocab_condition in vocabulary.conditions:
        cdata = condition_data.get(vocab_condition.id)
        if cdata is None:
            raise KnowledgeBaseError(f"conditions: condition {vocab_condition.id!r} is missing")
        conditions[vocab_condition.id] = Condition(vocab_condition, cdata)
    for extra in condition_data.keys() - conditions.keys():
        raise KnowledgeBaseError(f"conditions: {extra!r} is not in vocabulary.yaml")

    text_dir = root / "text"
    texts = Texts(
        findings=_parse_map(FindingText, _read_yaml(text_dir / "findings.yaml"), "text/findings"),
        conditions=_parse_map(
            ConditionText, _read_yaml(text_dir / "conditions.yaml"), "text/conditions"
        ),
        specialists=_parse_map(
            NamedText, _read_yaml(text_dir / "specialists.yaml"), "text/specialists"
        ),
        tests=_parse_map(NamedText, _read_yaml(text_dir / "tests.yaml"), "text/tests"),
        triage=_parse_map(TriageText, _read_yaml(text_dir / "triage.yaml"), "text/triage"),
        red_flags=_parse_map(
            RedFlagText, _read_yaml(text_dir / "red_flags.yaml"), "text/red_flags"
        ),
        ui=_parse_map(Localized, _read_yaml(text_dir / "ui.yaml"), "text/ui"),
        drug_classes=_parse_map(
            NamedText, _read_optional(text_dir / "drug_classes.yaml"), "text/drug_classes"
        ),
    )

    return KnowledgeBase(
        meta=_parse(KbMeta, _read_yaml(root / "kb.yaml"), "kb.yaml"),
        vocabulary=vocabulary,
        findings=findings,
        conditions=conditions,
        priors=_parse(PriorsFile, _read_yaml(root / "priors.yaml"), "priors.yaml"),
        base_rate_cite=findings_file.base_rate_cite,
        red_flags=tuple(
            _unique(
                _parse_list(RedFlagRule, _read_yaml(root / "red_flags.yaml"), "red_flags.yaml"),
                "red_flags.yaml",
            ).values()
        ),
        references=_unique(
            _parse_list(Reference, _read_yaml(root / "references.yaml"), "references.yaml")
            + _folder_lists(root / "references", Reference),
            "references",
        ),
        citations=_unique(_folder_lists(root / "citations", Citation), "citations"),
        seed_review=tuple(
            _unique(_folder_lists(root / "seed_review", SeedReview), "seed_review").values()
        ),
        interview=_parse(InterviewPolicy, _read_yaml(root / "interview.yaml"), "interview.yaml"),
        care_plan=_parse(CarePlanPolicy, _read_yaml(root / "care_plan.yaml"), "care_plan.yaml"),
        programme=_parse(ProgrammePolicy, _read_yaml(root / "programme.yaml"), "programme.yaml"),
        massage_screen=_parse(
            MassageScreenPolicy, _read_yaml(root / "massage_screen.yaml"), "massage_screen.yaml"
        ),
        treatments=_unique(_folder_lists(root / "treatments", Treatment), "treatments"),
        exercises=_unique(_folder_lists(root / "exercises", Exercise), "exercises"),
        massage_protocols=_unique(_folder_lists(root / "massage", MassageProtocol), "massage"),
        texts=texts,
    )


@cache
def default_knowledge_base() -> KnowledgeBase:
    """The packaged knowledge base, loaded once per process."""
    return load_knowledge_base()
