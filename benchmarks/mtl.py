"""MTL-NAS on MultiMNIST and Omniglot: searched network against single-task and all-edges.

Usage::

    python benchmarks/mtl.py --seeds 5 --threads 1 --out benchmarks/results \
        --held-out multifashion
    python benchmarks/mtl.py --set alpha_init=2 --set alpha_warmup=0.25 --seeds 5 ...
    python benchmarks/mtl.py --quick --threads 1 --out /tmp/mtl-quick   # about 1/4 of the work

For each data set and seed it runs ``tasknas.oneshot.mtl_search`` with the default settings
(the same run as ``tasknas mtl --dataset D --seed S``): the data set is drawn with that seed
(``--n-train`` training and ``--n-test`` test images), single-task backbones are pretrained,
then the single-task baseline, the all-edges (NDDR-style) supernet and the searched network
are trained on the same schedule and scored on the test split. It reports the per-task test
accuracy of the three networks (mean ± sample std over seeds, and per seed), parameter
counts, the final mean gate entropy, the number of edges chosen, and the wall and CPU time
of each run, and the paired differences searched − single-task and searched − all-edges
over seeds (per task and for the mean over tasks; ``tasknas.stats.paired_difference``, 95 %
Student-t interval). ``--set FIELD=VALUE`` changes an ``MTLSettings`` field; the data sets of
``--held-out`` (nothing was tuned on them) are reported in their own section. Writes
``OUT/NAME.md`` (printed too) and ``OUT/NAME.json`` (every number), ``NAME`` from ``--name``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import time
from pathlib import Path

import numpy as np
import torch

from tasknas.oneshot import DEFAULT_N_TEST, DEFAULT_N_TRAIN, NETWORKS, MTLSettings, mtl_search
from tasknas.stats import paired_difference
from tasknas.tasks import load_multitask_set

DATASETS = ("multimnist", "omniglot")


def _run(dataset: str, seed: int, settings: MTLSettings, n_train: int, n_test: int) -> dict:
    wall, cpu = time.perf_counter(), time.process_time()
    data = load_multitask_set(dataset, seed=seed, n_train=n_train, n_test=n_test)
    result = mtl_search(data, settings=settings, seed=seed)
    record = result.to_dict()
    record.update(
        seed=seed,
        candidates=len(result.candidates),
        entropy_history=list(result.entropy_history),
        wall_seconds=time.perf_counter() - wall,
        cpu_seconds=time.process_time() - cpu,
    )
    return record


def _mean_std(values: list[float], digits: int = 2) -> str:
    std = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.{digits}f} ± {std:.{digits}f}"


def _paired(runs: dict[str, list[dict]]) -> list[str]:
    """Paired differences (percentage points) of the searched network against each baseline."""
    lines = [
        "| data set | task | searched − single-task (95 % CI) | searched − all-edges (95 % CI) |",
        "|---|---|---|---|",
    ]
    for dataset, records in runs.items():
        tasks = records[0]["tasks"]
        per = {t: {n: [r["tasks"][t][n] for r in records] for n in NETWORKS} for t in tasks}
        per["mean over tasks"] = {
            n: [float(np.mean([r["tasks"][t][n] for t in tasks])) for r in records]
            for n in NETWORKS
        }
        for task, acc in per.items():
            cells = [
                paired_difference(acc["searched"], acc[b], lower_is_better=False).format(2)
                if len(records) > 1
                else f"{acc['searched'][0] - acc[b][0]:+.2f}"
                for b in ("single_task", "all_edges")
            ]
            lines.append(f"| {dataset} | {task} | {cells[0]} | {cells[1]} |")
    return lines


def _report(runs: dict[str, list[dict]], header: list[str]) -> str:
    lines = [*header, "", "## Test accuracy (%), mean ± std over seeds", ""]
    lines += ["| data set | task | single-task | all-edges | searched | searched − single |"]
    lines += ["|---|---|---|---|---|---|"]
    for dataset, records in runs.items():
        for task in records[0]["tasks"]:
            acc = {n: [r["tasks"][task][n] for r in records] for n in NETWORKS}
            gain = [s - b for s, b in zip(acc["searched"], acc["single_task"], strict=True)]
            cells = [_mean_std(acc[n]) for n in NETWORKS] + [_mean_std(gain)]
            lines.append(f"| {dataset} | {task} | " + " | ".join(cells) + " |")
    lines += ["", "## Paired differences over seeds (points)", "", *_paired(runs)]
    lines += ["", "## Size, gates and time", ""]
    lines += [
        "| data set | params single / all-edges / searched | edges chosen | "
        "final gate entropy | wall s per run | CPU s per run |",
        "|---|---|---|---|---|---|",
    ]
    for dataset, records in runs.items():
        params = " / ".join(f"{np.mean([r['params'][n] for r in records]):,.0f}" for n in NETWORKS)
        chosen = _mean_std([len(r["edges"]) for r in records], 1)
        lines.append(
            f"| {dataset} | {params} | {chosen} of {records[0]['candidates']} | "
            f"{_mean_std([r['gate_entropy'] for r in records], 4)} | "
            f"{_mean_std([r['wall_seconds'] for r in records], 0)} | "
            f"{_mean_std([r['cpu_seconds'] for r in records], 0)} |"
        )
    lines += ["", "## Per seed", ""]
    lines += ["| data set | seed | task | single-task | all-edges | searched | edges |"]
    lines += ["|---|---|---|---|---|---|---|"]
    for dataset, records in runs.items():
        for r in records:
            for task, acc in r["tasks"].items():
                cells = " | ".join(f"{acc[n]:.2f}" for n in NETWORKS)
                edges = ", ".join(f"{s}→{t}" for s, t in r["edges"]) or "none"
                lines.append(f"| {dataset} | {r['seed']} | {task} | {cells} | {edges} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--datasets", default=",".join(DATASETS))
    parser.add_argument(
        "--held-out", default="", help="data sets reported apart (comma-separated; none tuned on)"
    )
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="an MTLSettings field (e.g. alpha_init=2); repeatable",
    )
    parser.add_argument("--name", default="mtl", help="base name of the output files")
    parser.add_argument(
        "--resume", action="store_true", help="keep the finished runs of OUT/NAME.json"
    )
    parser.add_argument(
        "--report-only", action="store_true", help="with --resume: only rewrite the report"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument(
        "--quick", action="store_true", help="1000 train / 500 test images, 2 + 3 epochs"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    overrides = {}
    for item in args.set:
        field, _, value = item.partition("=")
        overrides[field] = json.loads(value)
    settings = MTLSettings(device=args.device, **overrides)
    n_train, n_test = DEFAULT_N_TRAIN, DEFAULT_N_TEST
    if args.quick:
        settings = dataclasses.replace(settings, pretrain_epochs=2, epochs=3)
        n_train, n_test = 1000, 500
    start = time.perf_counter()
    held_out = [d for d in args.held_out.split(",") if d]
    datasets = [*args.datasets.split(","), *held_out]
    path = args.out / f"{args.name}.json"
    runs: dict[str, list[dict]] = {d: [] for d in datasets}
    done = 0.0
    if args.resume and path.exists():  # keep the finished runs of an interrupted benchmark
        old = json.loads(path.read_text(encoding="utf-8"))
        if old["settings"] != settings.to_dict():
            raise SystemExit(f"{path} was written with other settings; use another --name")
        runs.update({d: r for d, r in old["runs"].items() if d in runs})
        done = old["seconds"]
    args.out.mkdir(parents=True, exist_ok=True)
    for seed in range(args.seeds):  # seed-major: an interrupted run has whole seeds
        for dataset in datasets:
            if args.report_only or any(r["seed"] == seed for r in runs[dataset]):
                continue
            runs[dataset].append(_run(dataset, seed, settings, n_train, n_test))
            r = runs[dataset][-1]
            print(
                f"{dataset} seed {seed}: {r['wall_seconds']:.0f} s, {json.dumps(r['tasks'])}",
                flush=True,
            )
            raw = {"settings": settings.to_dict(), "seconds": done, "runs": runs}
            raw["seconds"] += time.perf_counter() - start
            path.write_text(json.dumps(raw, indent=1), encoding="utf-8")
    runs = {d: sorted(r, key=lambda x: x["seed"]) for d, r in runs.items() if r}
    total = done + time.perf_counter() - start
    seeds = sorted({r["seed"] for records in runs.values() for r in records})
    machine = {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "processor": platform.processor() or platform.machine(),
    }
    header = [
        f"# MTL-NAS benchmark ({'quick' if args.quick else 'default'} settings, "
        f"seeds {', '.join(map(str, seeds))})",
        "",
        f"Settings: {json.dumps(settings.to_dict())}; n_train {n_train}, n_test {n_test}.",
        f"Machine: {json.dumps(machine)}. Whole run: {total:.0f} s.",
    ]
    tuned = {d: r for d, r in runs.items() if d not in held_out}
    held_out = [d for d in held_out if d in runs]
    report = _report(tuned, header)
    if held_out:
        report += "\n\n# Held-out data sets (not tuned on)\n\n" + _report(
            {d: runs[d] for d in held_out}, []
        )
    print(report)
    (args.out / f"{args.name}.md").write_text(report + "\n", encoding="utf-8")
    raw = {
        "settings": settings.to_dict(),
        "n_train": n_train,
        "n_test": n_test,
        "machine": machine,
        "seconds": total,
        "held_out": held_out,
        "runs": runs,
    }
    path.write_text(json.dumps(raw, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
