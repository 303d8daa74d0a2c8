"""Load the knowledge base from the package data files into one validated object."""

from __future__ import annotations

from collections.abc import Callable
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
from lumbar.kb.yaml_files import LOADER, parse_yaml

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


class KnowledgeBaseError(ValueError):
    """Knowledge base files are missing, unreadable or do not match their schema: every
    problem found, each naming its file, line and entry."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = tuple(problems)
        count = f"{len(problems)} problems" if len(problems) > 1 else "1 problem"
        super().__init__(f"{count} in the knowledge base:\n" + "\n".join(problems))


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


class _Loading:
    """One load of a knowledge base folder: reads and validates its files, collecting every
    problem (file, line, the id of the entry at fault) instead of stopping at the first."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.problems: list[str] = []
        self._texts: dict[Path, str] = {}

    def read(self, name: str, optional: bool = False) -> Any:
        path = self.root / name
        if optional and not path.exists():
            return None
        try:
            text = path.read_text(encoding="utf-8")
            self._texts[path] = text
            return parse_yaml(text)
        except OSError as error:
            self.problems.append(f"{name}: cannot be read ({error.strerror or error})")
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            line = f":{mark.line + 1}" if mark is not None else ""
            self.problems.append(f"{name}{line}: not valid YAML ({error})")
        return None

    def parse(self, model: type[M], name: str) -> M | None:
        parsed: M | None = self._validate(TypeAdapter(model), self.read(name), name, None)
        return parsed

    def parse_list(self, model: type[M], name: str, data: Any = None) -> list[M]:
        """Each entry validated on its own, so one bad entry does not hide the others."""
        data = self.read(name) if data is None else data
        if not isinstance(data, list):
            adapter = TypeAdapter(list[model])  # type: ignore[valid-type]
            return self._validate(adapter, data or [], name, []) or []
        items: list[M] = []
        for index, item in enumerate(data):
            try:
                items.append(model.model_validate(item))
            except ValidationError as error:
                for problem in error.errors():
                    where = (index, *problem["loc"])
                    self.problems.append(self._describe(name, data, where, problem["msg"]))
        return items

    def parse_map(self, model: type[M], name: str, optional: bool = False) -> dict[str, M]:
        adapter = TypeAdapter(dict[str, model])  # type: ignore[valid-type]
        return self._validate(adapter, self.read(name, optional) or {}, name, {}) or {}

    def folder_lists(self, folder: str, model: type[M]) -> list[M]:
        items: list[M] = []
        if (self.root / folder).is_dir():
            for path in sorted((self.root / folder).glob("*.yaml")):
                name = f"{folder}/{path.name}"
                items.extend(self.parse_list(model, name, self.read(name) or []))
        return items

    def unique(self, items: list[M], where: str) -> dict[str, M]:
        by_id: dict[str, M] = {}
        for item in items:
            item_id = item.id  # type: ignore[attr-defined]
            if item_id in by_id:
                self.problems.append(f"{where}: duplicate id {item_id!r}")
            by_id[item_id] = item
        return by_id

    def _validate(self, adapter: TypeAdapter[Any], data: Any, name: str, empty: Any) -> Any:
        if data is None and empty is None:
            return None  # unreadable: already a problem
        try:
            return adapter.validate_python(data)
        except ValidationError as error:
            for problem in error.errors():
                self.problems.append(self._describe(name, data, problem["loc"], problem["msg"]))
            return empty

    def _describe(self, name: str, data: Any, loc: tuple[Any, ...], message: str) -> str:
        """`file:line: entry 'id', field.path: message`."""
        line = _line_of(self._texts.get(self.root / name, ""), loc)
        where = f"{name}:{line}" if line else name
        entry, rest = "", loc
        if loc and isinstance(loc[0], int) and isinstance(data, list) and loc[0] < len(data):
            item = data[loc[0]]
            item_id = item.get("id") if isinstance(item, dict) else None
            entry = f"entry {item_id!r}" if item_id else f"entry {loc[0] + 1}"
            rest = loc[1:]
        elif loc and isinstance(data, dict) and loc[0] in data and not isinstance(loc[0], int):
            entry, rest = f"entry {loc[0]!r}", loc[1:]
        field = ".".join(str(part) for part in rest)
        return f"{where}: {', '.join(part for part in (entry, field) if part)}: {message}"


def _line_of(text: str, loc: tuple[Any, ...]) -> int | None:
    """The line (from 1) of the deepest node of `loc` found in the YAML `text`."""
    try:
        node = yaml.compose(text, Loader=LOADER)
    except yaml.YAMLError:
        return None
    if node is None:
        return None
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            found = [value for name, value in node.value if name.value == str(key)]
            if not found:
                break
            node = found[0]
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return int(node.start_mark.line) + 1


