"""Does abandoning Ray tasks crash the process that abandons them?

``RayExecutor.run`` keeps at most ``workers`` trials in flight. A caller that stops listening
early (an exception in the runner, Ctrl-C, a test) closes the batch. Up to stop 46 the
executor then called ``ray.cancel`` on the trials still in flight, and in Ray 2.60 that can
abort the calling process: ``ray.cancel`` races with the reply of a task that is just
finishing, and Ray's task manager fails ``Check failed: it != submissible_tasks_.end()
Tried to complete task that was not pending`` (a RAY_CHECK: the process exits at once, with no
Python traceback). CI lost a whole test session to it at stop 46.

Each mode repeats, in a child process on its own local Ray instance (2 CPUs), rounds of: submit
a batch of near-instant trials, take the first result, abandon the rest, then run two small
batches to the end.

- ``cancel``: plain Ray tasks, the rest cancelled with ``ray.cancel`` (the old executor);
- ``executor``: ``RayExecutor`` as it is now (the rest run to their end, results dropped).

    python benchmarks/ray_cancel_race.py --out benchmarks/results

prints a markdown report and writes ``OUT/ray_cancel_race.md``. A child that dies is reported
with its exit status and whether Ray's check failure was in its output.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

CHECK = "Check failed: it != submissible_tasks_.end()"
MODES = ("cancel", "executor")
WINDOW = 2  # trials in flight: the executor's workers


def _child(mode: str, rounds: int) -> None:
    """Run ``rounds`` abandon rounds; print the count done after each ten."""
    import ray

    from tasknas.execution import RayExecutor
    from tasknas.testing import FakeEvaluator
    from tasknas.testing._executors import _trials

    ray.init(
        address="local",
        num_cpus=WINDOW,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
    )
    evaluator = FakeEvaluator()
    executor = RayExecutor(workers=WINDOW)
    score = ray.remote(max_retries=0)(lambda trial: f"{trial.task}/{trial.arch}")
    for done in range(1, rounds + 1):
        trials = _trials(evaluator, 24, seed=done)
        if mode == "cancel":
            # the old executor's close: one result taken, the next trial submitted in its
            # place, then every trial in flight cancelled
            pending = [score.remote(trial) for trial in trials[:WINDOW]]
            (_first,), pending = ray.wait(pending, num_returns=1)
            pending.append(score.remote(trials[WINDOW]))
            for ref in pending:
                ray.cancel(ref)
            batches = [trials[WINDOW + 1 : WINDOW + 5], trials[WINDOW + 5 : WINDOW + 9]]
            for batch in batches:
                ray.get([score.remote(trial) for trial in batch])
        else:
            batch = executor.run(evaluator, trials)
            next(batch)
            batch.close()
            for seed in (2, 3):
                list(executor.run(evaluator, _trials(evaluator, 12, seed=seed + 10 * done)))
        if done % 10 == 0:
            print(f"rounds {done}", flush=True)
    ray.shutdown()


def _run(mode: str, rounds: int, timeout: float) -> tuple[int, int | None, bool, float]:
    """(rounds done, exit status or None for a clean end, check failure seen, seconds)."""
    command = [sys.executable, __file__, "--child", mode, "--rounds", str(rounds)]
    started = time.perf_counter()
    proc = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - started
    lines = [line for line in proc.stdout.splitlines() if line.startswith("rounds ")]
    done = int(lines[-1].split()[1]) if lines else 0
    failed = CHECK in proc.stdout + proc.stderr
    return done, (proc.returncode or None), failed, seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=300, help="abandon rounds per child")
    parser.add_argument("--repeats", type=int, default=5, help="children per mode")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per child")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.rounds)
        return
    import ray

    rows = [
        "| mode | child | rounds done | ended | Ray's check failure | seconds |",
        "|---|---|---|---|---|---|",
    ]
    crashes = dict.fromkeys(MODES, 0)
    for repeat in range(args.repeats):
        for mode in MODES:
            done, status, failed, seconds = _run(mode, args.rounds, args.timeout)
            crashes[mode] += status is not None
            ended = "clean" if status is None else f"exit {status}"
            rows.append(
                f"| {mode} | {repeat} | {done} | {ended} | {'yes' if failed else 'no'} "
                f"| {seconds:.1f} |"
            )
    summary = [f"{mode}: {crashes[mode]} of {args.repeats} children died" for mode in MODES]
    report = "\n".join(
        [
            "# Abandoned Ray tasks: ray.cancel against letting them finish",
            "",
            f"Ray {ray.__version__}, Python {platform.python_version()}, "
            f"{args.rounds} rounds per child (rounds done are counted in tens).",
            "",
            *rows,
            "",
            *(f"- {line}" for line in summary),
            "",
        ]
    )
    print(report)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "ray_cancel_race.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
