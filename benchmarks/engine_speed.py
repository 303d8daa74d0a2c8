"""Engine speed on the development vignettes: assessments per second and latency percentiles.

Run: .venv/bin/python benchmarks/engine_speed.py [--rounds N]
"""

from __future__ import annotations

import time

from latency import dev_cases, print_latencies, rounds_option
from lumbar.engine import assess, default_model


def main() -> None:
    rounds = rounds_option(__doc__, default=20)
    model = default_model()
    cases = dev_cases()
    for answers in cases:
        assess(answers, model)
    latencies = []
    started = time.perf_counter()
    for _ in range(rounds):
        for answers in cases:
            begin = time.perf_counter_ns()
            assess(answers, model)
            latencies.append((time.perf_counter_ns() - begin) / 1000)
    elapsed = time.perf_counter() - started
    print_latencies(
        f"engine: {len(cases)} vignettes x {rounds} rounds, one process",
        ("assessments/s", f"{len(latencies) / elapsed:,.0f}"),
        latencies,
        "µs",
        0,
    )


if __name__ == "__main__":
    main()
