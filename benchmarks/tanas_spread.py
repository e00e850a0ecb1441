"""Does a related task's cell do better on the target than a random cell? (issue 15)

TA-NAS rests on one premise: the cells searched on the tasks closest to the target are better
starting points for the target than other cells. This script measures the premise directly,
without any search: every cell of the task dictionary and ``--random-cells`` cells sampled
from the standard space are each retrained on the target exactly as ``tasknas fuse`` retrains
its winner (``TANASSettings().target_fuse``: all training images, up to 20 epochs, early
stopping, ±2 px shifts) with the seeds ``--seeds``. Reported:

- each cell's test error, its source (dictionary task with its Fisher distance to the target,
  raw and centred, or ``random``), its operations and size;
- Spearman's ρ between a dictionary cell's distance to the target and its error on the target
  (the premise predicts ρ > 0: closer task, lower error);
- the mean error of the k = 3 closest tasks' cells, of the other dictionary cells and of the
  random cells, with a Welch interval for their differences;
- with two or more seeds, the variance components (one-way random effects): the spread of the
  cells' expected errors (σ_cell) against the retraining noise of one cell (σ_seed). σ_cell
  bounds what any search in this space can gain over a random pick; σ_seed is what a single
  retraining of each method adds to a comparison.

Usage::

    python benchmarks/tanas_spread.py --out benchmarks/results/tanas_spread --threads 1 \\
        --random-cells 6 --seeds 0 1 [--shard 0/2]    # run (shards in parallel), then
    python benchmarks/tanas_spread.py --out benchmarks/results/tanas_spread --report-only

Every (cell, seed) result is kept in ``OUT/items/`` and reused. The dictionary and the
distances come from a ``benchmarks/tanas.py`` result (``--tanas-json``), so the cells and the
closest tasks are the ones the FUSE tables used.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr, ttest_ind

from tasknas.oneshot.fuse import retrain
from tasknas.spaces import DartsSpace, get_space, ops_of
from tasknas.stats import variance_components
from tasknas.tanas import TANASSettings, load_retrain_task

TANAS_JSON = Path("benchmarks/results/tanas-v2/tanas.json")


def cells(tanas: dict[str, Any], n_random: int, cell_seed: int) -> list[dict[str, Any]]:
    """The dictionary's cells (with their distances) and ``n_random`` random cells."""
    space = get_space("darts-tanas")
    assert isinstance(space, DartsSpace)
    rows = []
    for entry in tanas["dictionary"]["tasks"]:
        name = entry["name"]
        rows.append(
            {
                "key": f"dict-{entry['folder']}",
                "source": name,
                "arch": entry["best_cell"],
                "distance": tanas["distances"][name],
                "centred": tanas["centred"]["distances"][name],
                "closest": name in tanas["closest"],
                "own_error": entry["best_cell_test_error"],
            }
        )
    rng = np.random.default_rng(cell_seed)
    for i in range(n_random):
        arch = space.format(space.sample(rng))
        rows.append({"key": f"random-{cell_seed}-{i}", "source": "random", "arch": arch})
    return rows


def run_items(args: argparse.Namespace, rows: list[dict[str, Any]]) -> None:
    settings = TANASSettings()
    task = load_retrain_task(args.target, settings)
    index, count = args.shard
    jobs = [(row, seed) for seed in args.seeds for row in rows]
    for number, (row, seed) in enumerate(jobs):
        if number % count != index:
            continue
        path = args.out / "items" / f"{row['key']}-seed{seed}.json"
        if path.is_file():
            continue
        began = time.perf_counter()
        error, params, val = retrain(row["arch"], task, settings=settings.target_fuse, seed=seed)
        item = {
            **row,
            "seed": seed,
            "test_error": error,
            "params": params,
            "val_accuracy": val,
            "seconds": time.perf_counter() - began,
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(item, indent=2) + "\n")
        print(f"{row['key']} seed {seed}: {error:.2f} % ({item['seconds']:.0f} s)", flush=True)


def _interval(a: np.ndarray, b: np.ndarray) -> str:
    """mean(a) − mean(b) with a 95 % Welch interval (scipy's unequal-variance t-test)."""
    diff = float(a.mean() - b.mean())
    if len(a) < 2 or len(b) < 2:
        return f"{diff:+.2f}"
    test = ttest_ind(a, b, equal_var=False)
    low, high = test.confidence_interval(0.95)
    star = "*" if low > 0 or high < 0 else ""
    return f"{diff:+.2f} [{low:+.2f}, {high:+.2f}]{star} (p = {test.pvalue:.2f})"


