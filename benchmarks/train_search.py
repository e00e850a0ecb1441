"""KTNAS vs EMT-NAS vs single-task evolution with real training, on two groups of image tasks.

For each group (MNIST + Fashion-MNIST; MedMNIST: pneumonia, breast, path), each strategy
(``ktnas``, ``emtnas``, ``re`` = regularized evolution on each task alone) and each seed, one
search on the ``train`` benchmark with the same budget (distinct evaluations per task), then
the best architecture of each task is retrained from scratch (``tasknas final``) and scored
on the test split. Reported: mean ± std over seeds of the test accuracy, and the mean
search wall time per run.

Fairness: every strategy gets the same population size and evaluations per task; with the
weight-sharing evaluator (the default, EMT-NAS protocol: one supernet epoch per generation)
``re`` asks 2 children per generation, as many as the GA strategies' offspring, so that its
supernets are not trained for more epochs (KTNAS adds up to ``n`` = 4 immigrants to a
generation, so it may train fewer epochs for the same budget).

Each run is a run directory under ``OUT/runs``; a finished run (``final.json`` present) is
reused, and an interrupted one resumes, when the script is started again.

    python benchmarks/train_search.py --out benchmarks/results/train_search           # full
    python benchmarks/train_search.py --out /tmp/train-search-quick --quick          # minutes
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path
from typing import Any

import torch

import tasknas
from tasknas.experiment import RunSettings, run_experiment
from tasknas.final import finalize_run, write_final_report

GROUPS = {
    "mnist": ("mnist", "fashion_mnist"),
    "medmnist": ("pneumoniamnist", "breastmnist", "pathmnist"),
}
STRATEGIES = ("ktnas", "emtnas", "re")


def _strategy_options(strategy: str, population: int, quick: bool) -> dict[str, Any]:
    offspring = 1 if quick else 2
    options: dict[str, dict[str, Any]] = {
        "ktnas": {"population_size": population, "offspring_size": offspring},
        "emtnas": {"population_size": population, "offspring_size": offspring},
        "re": {
            "population_size": population,
            "sample_size": min(5, population),
            "batch_size": offspring,
        },
    }
    if quick:
        for name in ("ktnas", "emtnas"):
            options[name]["candidates"] = 10
        options["ktnas"]["n"] = 1
    return options[strategy]


def _run(
    out: Path, group: str, strategy: str, seed: int, args: argparse.Namespace
) -> dict[str, Any]:
    run_dir = out / "runs" / f"{group}-{strategy}-seed{seed}"
    done = run_dir / "final.json"
    timing = run_dir / "timing.json"
    if done.is_file() and timing.is_file():
        return {"final": json.loads(done.read_text()), **json.loads(timing.read_text())}
    settings = RunSettings(
        benchmark="train",
        tasks=GROUPS[group],
        strategy=strategy,
        budget=args.budget,
        seed=seed,
        strategy_options=_strategy_options(strategy, args.population, args.quick),
        benchmark_options=args.bench_options,
    )
    began = time.perf_counter()
    run_experiment(settings, run_dir, resume=(run_dir / "run.sqlite").is_file())
    search = time.perf_counter() - began
    began = time.perf_counter()
    stored, results = finalize_run(run_dir, epochs=args.final_epochs)
    final_seconds = time.perf_counter() - began
    write_final_report(run_dir, stored, results)
    timing.write_text(json.dumps({"search_seconds": search, "final_seconds": final_seconds}))
    print(
        f"{group} {strategy} seed {seed}: search {search:.0f} s, "
        + ", ".join(f"{r.task} {r.test_acc:.2f}%" for r in results),
        flush=True,
    )
    return {
        "final": [r.to_dict() for r in results],
        "search_seconds": search,
        "final_seconds": final_seconds,
    }


def _mean_std(values: list[float]) -> str:
    if len(values) < 2:
        return f"{values[0]:.2f}" if values else "–"
    return f"{statistics.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def _report(runs: dict[tuple[str, str, int], dict[str, Any]], args: argparse.Namespace) -> str:
    lines = [
        "# Multi-task search with real training: KTNAS vs EMT-NAS vs single-task RE",
        "",
        f"- tasknas {tasknas.__version__}, torch {torch.__version__}, "
        f"{platform.machine()}, {torch.get_num_threads()} torch thread(s)",
        f"- train benchmark options: {args.bench_options}; budget {args.budget} evaluations "
        f"per task, population {args.population}; final training {args.final_epochs} "
        f"epoch(s); seeds {', '.join(map(str, args.seeds))}",
        "",
    ]
    for group, tasks in GROUPS.items():
        if group not in args.groups:
            continue
        lines += [
            f"## {group}: test accuracy (%) after final training, mean ± std over seeds",
            "",
            f"| strategy | {' | '.join(tasks)} | mean | search s/run | final s/run |",
            f"|---|{'---|' * len(tasks)}---|---|---|",
        ]
        for strategy in args.strategies:
            own = [runs[(group, strategy, s)] for s in args.seeds]
            per_task = {
                t: [r["test_acc"] for run in own for r in run["final"] if r["task"] == t]
                for t in tasks
            }
            means = [statistics.mean(v) for v in per_task.values() if v]
            search = statistics.mean(run["search_seconds"] for run in own)
            final = statistics.mean(run["final_seconds"] for run in own)
            lines.append(
                f"| {strategy} | {' | '.join(_mean_std(per_task[t]) for t in tasks)} | "
                f"{statistics.mean(means):.2f} | {search:.0f} | {final:.0f} |"
            )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--groups", nargs="+", default=list(GROUPS), choices=list(GROUPS))
    parser.add_argument("--strategies", nargs="+", default=list(STRATEGIES), choices=STRATEGIES)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--budget", type=int, default=20)
    parser.add_argument("--population", type=int, default=10)
    parser.add_argument("--evaluator", default="supernet", choices=["supernet", "standalone"])
    parser.add_argument("--final-epochs", type=int, default=5)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="tiny settings, one seed")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    args.bench_options = {"evaluator": args.evaluator}
    if args.quick:
        args.seeds, args.budget, args.population, args.final_epochs = [0], 6, 4, 3
        args.bench_options.update(channels=4, layers=2, n_train=256, n_val=128, n_test=256)
    runs = {
        (group, strategy, seed): _run(args.out, group, strategy, seed, args)
        for group in args.groups
        for strategy in args.strategies
        for seed in args.seeds
    }
    text = _report(runs, args)
    print(text)
    (args.out / "train_search.md").write_text(text, encoding="utf-8")
    raw = {f"{g}/{s}/seed{seed}": run for (g, s, seed), run in runs.items()}
    (args.out / "train_search.json").write_text(json.dumps(raw, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
