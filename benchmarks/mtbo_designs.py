"""``mtbo``'s initial designs compared: the proxy's top cells against a spread of its top 2 %.

    python benchmarks/mtbo_designs.py --benchmark transnas-micro --seeds 0-29
    python benchmarks/mtbo_designs.py --benchmark nb201 --seeds 0-9

TransNAS-Bench-101 micro: class_object + class_scene + room_layout, 50 distinct evaluations per
task, percentile of each task's best (% of the 4,096 cells strictly better). NB201: all three
tasks, each stopped at its validation optimum (cap 300), evaluations to reach it. Prints per
design the mean per task and over tasks, and the paired difference of the second design
against the first (``tasknas.stats.paired_difference``, per seed the mean over tasks).
"""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from tasknas import get_benchmark
from tasknas.compare import SeedRun, seed_task_values
from tasknas.runner import Runner
from tasknas.stats import paired_difference
from tasknas.strategies._mtbo import MultiTaskBO

TRANSNAS_TASKS = ("class_object", "class_scene", "room_layout")
NB201_CAP = 300


def _seeds(text: str) -> list[int]:
    low, _, high = text.partition("-")
    return list(range(int(low), int(high or low) + 1))


def _run(name: str, design: str, seed: int) -> dict[str, float]:
    bench = get_benchmark(name)
    tasks = TRANSNAS_TASKS if name == "transnas-micro" else tuple(bench.tasks)
    until: Any = None
    budget = 50
    if name != "transnas-micro":
        optimum = {t: bench.best_objective(t) for t in tasks}
        budget = NB201_CAP

        def until(task: str, arch: Any, result: Any) -> bool:
            return result.ok and result.objective >= optimum[task]

    strategy = MultiTaskBO(bench.space, tasks, seed=seed, design=design)
    run = SeedRun("mtbo", seed, Runner(strategy, bench, budget=budget, until=until).run(), ())
    values = {t: seed_task_values(run, bench, t) for t in tasks}
    if until is None:
        return {t: float(v.percentile) for t, v in values.items()}
    return {t: float(v.evals_to_optimum or NB201_CAP) for t, v in values.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--benchmark", default="transnas-micro")
    parser.add_argument("--designs", default="proxy,diverse")
    parser.add_argument("--seeds", type=_seeds, default=_seeds("0-29"), help="e.g. 0-29")
    args = parser.parse_args()
    designs = args.designs.split(",")
    per_seed = {d: [_run(args.benchmark, d, s) for s in args.seeds] for d in designs}
    tasks = list(per_seed[designs[0]][0])
    print(f"| design | {' | '.join(tasks)} | mean |")
    print(f"|---|{'---|' * len(tasks)}---|")
    for design, rows in per_seed.items():
        means = [np.mean([r[t] for r in rows]) for t in tasks]
        print(f"| {design} | {' | '.join(f'{m:.3f}' for m in means)} | {np.mean(means):.3f} |")
    if len(designs) == 2:
        first, second = ([float(np.mean(list(r.values()))) for r in per_seed[d]] for d in designs)
        d = paired_difference(second, first)
        print(f"\n{designs[1]} − {designs[0]} (mean over tasks, paired): {d.format(3)}")


if __name__ == "__main__":
    main()