def report(out: Path, target: str) -> str:
    items = [json.loads(p.read_text()) for p in sorted((out / "items").glob("*.json"))]
    by_cell: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_cell.setdefault(item["key"], []).append(item)
    space = get_space("darts-tanas")
    lines = [
        f"# Dictionary cells and random cells retrained on `{target}`",
        "",
        "Each cell retrained as `tasknas fuse` retrains its winner (all training images, "
        "≤ 20 epochs, early stopping, ±2 px shifts), test error (%).",
        "",
        "| cell | distance (raw / centred) | own-task error | ops | params | "
        "test error per seed | mean |",
        "|---|---|---|---|---|---|---|",
    ]
    means: dict[str, float] = {}

    def order(kv: tuple[str, list[dict[str, Any]]]) -> tuple[bool, float]:
        return kv[1][0]["source"] == "random", kv[1][0].get("distance", 0.0)

    for key, runs in sorted(by_cell.items(), key=order):
        runs.sort(key=lambda r: r["seed"])
        first = runs[0]
        errors = [r["test_error"] for r in runs]
        means[key] = float(np.mean(errors))
        label = first["source"] + (" (closest)" if first.get("closest") else "")
        distance = (
            f"{first['distance']:.3f} / {first['centred']:+.3f}" if "distance" in first else "–"
        )
        own = f"{first['own_error']:.1f}" if "own_error" in first else "–"
        n_ops = len(ops_of(space.parse(first["arch"])))
        per_seed = ", ".join(f"{r['test_error']:.1f} (s{r['seed']})" for r in runs)
        lines.append(
            f"| {label} | {distance} | {own} | {n_ops} | {first['params']:,} | {per_seed} "
            f"| {means[key]:.2f} |"
        )
    first_of = {key: runs[0] for key, runs in by_cell.items()}
    closest = np.array([means[k] for k, r in first_of.items() if r.get("closest")])
    others = np.array(
        [means[k] for k, r in first_of.items() if "distance" in r and not r.get("closest")]
    )
    dictionary = np.concatenate([closest, others])
    random = np.array([means[k] for k, r in first_of.items() if r["source"] == "random"])
    lines += ["", "Group means (per-cell means; Welch 95 % interval, * excludes 0):", ""]
    lines.append(
        f"- closest 3: {closest.mean():.2f} (n = {len(closest)}); other dictionary cells: "
        f"{others.mean():.2f} (n = {len(others)}); random cells: {random.mean():.2f} "
        f"(n = {len(random)})"
    )
    lines.append(f"- closest − other dictionary cells: {_interval(closest, others)}")
    lines.append(f"- closest − random cells: {_interval(closest, random)}")
    lines.append(f"- all dictionary cells − random cells: {_interval(dictionary, random)}")
    dict_keys = [k for k, r in first_of.items() if "distance" in r]
    for kind, label in (("distance", "raw"), ("centred", "centred")):
        rho, p = spearmanr([first_of[k][kind] for k in dict_keys], [means[k] for k in dict_keys])
        lines.append(
            f"- Spearman ρ({label} distance, error on the target) over the "
            f"{len(dict_keys)} dictionary cells: {rho:+.2f} (p = {p:.2f})"
        )
    rho, p = spearmanr([first_of[k]["own_error"] for k in dict_keys], [means[k] for k in dict_keys])
    lines.append(
        f"- Spearman ρ(error on its own task, error on the target): {rho:+.2f} (p = {p:.2f})"
    )
    every = list(first_of)
    rho, p = spearmanr([first_of[k]["params"] for k in every], [means[k] for k in every])
    lines.append(
        f"- Spearman ρ(parameters, error on the target) over all {len(every)} cells: "
        f"{rho:+.2f} (p = {p:.2f})"
    )
    replicated = [runs for runs in by_cell.values() if len(runs) >= 2]
    if len(replicated) >= 2:
        n = min(len(r) for r in replicated)
        between, within = variance_components(
            [[r["test_error"] for r in runs[:n]] for runs in replicated]
        )
        lines += [
            "",
            f"Variance components over the {len(replicated)} cells with {n} seeds "
            "(one-way random effects, `tasknas.stats.variance_components`):",
            "",
            f"- σ_seed (retraining noise of one cell) = {within:.2f} points",
            f"- σ_cell (spread of the cells' expected errors) = {between:.2f} points",
            f"- share of the variance of one retrained result that is the cell: "
            f"{between**2 / (between**2 + within**2):.0%}",
        ]
    return "\n".join(lines) + "\n"


def _shard(text: str) -> tuple[int, int]:
    try:
        index, count = (int(v) for v in text.split("/"))
    except ValueError:
        index, count = -1, 0
    if not 0 <= index < count:
        raise argparse.ArgumentTypeError(f"{text!r}: give I/N with 0 <= I < N, e.g. 0/2")
    return index, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--target", default="quickdraw4:cat")
    parser.add_argument("--tanas-json", type=Path, default=TANAS_JSON)
    parser.add_argument("--random-cells", type=int, default=6)
    parser.add_argument("--cell-seed", type=int, default=1000, help="seed of the random cells")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--shard", type=_shard, default=(0, 1), help="I/N: every N-th job")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    tanas = json.loads(args.tanas_json.read_text())
    if tanas["target"] != args.target:
        parser.error(f"--tanas-json is for {tanas['target']!r}, not --target {args.target!r}")
    if not args.report_only:
        torch.set_num_threads(args.threads)
        run_items(args, cells(tanas, args.random_cells, args.cell_seed))
    text = report(args.out, args.target)
    (args.out / "tanas_spread.md").write_text(text)
    meta = {"machine": {"platform": platform.platform(), "torch": torch.__version__}}
    (args.out / "tanas_spread.json").write_text(json.dumps(meta, indent=2) + "\n")
    print(text)


if __name__ == "__main__":
    main()
