"""How much of a benchmark table's top is training noise? (issue 11)

NAS-Bench-201 and TransNAS-Bench-101 micro train every cell once, so a table entry is the
cell's expected value plus the noise of one training run. Cells that compute the same
function measure that noise directly: an edge whose result can never reach the output is
never used, so a cell and its pruned form (``EdgeCell.pruned``) are the same network, and
their table entries differ only by training noise. This script groups the cells of a table
by their pruned form and reports, per task:

- σ_noise: the pooled within-group standard deviation (``tasknas.stats.variance_components``
  over the groups with two or more cells; the group of cells whose output is always zero is
  left out), against the standard deviation of the whole table;
- the gap between the table's best cell and its 10th best, in units of σ_noise, and how many
  cells lie within 1 and 2 σ_noise of the best;
- an oracle on a retrained table: if the table's values were the cells' expected values and
  every cell were trained again (fresh noise of σ_noise), where would the table's best cell
  land? Mean percentile (% of cells strictly better) and the share of draws where it stays
  within the best 0.10 % (``--draws`` draws, seeded).

Where σ_noise is as large as the spread of a task's top, which of the top cells is the
table's best is decided by the noise of one training run; a search scored by the percentile
of its best cell on that table must find that one cell, which no model of the cells'
expected values can point to.

Usage::

    python benchmarks/table_noise.py --out benchmarks/results/table_noise

Caveat: the groups with two or more cells are cells with unused edges, a structurally
particular part of the space; their noise is taken to be that of every cell.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np

from tasknas import get_benchmark
from tasknas.stats import variance_components

BENCHMARKS = ("transnas-micro", "nb201")


def groups(bench: Any) -> tuple[list[Any], list[list[int]]]:
    """Every cell of ``bench`` and the rows of each group of two or more cells that share a
    pruned form (``CellSpace.pruned_groups``)."""
    return list(bench.space.enumerate()), bench.space.pruned_groups()


def task_noise(values: np.ndarray, shared: list[list[int]], draws: int, seed: int) -> dict:
    """The numbers above for one task's ``values`` (higher is better)."""
    ok = [rows for rows in shared if np.isfinite(values[rows]).all()]
    _, sigma = variance_components([values[rows] for rows in ok])
    finite = values[np.isfinite(values)]
    top = np.sort(finite)[::-1]
    best = int(np.argmax(np.where(np.isfinite(values), values, -np.inf)))
    rng = np.random.default_rng(seed)
    where = np.empty(draws)
    for d in range(draws):
        again = finite + rng.normal(0.0, sigma, size=len(finite))
        mine = again[int(np.argmax(finite))]
        where[d] = 100.0 * float((again > mine).sum()) / len(finite)
    return {
        "groups": len(ok),
        "cells_in_groups": sum(len(rows) for rows in ok),
        "sigma_noise": sigma,
        "sigma_table": float(finite.std()),
        "best_minus_10th": float(top[0] - top[9]),
        "best_minus_10th_in_noise_sd": float((top[0] - top[9]) / sigma),
        "within_1_sd": int((finite >= top[0] - sigma).sum()),
        "within_2_sd": int((finite >= top[0] - 2 * sigma).sum()),
        "best_row": best,
        "oracle_mean_percentile": float(where.mean()),
        "oracle_share_within_0_10": float((where <= 0.10 + 1e-12).mean()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/table_noise"))
    parser.add_argument("--benchmarks", nargs="+", choices=BENCHMARKS, default=list(BENCHMARKS))
    parser.add_argument("--draws", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.draws < 1:
        parser.error(f"--draws must be >= 1, got {args.draws}")
    report: dict[str, Any] = {}
    lines = [
        "| benchmark | task | σ_noise | σ_table | best − 10th (σ_noise) | cells within 1 / 2 "
        "σ_noise of the best | oracle on a retrained table: mean percentile, share ≤ 0.10 % |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in args.benchmarks:
        bench = get_benchmark(name)
        archs, shared = groups(bench)
        report[name] = {"cells": len(archs), "tasks": {}}
        for task in bench.tasks:
            objectives = bench.objectives(task)
            values = np.array([objectives[bench.row(a)] for a in archs], dtype=float)
            row = task_noise(values, shared, args.draws, args.seed)
            row["best_cell"] = str(archs[row.pop("best_row")])
            report[name]["tasks"][task] = row
            lines.append(
                f"| {name} | {task} | {row['sigma_noise']:.4f} | {row['sigma_table']:.4f} | "
                f"{row['best_minus_10th']:.4f} ({row['best_minus_10th_in_noise_sd']:.1f}) | "
                f"{row['within_1_sd']} / {row['within_2_sd']} | "
                f"{row['oracle_mean_percentile']:.3f} %, {row['oracle_share_within_0_10']:.2f} |"
            )
        first = next(iter(report[name]["tasks"].values()))
        lines.append(
            f"| {name} | ({len(archs)} cells; noise from {first['groups']} groups of "
            f"{first['cells_in_groups']} cells) | | | | | |"
        )
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "table_noise.md").write_text(text, encoding="utf-8")
    (args.out / "table_noise.json").write_text(json.dumps(report, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
