"""Can any cell of the space match the hand-designed network on a task? (issue 14)

When the searched networks lose to a hand-designed one on a task (BreastMNIST: ``resnet``
beats every strategy), is the search at fault or the space? This script retrains
``--random-cells`` cells sampled from the search space (``darts-emtnas`` by default) and the
hand-designed baselines on ``--task`` with ``tasknas final``'s recipe (``final_train``,
``train_baseline``: all training images, up to ``--epochs`` epochs, early stopping, ±2 px
shifts; the same seeds ``--seeds`` for every network) and reports:

- every network's validation and test accuracy per seed;
- the random cells' mean, their best cell (by mean validation accuracy, so the choice does
  not look at the test split) and each baseline, with paired differences over the seeds;
- the variance components of the random cells (``tasknas.stats.variance_components``): the
  spread of the cells' expected test accuracy against the retraining noise of one cell.

Usage::

    python benchmarks/train_spread.py --out benchmarks/results/train_spread --task breastmnist \\
        --random-cells 8 --seeds 0 1 2 --threads 1
    python benchmarks/train_spread.py --out benchmarks/results/train_spread --task breastmnist \\
        --random-cells 8 --seeds 0 1 2 --report-only

Every (network, seed) result is kept in ``OUT/items/`` and reused.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tasknas.benchmarks.train import final_train, train_baseline
from tasknas.errors import TasknasError
from tasknas.spaces import get_space
from tasknas.stats import mean_interval, paired_difference, variance_components

BASELINES = ("cnn", "resnet")


def networks(space_name: str, n_random: int, cell_seed: int) -> list[dict[str, str]]:
    """The random cells (key, arch) and the baselines (key, baseline name)."""
    space = get_space(space_name)
    rng = np.random.default_rng(cell_seed)
    cells = [
        {"key": f"random-{cell_seed}-{i}", "arch": space.format(space.sample(rng))}
        for i in range(n_random)
    ]
    return [*cells, *({"key": name, "baseline": name} for name in BASELINES)]


def run_items(args: argparse.Namespace, rows: list[dict[str, str]]) -> None:
    for seed in args.seeds:
        for row in rows:
            path = args.out / "items" / f"{args.task}-{row['key']}-seed{seed}.json"
            if path.is_file():
                continue
            began = time.perf_counter()
            if "baseline" in row:
                result = train_baseline(row["baseline"], args.task, epochs=args.epochs, seed=seed)
            else:
                result = final_train(
                    row["arch"], args.task, space=args.space, epochs=args.epochs, seed=seed
                )
            item = {
                **row,
                "task": args.task,
                "seed": seed,
                "val_acc": result.val_acc,
                "test_acc": result.test_acc,
                "params": result.params,
                "seconds": time.perf_counter() - began,
            }
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(item, indent=2) + "\n")
            print(
                f"{row['key']} seed {seed}: val {result.val_acc:.2f} test {result.test_acc:.2f} "
                f"({item['seconds']:.0f} s)",
                flush=True,
            )


def _summary(values: list[float]) -> str:
    mean, low, high = mean_interval(values)
    return f"{mean:.2f} [{low:.2f}, {high:.2f}]" if len(values) > 1 else f"{mean:.2f}"


def report(out: Path, task: str, seeds: list[int]) -> str:
    items = [json.loads(p.read_text()) for p in sorted((out / "items").glob(f"{task}-*.json"))]
    items = [i for i in items if i["seed"] in seeds]
    by_key: dict[str, dict[int, dict[str, Any]]] = {}
    for item in items:
        by_key.setdefault(item["key"], {})[item["seed"]] = item
    complete = {k: v for k, v in by_key.items() if set(v) >= set(seeds)}
    cells = sorted(k for k in complete if k.startswith("random-"))
    lines = [
        f"# Random cells against the hand-designed networks on `{task}`",
        "",
        f"Seeds {', '.join(map(str, seeds))}; `tasknas final`'s recipe for every network. "
        "Accuracy (%), mean [95 % interval over seeds].",
        "",
        "| network | params | validation | test | test per seed |",
        "|---|---|---|---|---|",
    ]
    for key in [*cells, *(b for b in BASELINES if b in complete)]:
        runs = [complete[key][s] for s in seeds]
        tests = [r["test_acc"] for r in runs]
        lines.append(
            f"| {key} | {runs[0]['params']:,} | {_summary([r['val_acc'] for r in runs])} | "
            f"{_summary(tests)} | {', '.join(f'{v:.1f}' for v in tests)} |"
        )
    if not cells:
        return "\n".join(lines) + "\n"

    def per_seed(key: str, metric: str = "test_acc") -> dict[int, float]:
        return {s: complete[key][s][metric] for s in seeds}

    def mean_over_seeds(key: str, metric: str = "test_acc") -> float:
        return float(np.mean(list(per_seed(key, metric).values())))

    mean_cell = {s: float(np.mean([complete[k][s]["test_acc"] for k in cells])) for s in seeds}
    best = max(cells, key=lambda k: mean_over_seeds(k, "val_acc"))
    lines += [
        "",
        f"Best random cell by mean validation accuracy: {best}. Paired differences over "
        "the seeds (test accuracy, points; * excludes 0):",
        "",
    ]
    for name in BASELINES:
        if name not in complete:
            continue
        lines.append(
            f"- mean of the {len(cells)} random cells − {name}: "
            f"{paired_difference(mean_cell, per_seed(name), lower_is_better=False).format(2)}"
        )
        lines.append(
            f"- best random cell − {name}: "
            f"{paired_difference(per_seed(best), per_seed(name), lower_is_better=False).format(2)}"
        )
        better = sum(mean_over_seeds(k) >= mean_over_seeds(name) for k in cells)
        lines.append(
            f"- random cells with a mean test accuracy ≥ {name}'s: {better} of {len(cells)}"
        )
    if len(seeds) >= 2 and len(cells) >= 2:
        between, within = variance_components(
            [[complete[k][s]["test_acc"] for s in seeds] for k in cells]
        )
        lines += [
            "",
            f"Variance components of the random cells' test accuracy: σ_cell = {between:.2f}, "
            f"σ_seed = {within:.2f} points.",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--task", default="breastmnist")
    parser.add_argument("--space", default="darts-emtnas")
    parser.add_argument("--random-cells", type=int, default=8)
    parser.add_argument("--cell-seed", type=int, default=1000, help="seed of the random cells")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--epochs", type=int, default=30, help="most final-training epochs")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    if not args.report_only:
        torch.set_num_threads(args.threads)
        try:
            run_items(args, networks(args.space, args.random_cells, args.cell_seed))
        except TasknasError as error:  # an unknown --space or --task: one line, exit 2
            parser.error(str(error))
    text = report(args.out, args.task, args.seeds)
    (args.out / f"train_spread_{args.task}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
