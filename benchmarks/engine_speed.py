"""Engine speed on the development vignettes: assessments per second and latency percentiles.

Run: .venv/bin/python benchmarks/engine_speed.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lumbar.engine import assess, default_model
from lumbar.evaluation.vignettes import load_vignettes

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes" / "dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=20, help="passes over the vignette set")
    args = parser.parse_args()
    model = default_model()
    cases = [v.all_answers() for v in load_vignettes(VIGNETTES)]
    for answers in cases:
        assess(answers, model)
    latencies = []
    started = time.perf_counter()
    for _ in range(args.rounds):
        for answers in cases:
            begin = time.perf_counter_ns()
            assess(answers, model)
            latencies.append((time.perf_counter_ns() - begin) / 1000)
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    table = Table(title=f"engine: {len(cases)} vignettes x {args.rounds} rounds, one process")
    for column in ("assessments/s", "mean µs", "p50 µs", "p90 µs", "p99 µs", "max µs"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{len(latencies) / elapsed:,.0f}",
        f"{statistics.fmean(latencies):.0f}",
        f"{pct(0.50):.0f}",
        f"{pct(0.90):.0f}",
        f"{pct(0.99):.0f}",
        f"{latencies[-1]:.0f}",
    )
    Console().print(table)


if __name__ == "__main__":
    main()
