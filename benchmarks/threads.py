"""Training commands on an idle and on a loaded machine, by torch thread count.

    python benchmarks/threads.py [--threads 1,2] [--load 1]

Runs a small `tasknas search --benchmark train` and a one-task `tasknas dictionary build`,
each with every ``--threads`` value (``default``: the command's default), first alone and then
beside ``--load`` CPU-bound busy processes (a second job on the machine). Prints one Markdown
table of wall times and the loaded/idle ratio. Only meaningful when nothing else runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TASKNAS = [sys.executable, "-m", "tasknas"]


def _busy() -> None:  # a CPU-bound competitor
    x = 0
    while True:
        x = (x * 1103515245 + 12345) % 2**31


def _commands(folder: Path) -> dict[str, list[str]]:
    return {
        "search --benchmark train (budget 4)": [
            *TASKNAS, "search", "--benchmark", "train", "--tasks", "mnist:0",
            "--budget", "4", "--out", str(folder / "run"), "--json",
        ],
        "dictionary build (1 task)": [
            *TASKNAS, "dictionary", "build", "--tasks", "mnist:0", "--dir", str(folder / "dict"),
        ],
    }  # fmt: skip


def _time(command: list[str], threads: str) -> float:
    extra = [] if threads == "default" else ["--threads", threads]
    start = time.perf_counter()
    subprocess.run([*command, *extra], check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", default="default,1,2")
    parser.add_argument("--load", type=int, default=1, help="busy processes in the loaded run")
    args = parser.parse_args()
    rows = []
    for threads in args.threads.split(","):
        for load in (0, args.load):
            busy = [multiprocessing.Process(target=_busy, daemon=True) for _ in range(load)]
            for p in busy:
                p.start()
            try:
                with tempfile.TemporaryDirectory() as tmp:
                    for name, command in _commands(Path(tmp)).items():
                        rows.append((name, threads, load, _time(command, threads)))
            finally:
                for p in busy:
                    p.terminate()
    print("| command | --threads | idle (s) | loaded (s) | loaded / idle |")
    print("|---|---|---|---|---|")
    for name in dict.fromkeys(r[0] for r in rows):
        for threads in args.threads.split(","):
            idle = next(r[3] for r in rows if r[:3] == (name, threads, 0))
            busy = next(r[3] for r in rows if r[:3] == (name, threads, args.load))
            print(f"| {name} | {threads} | {idle:.1f} | {busy:.1f} | {busy / idle:.2f} |")


if __name__ == "__main__":
    main()
