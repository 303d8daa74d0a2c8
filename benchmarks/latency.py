"""Shared by the benchmarks: the development vignettes and one table of latency percentiles."""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from lumbar.evaluation.vignettes import load_vignettes

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes" / "dev"


def rounds_option(description: str | None, default: int) -> int:
    """The --rounds option: how many passes over the vignette set."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--rounds", type=int, default=default, help="passes over the vignette set")
    return int(parser.parse_args().rounds)


def dev_cases() -> list[dict[str, Any]]:
    """The answers of every development vignette, age and sex included."""
    return [v.all_answers() for v in load_vignettes(VIGNETTES)]


def print_latencies(
    title: str, count: tuple[str, str], latencies: list[float], unit: str, digits: int
) -> None:
    """One row: a count column, then mean, p50, p90, p99 and max of `latencies`."""
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    table = Table(title=title)
    table.add_column(count[0], justify="right")
    for column in ("mean", "p50", "p90", "p99", "max"):
        table.add_column(f"{column} {unit}", justify="right")
    values = (statistics.fmean(ordered), pct(0.50), pct(0.90), pct(0.99), ordered[-1])
    table.add_row(count[1], *(f"{value:.{digits}f}" for value in values))
    Console().print(table)
