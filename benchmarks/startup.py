"""Start-up time of the command line beside Python importing lumbar's core libraries.

Median wall time of each command, run as a new process (issue 15's targets: `lumbar --help`
at most the baseline, `lumbar assess --answers FILE` at most twice it). Each command runs
once to warm up, then the commands take turns, so a change in the machine's load falls on
all of them alike.

Run: .venv/bin/python benchmarks/startup.py [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

ANSWERS = """\
age: 40
sex: male
loc_lower_back_central: true
onset_after_lifting: true
duration: days
pain_severity: 6
"""
BASELINE = "import numpy, pydantic, yaml"


def _wall_time(command: list[str]) -> float:
    began = time.perf_counter()
    subprocess.run(command, capture_output=True, check=True)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeats", type=int, default=10, help="runs of each command")
    repeats = int(parser.parse_args().repeats)
    with tempfile.TemporaryDirectory() as folder:
        answers = Path(folder) / "answers.yaml"
        answers.write_text(ANSWERS, encoding="utf-8")
        lumbar = [sys.executable, "-m", "lumbar"]
        commands = {
            f'python -c "{BASELINE}"': [sys.executable, "-c", BASELINE],
            "lumbar --help": [*lumbar, "--help"],
            "lumbar assess --answers FILE": [*lumbar, "assess", "--answers", str(answers)],
        }
        times: dict[str, list[float]] = {name: [] for name in commands}
        for command in commands.values():
            _wall_time(command)
        for _ in range(repeats):
            for name, command in commands.items():
                times[name].append(_wall_time(command))
    medians = {name: statistics.median(durations) for name, durations in times.items()}
    baseline = next(iter(medians.values()))
    table = Table(title=f"start-up: median of {repeats} runs")
    table.add_column("command")
    table.add_column("median ms", justify="right")
    table.add_column("x baseline", justify="right")
    for name, median in medians.items():
        table.add_row(name, f"{median * 1000:.0f}", f"{median / baseline:.2f}")
    Console().print(table)


if __name__ == "__main__":
    main()
