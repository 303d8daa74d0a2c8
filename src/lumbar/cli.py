"""The `lumbar` command line.

The command modules import the engine, the database and the server inside the commands
that use them, so that `lumbar --help` and `lumbar assess` load only what they need.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lumbar.cli_admin import db_app, users_app
from lumbar.cli_audit import audit_app, db_grant
from lumbar.cli_care import programme_command, screen_massage_command
from lumbar.cli_common import (
    KbFolder,
    assess_file,
    console,
    echo_json,
    errors,
    fail,
    knowledge_base,
    language,
    model_of,
)
from lumbar.cli_serve import serve_command

if TYPE_CHECKING:
    from lumbar.evaluation.scoring import Score

app = typer.Typer(
    help="lumbar: low back pain triage, differential and care planning.", no_args_is_help=True
)
kb_app = typer.Typer(help="The knowledge base.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")


def _show_version(value: bool) -> None:
    if value:
        from importlib.metadata import version
        from importlib.resources import files

        from lumbar.kb.yaml_files import parse_yaml

        meta = parse_yaml(files("lumbar.kb").joinpath("data", "kb.yaml").read_text("utf-8"))
        typer.echo(f"lumbar {version('lumbar')}, knowledge base {meta['version']}")
        raise typer.Exit()


@app.callback()
def main(
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            callback=_show_version,
            is_eager=True,
            help="Show the lumbar and knowledge base versions and exit.",
        ),
    ] = False,
) -> None:
    """lumbar: low back pain triage, differential and care planning."""


app.command("programme")(programme_command)
app.command("screen-massage")(screen_massage_command)
db_app.command("grant")(db_grant)
app.add_typer(db_app, name="db")
app.add_typer(audit_app, name="audit")
app.add_typer(users_app, name="users")
app.command("serve")(serve_command)


@kb_app.command("check")
def kb_check(
    shared: Annotated[
        Path | None, typer.Option(help="The shared/ folder with spec/ and seeds/.")
    ] = None,
    data: Annotated[
        Path | None, typer.Option(help="A knowledge base folder other than the packaged one.")
    ] = None,
) -> None:
    """Validate the knowledge base: schema, ids, probabilities, reachability, texts, citations."""
    from lumbar.kb.check import check_knowledge_base, find_shared_dir
    from lumbar.kb.loader import KnowledgeBaseError, default_knowledge_base, load_knowledge_base

    try:
        kb = load_knowledge_base(data) if data else default_knowledge_base()
    except KnowledgeBaseError as error:
        fail(str(error))
        return
    shared_dir = shared or find_shared_dir()
    problems = check_knowledge_base(kb, shared_dir)
    for problem in problems:
        style = "red" if problem.severity == "error" else "yellow"
        console.print(f"[{style}]{problem}[/{style}]")
    n_errors = sum(p.severity == "error" for p in problems)
    console.print(
        f"knowledge base {kb.version}: {len(kb.findings)} findings, "
        f"{len(kb.conditions)} conditions, "
        f"{len(kb.red_flags)} rules, {len(kb.citations)} citations; "
        f"{n_errors} errors, {len(problems) - n_errors} warnings"
        + ("" if shared_dir else " (shared/ not found: seeds and contract not compared)")
    )
    if n_errors:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    path: Annotated[
        Path, typer.Argument(help="A vignette set: a directory of YAML files or one YAML file.")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    interview: Annotated[
        bool,
        typer.Option(
            "--interview",
            help="Also simulate the interview on each vignette: questions asked, agreement.",
        ),
    ] = False,
    kb_folder: KbFolder = None,
    compare: Annotated[
        Path | None,
        typer.Option(
            "--compare",
            help="Another knowledge base folder: score both and show what the edit changed.",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Score lumbar on a vignette set (shared/spec/vignettes.md)."""
    from rich.table import Table

    from lumbar.evaluation.scoring import INTERVIEW_METRICS, METRICS, score_vignettes
    from lumbar.evaluation.vignettes import VignetteSetError, load_vignettes

    try:
        vignettes = load_vignettes(path)
    except VignetteSetError as error:
        fail(str(error))
        return
    model = model_of(knowledge_base(kb_folder))
    score = score_vignettes(vignettes, model, interview=interview)
    if compare is not None:
        other = score_vignettes(vignettes, model_of(knowledge_base(compare)), interview=interview)
        show_comparison(path, score, other, as_json)
        return
    summary = score.summary()
    if as_json:
        echo_json(summary)
        return
    table = Table(title=f"{path} ({summary['n']} vignettes)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("failed")
    for name in METRICS + (INTERVIEW_METRICS if interview else ()):
        failed = summary["failures"][name]
        shown = ", ".join(failed[:12]) + (f" … (+{len(failed) - 12})" if len(failed) > 12 else "")
        table.add_row(name, f"{summary[name]:.1%}", shown)
    for name in ("brier", "gold_probability_median"):
        if summary[name] is not None:
            table.add_row(name, f"{summary[name]:.3f}", "")
    if interview:
        table.add_row("questions_median", f"{summary['questions_median']:g}", "")
        table.add_row("questions_max", f"{summary['questions_max']:g}", "")
    console.print(table)
    for vid, message in summary["errors"].items():
        errors.print(f"[red]{vid}[/red]: {message}")


def show_comparison(path: Path, base: Score, other: Score, as_json: bool) -> None:
    """Both scores side by side, metric by metric, then every vignette that moved."""
    from rich.table import Table

    from lumbar.evaluation.comparison import compare_scores

    compared = compare_scores(base, other)
    if as_json:
        echo_json(compared)
        return
    table = Table(title=f"{path} ({compared['n']} vignettes): knowledge base vs --compare")
    for column in ("metric", "base", "other", "change"):
        table.add_column(column, justify="left" if column == "metric" else "right")
    for name, values in compared["metrics"].items():
        shown = "{:g}" if name == "questions_median" else "{:.3f}"
        change = values["change"]
        table.add_row(
            name,
            shown.format(values["base"]),
            shown.format(values["other"]),
            ("+" if change > 0 else "") + shown.format(change),
        )
    console.print(table)
    for name, ids in compared["newly_failed"].items():
        console.print(f"[yellow]newly failing {name}[/yellow]: {', '.join(ids)}")
    moved = Table(title="vignettes that moved (triage, top cause, gold probability)")
    for column in ("id", "gold triage", "triage", "top1", "p(gold)"):
        moved.add_column(column, overflow="fold")
    for change in compared["changed"]:
        moved.add_row(
            change["id"],
            change["gold_triage"],
            " → ".join(str(level) for level in change["triage"]),
            " → ".join(str(top) for top in change["top1"]),
            " → ".join(f"{p:.2f}" for p in change["gold_probability"]),
        )
    console.print(moved if compared["changed"] else "no vignette moved")


@app.command("assess")
def assess_command(
    answers: Annotated[
        Path | None,
        typer.Option(
            "--answers",
            help="YAML or JSON file of answers (finding id: value). Without it, lumbar asks.",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the full assessment as JSON.")
    ] = False,
    lang: Annotated[
        str | None, typer.Option(help="Language: en, uk or ru (default: system locale).")
    ] = None,
    clinician: Annotated[
        bool,
        typer.Option("--clinician", help="Clinician mode: medicines by INN with doses and flags."),
    ] = False,
    kb_folder: KbFolder = None,
) -> None:
    """Run the interview in the terminal, or assess a file of answers, and show the result."""
    from lumbar.render import render_assessment
    from lumbar.terminal_interview import QuitInterview, run_terminal_interview

    chosen = language(lang)
    kb = knowledge_base(kb_folder)
    model = model_of(kb)
    if answers is None:
        try:
            interview = run_terminal_interview(console, kb, chosen, console.input, model)
            result = interview.assessment(model)
        except (QuitInterview, EOFError, KeyboardInterrupt):
            console.print()
            console.print(kb.texts.ui["interview_quit"].get(chosen))
            raise typer.Exit(1) from None
    else:
        result = assess_file(answers, model)
    if as_json:
        echo_json(result.to_dict())
        return
    render_assessment(console, kb, result, chosen, clinician)


@app.command("treatments")
def treatments_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalogue as JSON.")] = False,
    lang: Annotated[
        str | None, typer.Option(help="Language: en, uk or ru (default: system locale).")
    ] = None,
    clinician: Annotated[
        bool,
        typer.Option("--clinician", help="Include doses, contraindications and risks."),
    ] = False,
) -> None:
    """List the treatment catalogue with evidence labels and guideline positions."""
    from lumbar.kb.loader import default_knowledge_base
    from lumbar.render_care_plan import render_catalogue, treatment_catalogue

    chosen = language(lang)
    kb = default_knowledge_base()
    if as_json:
        echo_json(treatment_catalogue(kb, chosen, clinician))
        return
    render_catalogue(console, kb, chosen, clinician)
