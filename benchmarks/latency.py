"""Shared by the benchmarks: the development vignettes and tables of latency percentiles."""

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
    print_latency_rows(title, count[0], {count[1]: latencies}, unit, digits)


def print_latency_rows(
    title: str, label: str, rows: dict[str, list[float]], unit: str, digits: int
) -> None:
    """One row per entry of `rows`: its key under `label`, then mean, p50, p90, p99 and max."""
    table = Table(title=title)
    table.add_column(label, justify="right")
    for column in ("mean", "p50", "p90", "p99", "max"):
        table.add_column(f"{column} {unit}", justify="right")
    for name, latencies in rows.items():
        table.add_row(name, *(f"{value:.{digits}f}" for value in _summary(latencies)))
    Console().print(table)


def _summary(latencies: list[float]) -> tuple[float, ...]:
    """Mean, p50, p90, p99 and max."""
    ordered = sorted(latencies)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return statistics.fmean(ordered), pct(0.50), pct(0.90), pct(0.99), ordered[-1]
