"""Per-seed percentiles at a budget and the paired difference between two strategies.

    python benchmarks/paired_seeds.py --benchmark transnas-micro \
        --tasks class_object,class_scene,room_layout --strategies mtbo,bo --seeds 30

Prints, per task and for the mean over tasks, each strategy's mean percentile and the paired
difference (first strategy − second) with its 95 % interval, wins/losses and Wilcoxon p
(``tasknas.stats.paired_difference``); `tasknas compare --json` keeps only the means.
"""

from __future__ import annotations

import argparse

import numpy as np

from tasknas import get_benchmark
from tasknas.compare import compare_strategies, seed_task_values
from tasknas.stats import paired_difference


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="transnas-micro")
    parser.add_argument("--tasks", default="class_object,class_scene,room_layout")
    parser.add_argument("--strategies", default="mtbo,bo")
    parser.add_argument("--seeds", type=int, default=30)
    parser.add_argument("--budget", type=int, default=50)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    tasks = args.tasks.split(",")
    first, second = args.strategies.split(",")
    bench = get_benchmark(args.benchmark)
    result = compare_strategies(
        args.benchmark, [first, second], tasks=tasks, seeds=args.seeds,
        budget=args.budget, workers=args.workers,
    )  # fmt: skip
    pct = {
        (run.strategy, run.seed, task): seed_task_values(run, bench, task).percentile
        for run in result.runs
        for task in tasks
    }
    per_seed = {
        name: {task: [pct[(name, seed, task)] for seed in range(args.seeds)] for task in tasks}
        for name in (first, second)
    }
    for name in (first, second):
        per_seed[name]["mean"] = list(np.mean([per_seed[name][t] for t in tasks], axis=0))
    print(f"| task | {first} | {second} | {first} − {second} [95 % CI] | wins / losses | p |")
    print("|---|---|---|---|---|---|")
    for task in [*tasks, "mean"]:
        a, b = per_seed[first][task], per_seed[second][task]
        d = paired_difference(a, b)
        diff = np.subtract(a, b)
        print(
            f"| {task} | {np.mean(a):.3f} | {np.mean(b):.3f} | {d.mean:+.3f} "
            f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}] | {(diff < 0).sum()} / {(diff > 0).sum()} | "
            f"{d.wilcoxon_p if d.wilcoxon_p is None else round(d.wilcoxon_p, 3)} |"
        )


if __name__ == "__main__":
    main()