def default_data_dir() -> Path:
    """The knowledge base shipped inside the package."""
    return Path(str(resources.files("lumbar.kb") / "data"))


def _merged(
    loading: _Loading,
    vocab: tuple[Any, ...],
    data: dict[str, Any],
    where: str,
    kind: str,
    merge: Callable[[Any, Any], T],
) -> dict[str, T]:
    """The contract's entries joined with lumbar's data by id; a missing or an extra id is
    a problem of `where`."""
    merged: dict[str, T] = {}
    for entry in vocab:
        found = data.get(entry.id)
        if found is None:
            loading.problems.append(f"{where}: {kind} {entry.id!r} is missing")
        else:
            merged[entry.id] = merge(entry, found)
    if vocab:
        for extra in sorted(data.keys() - {entry.id for entry in vocab}):
            loading.problems.append(f"{where}: {extra!r} is not in vocabulary.yaml")
    return merged


def load_knowledge_base(data_dir: Path | None = None) -> KnowledgeBase:
    """Read and validate every knowledge base file in `data_dir` (default: the packaged one).

    Raises KnowledgeBaseError listing every problem found, each with its file, line and the
    id of the entry at fault."""
    loading = _Loading(data_dir or default_data_dir())
    vocabulary = loading.parse(Vocabulary, "vocabulary.yaml")
    findings_file = loading.parse(FindingsFile, "findings.yaml")
    finding_data = loading.unique(
        list(findings_file.findings) if findings_file else [], "findings.yaml"
    )
    findings = _merged(
        loading,
        vocabulary.findings if vocabulary else (),
        finding_data,
        "findings.yaml",
        "finding",
        Finding,
    )
    condition_data = loading.unique(loading.folder_lists("conditions", ConditionData), "conditions")
    conditions = _merged(
        loading,
        vocabulary.conditions if vocabulary else (),
        condition_data,
        "conditions",
        "condition",
        Condition,
    )
    texts = Texts(
        findings=loading.parse_map(FindingText, "text/findings.yaml"),
        conditions=loading.parse_map(ConditionText, "text/conditions.yaml"),
        specialists=loading.parse_map(NamedText, "text/specialists.yaml"),
        tests=loading.parse_map(NamedText, "text/tests.yaml"),
        triage=loading.parse_map(TriageText, "text/triage.yaml"),
        red_flags=loading.parse_map(RedFlagText, "text/red_flags.yaml"),
        ui=loading.parse_map(Localized, "text/ui.yaml"),
        drug_classes=loading.parse_map(NamedText, "text/drug_classes.yaml", optional=True),
    )
    meta = loading.parse(KbMeta, "kb.yaml")
    priors = loading.parse(PriorsFile, "priors.yaml")
    red_flags = loading.unique(loading.parse_list(RedFlagRule, "red_flags.yaml"), "red_flags.yaml")
    references = loading.unique(
        loading.parse_list(Reference, "references.yaml")
        + loading.folder_lists("references", Reference),
        "references",
    )
    citations = loading.unique(loading.folder_lists("citations", Citation), "citations")
    seed_review = loading.unique(loading.folder_lists("seed_review", SeedReview), "seed_review")
    interview = loading.parse(InterviewPolicy, "interview.yaml")
    care_plan = loading.parse(CarePlanPolicy, "care_plan.yaml")
    programme = loading.parse(ProgrammePolicy, "programme.yaml")
    massage_screen = loading.parse(MassageScreenPolicy, "massage_screen.yaml")
    treatments = loading.unique(loading.folder_lists("treatments", Treatment), "treatments")
    exercises = loading.unique(loading.folder_lists("exercises", Exercise), "exercises")
    massage = loading.unique(loading.folder_lists("massage", MassageProtocol), "massage")
    if loading.problems:
        raise KnowledgeBaseError(loading.problems)
    assert meta and vocabulary and findings_file and priors  # else a problem was recorded
    assert interview and care_plan and programme and massage_screen
    return KnowledgeBase(
        meta=meta,
        vocabulary=vocabulary,
        findings=findings,
        conditions=conditions,
        priors=priors,
        base_rate_cite=findings_file.base_rate_cite,
        red_flags=tuple(red_flags.values()),
        references=references,
        citations=citations,
        seed_review=tuple(seed_review.values()),
        interview=interview,
        care_plan=care_plan,
        programme=programme,
        massage_screen=massage_screen,
        treatments=treatments,
        exercises=exercises,
        massage_protocols=massage,
        texts=texts,
    )


@cache
def default_knowledge_base() -> KnowledgeBase:
    """The packaged knowledge base, loaded once per process."""
    return load_knowledge_base()
