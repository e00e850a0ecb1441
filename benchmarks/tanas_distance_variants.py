"""Does the same-dataset structure of the Fisher distance matrix depend on the ε-networks?

For each variant of the TA-NAS settings, trains the 10 default base tasks' ε-networks (no
cell search), computes the 10 × 10 Fisher distance matrix d(b, t) on the target tasks'
validation images, and counts the tasks for which the same dataset's tasks are closer on
average than the other dataset's: per target (columns) and per base network (rows). Each
variant is scored twice: with the full Fisher diagonal (what tasknas uses) and with the
diagonal averaged per parameter tensor (the simplification of the TA-NAS authors' code).

    python benchmarks/tanas_distance_variants.py --threads 1 --out benchmarks/results

prints one line per variant and writes ``OUT/tanas_distance_variants.md``.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from tasknas.similarity import fisher_distance
from tasknas.tanas import DEFAULT_BASE_TASKS, TANASSettings, load_task
from tasknas.tanas._distance import _fisher
from tasknas.tanas._epsnet import train_epsnet

VARIANTS: dict[str, dict[str, Any]] = {
    "default": {},
    "10 ε-network epochs": {"cnn_epochs": 10},
    "hidden layer 64": {"cnn_hidden": 64},
    "learning rate 3e-4": {"cnn_lr": 3e-4},
    "1,000 Fisher samples": {"fisher_samples": 1000, "n_val": 1000},
}
Fisher = Mapping[str, torch.Tensor]


def full(fisher: Fisher) -> torch.Tensor:
    vector = torch.cat([f.flatten() for f in fisher.values()])
    return vector / vector.sum()


def per_tensor(fisher: Fisher) -> torch.Tensor:
    vector = torch.stack([f.mean() for f in fisher.values()])
    return vector / vector.sum()


def same_dataset_counts(names: list[str], values: np.ndarray) -> tuple[int, int]:
    """(targets, bases) whose own dataset's tasks are closer on average than the other's."""
    datasets = np.array([name.split(":")[0] for name in names])
    off = ~np.eye(len(names), dtype=bool)
    same = (datasets[:, None] == datasets[None, :]) & off

    def count(matrix: np.ndarray) -> int:
        return sum(
            matrix[same[:, j], j].mean() < matrix[~same[:, j] & off[:, j], j].mean()
            for j in range(len(names))
        )

    return count(values), count(values.T)


def run(settings: TANASSettings, aggregations: dict[str, Callable[[Fisher], torch.Tensor]]):
    tasks = [load_task(spec, settings) for spec in DEFAULT_BASE_TASKS]
    models = {task.name: train_epsnet(task, settings)[0] for task in tasks}
    names = list(models)
    matrices = {name: np.zeros((len(names), len(names))) for name in aggregations}
    for j, task in enumerate(tasks):
        fishers = {base: _fisher(model, task, settings) for base, model in models.items()}
        for label, aggregate in aggregations.items():
            target = aggregate(fishers[task.name])
            for i, base in enumerate(names):
                if i != j:
                    distance = fisher_distance(aggregate(fishers[base]), target)
                    matrices[label][i, j] = distance
    return {label: same_dataset_counts(names, m) for label, m in matrices.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    aggregations = {"full diagonal": full, "per-tensor mean": per_tensor}
    lines = [
        "# Same-dataset structure of the Fisher distance matrix, by ε-network settings",
        "",
        "`python benchmarks/tanas_distance_variants.py` — counts of the 10 default base tasks "
        "whose own dataset's tasks are closer on average: per target (column) / per base "
        "network (row).",
        "",
        "| variant | settings | full diagonal | per-tensor mean | seconds |",
        "|---|---|---|---|---|",
    ]
    for name, changes in VARIANTS.items():
        start = time.perf_counter()
        counts = run(dataclasses.replace(TANASSettings(), **changes), aggregations)
        seconds = time.perf_counter() - start
        cells = [f"{t}/10, {b}/10" for t, b in counts.values()]
        lines.append(f"| {name} | `{changes or '–'}` | {' | '.join(cells)} | {seconds:.0f} |")
        print(lines[-1], flush=True)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "tanas_distance_variants.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
