"""Wall time of one search evaluated in this process and by Ray with 1 and 2 workers.

Two evaluators with a real cost per trial:

a. ``TrainingEvaluator``: every trial trains its NAS-Bench-201 network from scratch (CPU,
   one torch thread per evaluation; Ray gives each task ``OMP_NUM_THREADS=1`` too);
b. the NAS-Bench-201 table behind ``Latency`` (a fixed sleep per trial): pure scheduling,
   no CPU contention, so it shows what Ray itself adds.

The search is ``ktnas`` on two tasks with a budget of one population per task, so every
trial is in one batch that the workers share. Each Ray configuration starts its own local
Ray instance; its start (``ray.init`` and every worker, measured on a warm-up batch) is
reported apart from the search. Every configuration must record the same trials and results
as the in-process run (checked).

    python benchmarks/ray_scaling.py --out benchmarks/results

prints a markdown report and writes ``OUT/ray_scaling.md``.
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ray
import torch

import tasknas
from tasknas import Runner, get_benchmark
from tasknas.benchmarks.train import TrainingEvaluator
from tasknas.evaluator import Evaluator, Latency
from tasknas.execution import Executor, LocalExecutor, RayExecutor
from tasknas.strategies import STRATEGIES
from tasknas.testing import FakeEvaluator
from tasknas.trial import Trial

SEED = 0


def _search(evaluator: Evaluator, tasks: tuple[str, ...], budget: int, executor: Executor) -> Any:
    strategy = STRATEGIES.get("ktnas")(evaluator.space, tasks, seed=SEED)
    return Runner(strategy, evaluator, budget=budget, executor=executor).run()


def _warm_up(executor: RayExecutor) -> float:
    """Seconds until every worker has run a trial: Ray's start and its workers' (each of
    2 x workers trials sleeps 0.5 s, so that one worker cannot take them all)."""
    fake = Latency(FakeEvaluator(), 0.5)
    archs = itertools.islice(fake.space.enumerate(), 2 * (executor.workers or 1))
    started = time.perf_counter()
    list(executor.run(fake, [Trial("t1", arch) for arch in archs]))
    return time.perf_counter() - started


def _measure(
    name: str,
    make: Callable[[], Executor],
    evaluator: Evaluator,
    tasks: tuple[str, ...],
    budget: int,
) -> dict[str, Any]:
    with make() as executor:
        start = _warm_up(executor) if isinstance(executor, RayExecutor) else 0.0
        began = time.perf_counter()
        result = _search(evaluator, tasks, budget, executor)
        search = time.perf_counter() - began
    rows = [(r.number, r.task, r.arch, r.result.objective) for r in result.records]
    print(f"  {name}: start {start:.1f} s, search {search:.1f} s", file=sys.stderr)
    return {"name": name, "start": start, "search": search, "rows": rows}


def _table(title: str, runs: list[dict[str, Any]], evaluations: int) -> list[str]:
    base = runs[0]["search"]
    lines = [
        f"### {title}",
        "",
        "| executor | Ray start (s) | search (s) | s / evaluation | speed-up vs local | "
        "same trials and results |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        same = "yes" if run["rows"] == runs[0]["rows"] else "**no**"
        start = f"{run['start']:.1f}" if run["start"] else "–"
        lines.append(
            f"| {run['name']} | {start} | {run['search']:.1f} | "
            f"{run['search'] / evaluations:.2f} | {base / run['search']:.2f}x | {same} |"
        )
    return [*lines, ""]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", default="fashion_mnist,mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--n-train", type=int, default=500)
    parser.add_argument("--delay", type=float, default=0.5, help="seconds per Latency trial")
    parser.add_argument("--budget", type=int, default=10, help="evaluations per task")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results"))
    args = parser.parse_args(argv)
    load = os.getloadavg()[0]
    torch.set_num_threads(1)  # the in-process run uses one core, as each Ray task does
    tasks = tuple(args.tasks.split(","))
    executors: list[tuple[str, Callable[[], Executor]]] = [
        ("local (in process)", LocalExecutor),
        ("ray, 1 worker", lambda: RayExecutor(workers=1)),
        ("ray, 2 workers", lambda: RayExecutor(workers=2)),
    ]
    training = TrainingEvaluator(
        "nb201", tasks, epochs=args.epochs, n_train=args.n_train, n_val=200, n_test=200
    )
    latency = Latency(get_benchmark("nb201"), args.delay)
    nb201_tasks = ("cifar10", "cifar100")
    evaluations = args.budget * 2
    began = time.perf_counter()
    sections = []
    for title, evaluator, names in (
        (
            f"TrainingEvaluator ({args.epochs} epoch, {args.n_train} images, tasks "
            f"{', '.join(tasks)})",
            training,
            tasks,
        ),
        (f"NB201 table + Latency({args.delay} s)", latency, nb201_tasks),
    ):
        print(title, file=sys.stderr)
        runs = [_measure(n, make, evaluator, names, args.budget) for n, make in executors]
        sections += _table(title, runs, evaluations)
    total = time.perf_counter() - began
    report = [
        "# Ray executor scaling",
        "",
        f"`python benchmarks/ray_scaling.py` (tasknas {tasknas.__version__}, Ray "
        f"{ray.__version__}, Python {platform.python_version()}, {os.cpu_count()} CPUs seen, "
        f"load average at start: {load:.1f}). Search: `ktnas`, seed {SEED}, "
        f"{args.budget} evaluations per task ({evaluations} in all, one batch). Wall times in "
        "seconds; 'Ray start' (a fresh local Ray instance and all its workers, plus 1 s of "
        f"warm-up sleeps) is not part of 'search'. Whole script: {total:.0f} s.",
        "",
        *sections,
        "### Reading",
        "",
        "Compare 'ray, 1 worker' with 'local' for Ray's own cost per trial, the Latency rows for",
        "scaling without CPU contention, and the training rows for scaling of CPU-bound work",
        "(only possible where idle cores are free: check the load average).",
        "",
    ]
    text = "\n".join(report)
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ray_scaling.md").write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
