"""Start-up time of the CLI against a bare interpreter, measured in one run.

    python benchmarks/cli_startup.py [--repeats 15]

Each command runs ``repeats`` times in fresh processes, interleaved (so load on a shared machine
hits all of them alike); the table gives the median and the ratio to ``python -c pass``.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

COMMANDS = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "import tasknas": [sys.executable, "-c", "import tasknas"],
    "tasknas --help": [sys.executable, "-m", "tasknas", "--help"],
    "tasknas info": [sys.executable, "-m", "tasknas", "info"],
    "import torch": [sys.executable, "-c", "import torch"],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    times: dict[str, list[float]] = {name: [] for name in COMMANDS}
    for _ in range(args.repeats):
        for name, command in COMMANDS.items():
            start = time.perf_counter()
            subprocess.run(command, check=True, capture_output=True)
            times[name].append(time.perf_counter() - start)
    base = statistics.median(times["python -c pass"])
    print("| command | median (s) | ratio to `python -c pass` |")
    print("|---|---|---|")
    for name, values in times.items():
        median = statistics.median(values)
        print(f"| `{name}` | {median:.3f} | {median / base:.1f} |")


if __name__ == "__main__":
    main()
