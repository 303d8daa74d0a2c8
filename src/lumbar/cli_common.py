"""What the command-line modules share: consoles, errors, language, JSON and answer files."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from lumbar.engine.assessment import Assessment
    from lumbar.engine.model import CompiledModel
    from lumbar.kb.loader import KnowledgeBase

console = Console()
errors = Console(stderr=True)


KbFolder = Annotated[
    Path | None,
    typer.Option(
        "--kb",
        help="A knowledge base folder to use instead of the packaged one (an edited copy).",
        show_default=False,
    ),
]


def knowledge_base(folder: Path | None) -> KnowledgeBase:
    """The knowledge base in `folder`, or the packaged one; exits listing every problem."""
    from lumbar.kb.loader import KnowledgeBaseError, default_knowledge_base, load_knowledge_base

    if folder is None:
        return default_knowledge_base()
    if not folder.is_dir():
        fail(f"--kb: {folder} is not a folder")
    try:
        return load_knowledge_base(folder)
    except KnowledgeBaseError as error:
        fail(f"--kb {folder}: {error}")


def model_of(kb: KnowledgeBase) -> CompiledModel:
    """The engine's compiled model of `kb` (the packaged one is compiled once per process)."""
    from lumbar.engine.model import compile_model, default_model
    from lumbar.kb.loader import default_knowledge_base

    return default_model() if kb is default_knowledge_base() else compile_model(kb)


DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="SQLAlchemy URL. Default: LUMBAR_DATABASE_URL, else lumbar.db in the data folder.",
        show_default=False,
    ),
]


def fail(message: str) -> NoReturn:
    """Print an error and exit with status 2."""
    errors.print(f"[red]error:[/red] {message}")
    raise typer.Exit(2)


def language(lang: str | None) -> str:
    """The --lang option, or the system locale's language; exits on an unsupported one."""
    from lumbar.i18n import system_language
    from lumbar.kb.models import LANGUAGES

    chosen = lang or system_language()
    if chosen not in LANGUAGES:
        fail(f"--lang must be one of {', '.join(LANGUAGES)}")
    return chosen


def shown_url(url: str) -> str:
    """A database URL as the commands print it: with its password hidden."""
    from sqlalchemy import make_url

    return make_url(url).render_as_string(hide_password=True)


def _json_default(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def echo_json(data: object) -> None:
    """Print data as indented JSON (dates as ISO strings, dataclasses as objects)."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def read_yaml(path: Path) -> Any:
    """A YAML or JSON file's content; exits with the reason when it cannot be read."""
    import yaml

    from lumbar.kb.yaml_files import parse_yaml

    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        fail(f"{path}: {error}")


def read_answers(path: Path) -> dict[str, Any]:
    """Answers from a file: a mapping of finding id to answer, or a vignette-like mapping
    with `answers` (and optional `age` and `sex`)."""
    data = read_yaml(path)
    if isinstance(data, dict) and isinstance(data.get("answers"), dict):
        answers = dict(data["answers"])
        for key in ("age", "sex"):
            if key in data:
                answers.setdefault(key, data[key])
        return answers
    if not isinstance(data, dict):
        fail(f"{path}: expected a mapping of finding id to answer")
    return dict(data)


def assess_file(path: Path, model: CompiledModel | None = None) -> Assessment:
    """Assess a file of answers; exits with every invalid answer named."""
    from lumbar.engine import InvalidAnswers, assess

    try:
        return assess(read_answers(path), model)
    except InvalidAnswers as error:
        for problem in error.problems:
            errors.print(f"[red]invalid answer[/red] {problem.field}: {problem.problem}")
        raise typer.Exit(2) from error
