"""Hypervolume of the (accuracy, parameters) front a search finds, against the table's true front.

    OMP_NUM_THREADS=1 nice -n 10 python benchmarks/pareto.py --seeds 10 --budget 100

On NAS-Bench-201 (all three tasks), for each seed: the multi-objective mode of the multi-task
engine (``evo`` with ``--objectives accuracy,params``, NSGA-II selection), random search and
the single-objective engine (``evo``, for reference) each search with ``--budget`` distinct
evaluations per task. Per task, the hypervolume of the evaluated architectures' front of
(validation accuracy, -parameters) is divided by that of the TRUE front (all 15,625 cells);
the reference point is (lowest accuracy, largest parameter count) of the whole table
(``--reference median``: the median of each), so a ratio of 1.0 means the true front was
found. Prints each method's mean ratio per task and the
paired differences (MO − random, MO − single) with their 95 % intervals
(``tasknas.stats.paired_difference``).
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from tasknas import get_benchmark
from tasknas.pareto import hypervolume_2d
from tasknas.runner import Runner
from tasknas.size import param_counter
from tasknas.stats import paired_difference
from tasknas.strategies import STRATEGIES

#: method -> (strategy, multi-objective, strategy options)
METHODS = {
    "evo-mo": ("evo", True, {}),
    "random": ("random", False, {}),
    "evo": ("evo", False, {}),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--budget", type=int, default=100)
    parser.add_argument(
        "--reference",
        choices=("worst", "median"),
        default="worst",
        help="reference point: the table's lowest accuracy and largest parameter count "
        "(worst), or its median accuracy and median parameter count (median: only the "
        "better half counts, which separates the methods more)",
    )
    args = parser.parse_args()
    bench = get_benchmark("nb201")
    tasks = list(bench.tasks)
    counter = param_counter(bench)
    truth, refs = {}, {}
    for task in tasks:
        acc, params = bench.objectives(task), bench.params_table(task)
        if args.reference == "worst":
            refs[task] = (float(acc.min()), -float(params.max()))
        else:
            refs[task] = (float(np.median(acc)), -float(np.median(params)))
        truth[task] = hypervolume_2d(np.column_stack([acc, -params]), refs[task])
    ratios: dict[str, dict[str, list[float]]] = {m: {t: [] for t in tasks} for m in METHODS}
    seconds = dict.fromkeys(METHODS, 0.0)
    for seed in range(args.seeds):
        for method, (name, multi, extra) in METHODS.items():
            options = {"size": counter, **extra} if multi else dict(extra)
            strategy = STRATEGIES.get(name)(bench.space, tasks, seed=seed, **options)
            start = time.perf_counter()
            result = Runner(strategy, bench, budget=args.budget).run()
            seconds[method] += time.perf_counter() - start
            for task in tasks:
                points = [
                    (r.result.objective, -counter(bench.space.parse(r.arch), task))
                    for r in result.records
                    if r.task == task and r.result.ok
                ]
                ratios[method][task].append(hypervolume_2d(points, refs[task]) / truth[task])
    print(
        f"NB201, {args.seeds} seeds, budget {args.budget} per task, reference {args.reference}: "
        "hypervolume / true front's"
    )
    print()
    print("| task | " + " | ".join(METHODS) + " | evo-mo − random | evo-mo − evo |")
    print("|---|" + "---|" * (len(METHODS) + 2))
    for task in [*tasks, "mean"]:
        if task == "mean":
            values = {m: list(np.mean([ratios[m][t] for t in tasks], axis=0)) for m in METHODS}
        else:
            values = {m: ratios[m][task] for m in METHODS}
        diffs = []
        for base in ("random", "evo"):
            d = paired_difference(values["evo-mo"], values[base], lower_is_better=False)
            diffs.append(f"{d.mean:+.4f} [{d.ci_low:+.4f}, {d.ci_high:+.4f}]")
        means = " | ".join(f"{np.mean(values[m]):.4f}" for m in METHODS)
        print(f"| {task} | {means} | {' | '.join(diffs)} |")
    print()
    print(
        "search seconds per run: "
        + ", ".join(f"{m} {seconds[m] / args.seeds:.1f}" for m in METHODS)
    )


if __name__ == "__main__":
    main()
