"""Interview step latency: time to choose the next question, over simulated interviews.

Each development vignette is interviewed as in `lumbar eval --interview`; every call of
`next_question` (one step) is timed, including the final call that decides to stop.

Run: .venv/bin/python benchmarks/interview_speed.py [--rounds N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from lumbar.engine import default_model
from lumbar.engine.interview import Interview
from lumbar.evaluation.interview_simulation import simulated_reply
from lumbar.evaluation.vignettes import load_vignettes

VIGNETTES = Path(__file__).resolve().parents[1] / "vignettes" / "dev"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3, help="passes over the vignette set")
    args = parser.parse_args()
    model = default_model()
    cases = [v.all_answers() for v in load_vignettes(VIGNETTES)]
    latencies: list[float] = []
    for _ in range(args.rounds):
        for answers in cases:
            interview = Interview()
            while True:
                begin = time.perf_counter_ns()
                question = interview.next_question(model)
                latencies.append((time.perf_counter_ns() - begin) / 1e6)
                if question is None:
                    break
                reply = simulated_reply(question, answers, model)
                interview = interview.answer(question, reply, model)
    latencies.sort()

    def pct(q: float) -> float:
        return latencies[min(len(latencies) - 1, int(q * len(latencies)))]

    table = Table(
        title=f"interview steps: {len(cases)} vignettes x {args.rounds} rounds, one process"
    )
    for column in ("steps", "mean ms", "p50 ms", "p90 ms", "p99 ms", "max ms"):
        table.add_column(column, justify="right")
    table.add_row(
        f"{len(latencies):,}",
        f"{statistics.fmean(latencies):.2f}",
        f"{pct(0.50):.2f}",
        f"{pct(0.90):.2f}",
        f"{pct(0.99):.2f}",
        f"{latencies[-1]:.2f}",
    )
    Console().print(table)


if __name__ == "__main__":
    main()
