"""Multi-task strategies on the bundled tabular benchmarks (KTNAS paper Tables II and III).

Usage::

    python benchmarks/multitask.py --seeds 10 --out benchmarks/results

Part A (NB201, 3 tasks): distinct evaluations until each task's validation optimum is first
evaluated; each task stops at its optimum (the runner's ``until`` rule), cap ``--cap`` per task.
Part B (TransNAS-Bench-101 micro, class_scene / class_object / room_layout, 50 evaluations per
task): best validation value and percentile at the budget.
Part C: wall time of ``compare_strategies`` for ktnas (1 and 2 worker processes) and mtbo
(2 workers) over the seeds (NB201, budget 200).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from tasknas import Runner, get_benchmark
from tasknas.compare import compare_strategies
from tasknas.strategies import STRATEGIES

STRATEGY_NAMES = (
    "random",
    "re",
    "local",
    "tpe",
    "evo",
    "emtnas",
    "ktnas-random",
    "ktnas",
    "bo",
    "mtbo",
)
PAPER_II = {
    "KTNAS": (100.7, 27.9, 60.0, 188.5),
    "MT-NAS": (106.0, 30.1, 92.3, 228.4),
    "REA": (563.2, 438.2, 715.1, 1439.6),
}
PAPER_III = {
    "RS": (45.16, 54.41, 61.48),
    "REA": (45.39, 54.62, 61.75),
    "MT-NAS": (46.05, 54.85, 60.07),
    "KTNAS": (46.07, 54.90, 60.10),
    "Optimal": (46.32, 54.94, 59.38),
}
TNB_TASKS = ("class_object", "class_scene", "room_layout")
#: The paper prints room layout's L2 loss ×100; values are shown in the paper's units.
PAPER_UNITS = {"class_object": 1.0, "class_scene": 1.0, "room_layout": 100.0}


def part_a(seeds: list[int], cap: int) -> tuple[dict, float]:
    bench = get_benchmark("nb201")
    tasks = list(bench.tasks)
    optimum = {t: bench.best_objective(t) for t in tasks}
    out: dict[str, dict[str, list]] = {}
    start = time.perf_counter()
    for name in STRATEGY_NAMES:
        out[name] = {t: [] for t in tasks}
        for seed in seeds:
            strategy = STRATEGIES.get(name)(bench.space, tasks, seed=seed)
            result = Runner(
                strategy, bench, budget=cap, until=lambda t, a, r: r.objective >= optimum[t]
            ).run()
            for t in tasks:
                # The evaluation that first reached the optimum: a generational strategy
                # evaluates the rest of that generation too, which is not counted.
                history = result.tasks[t].history
                hit = next((i for i, v in enumerate(history, 1) if v >= optimum[t]), None)
                out[name][t].append(hit)
        print(f"part A {name}: {time.perf_counter() - start:.1f}s", flush=True)
    return out, time.perf_counter() - start


def _mean_std(values: list) -> str:
    hits = [v for v in values if v is not None]
    if not hits:
        return f"– (0/{len(values)})"
    return f"{np.mean(hits):.1f} ± {np.std(hits):.1f} ({len(hits)}/{len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--cap", type=int, default=1000, help="per-task cap in part A")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    seeds = list(range(args.seeds))
    lines = [f"# Multi-task strategies, seeds 0–{args.seeds - 1}", ""]

    a, a_time = part_a(seeds, args.cap)
    tasks = list(get_benchmark("nb201").tasks)
    lines += [
        f"## A. NB201: distinct evaluations to the validation optimum (cap {args.cap})",
        "",
        "| strategy | " + " | ".join(tasks) + " | total of means (all found) |",
        "|---|---|---|---|---|",
    ]
    for name, per in a.items():
        complete = all(v is not None for t in tasks for v in per[t])
        total = sum(np.mean(per[t]) for t in tasks) if complete else None
        total_s = "–" if total is None else f"{total:.1f}"
        lines.append(
            f"| {name} | " + " | ".join(_mean_std(per[t]) for t in tasks) + f" | {total_s} |"
        )
    for name, row in PAPER_II.items():
        lines.append(
            f"| {name} (paper) | " + " | ".join(f"{v}" for v in row[:3]) + f" | {row[3]} |"
        )
    lines += ["", f"Part A wall time: {a_time:.1f} s", ""]

    start = time.perf_counter()
    b = compare_strategies(
        "transnas-micro", STRATEGY_NAMES, tasks=TNB_TASKS, seeds=seeds, budget=50
    )
    b_time = time.perf_counter() - start
    lines += [
        "## B. TransNAS-Bench-101 micro, 50 evaluations per task",
        "",
        "Best validation value (room layout: L2 loss ×100, lower is better) and mean "
        "percentile (% of the 4,096 cells strictly better).",
        "",
        "| strategy | class_object | class_scene | room_layout ×100 |",
        "|---|---|---|---|",
    ]
    for name, per in b.summaries.items():
        cells = []
        for t in TNB_TASKS:
            s = per[t]
            value = s.best_value_mean * PAPER_UNITS[t]
            cells.append(
                f"{value:.2f} (pct {s.percentile_mean:.2f}, opt {s.found_optimum}/{s.seeds})"
            )
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for name, row in PAPER_III.items():
        lines.append(f"| {name} (paper) | " + " | ".join(f"{v}" for v in row) + " |")
    lines += ["", f"Part B wall time: {b_time:.1f} s", ""]

    c_times = []
    lines += ["## C. Wall time of a compare", ""]
    for name, workers in (("ktnas", 1), ("ktnas", 2), ("mtbo", 2)):
        start = time.perf_counter()
        compare_strategies("nb201", [name], seeds=seeds, budget=200, workers=workers)
        c_times.append(time.perf_counter() - start)
        lines.append(
            f"`compare_strategies('nb201', ['{name}'], seeds={args.seeds}, budget=200, "
            f"workers={workers})`: {c_times[-1]:.1f} s"
        )
    c_time = sum(c_times)
    lines.append("")

    report = "\n".join(lines)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "multitask.md").write_text(report + "\n", encoding="utf-8")
    raw = {"part_a": a, "part_b": b.to_json(), "times": [a_time, b_time, c_time]}
    (args.out / "multitask.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
