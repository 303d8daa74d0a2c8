"""Interview step latency: time to choose the next question, over simulated interviews.

Each development vignette is interviewed as in `lumbar eval --interview`; every call of
`next_question` (one step) is timed, including the final call that decides to stop.

Run: .venv/bin/python benchmarks/interview_speed.py [--rounds N]
"""

from __future__ import annotations

import time

from latency import dev_cases, print_latencies, rounds_option
from lumbar.engine import default_model
from lumbar.engine.interview import Interview
from lumbar.evaluation.interview_simulation import simulated_reply


def main() -> None:
    rounds = rounds_option(__doc__, default=3)
    model = default_model()
    cases = dev_cases()
    latencies: list[float] = []
    for _ in range(rounds):
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
    print_latencies(
        f"interview steps: {len(cases)} vignettes x {rounds} rounds, one process",
        ("steps", f"{len(latencies):,}"),
        latencies,
        "ms",
        2,
    )


if __name__ == "__main__":
    main()
