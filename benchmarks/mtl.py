"""MTL-NAS on MultiMNIST and Omniglot: searched network against single-task and all-edges.

Usage::

    python benchmarks/mtl.py --seeds 3 --threads 1 --out benchmarks/results
    python benchmarks/mtl.py --quick --threads 1 --out /tmp/mtl-quick   # about 1/4 of the work

For each data set and seed it runs ``tasknas.oneshot.mtl_search`` with the default settings
(the same run as ``tasknas mtl --dataset D --seed S``): the data set is drawn with that seed
(``--n-train`` training and ``--n-test`` test images), single-task backbones are pretrained,
then the single-task baseline, the all-edges (NDDR-style) supernet and the searched network
are trained on the same schedule and scored on the test split. It reports the per-task test
accuracy of the three networks (mean ± sample std over seeds, and per seed), parameter
counts, the final mean gate entropy, the number of edges chosen, and the wall and CPU time
of each run. Writes ``OUT/mtl.md`` (printed too) and ``OUT/mtl.json`` (every number).
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
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument(
        "--quick", action="store_true", help="1000 train / 500 test images, 2 + 3 epochs"
    )
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = MTLSettings(device=args.device)
    n_train, n_test = DEFAULT_N_TRAIN, DEFAULT_N_TEST
    if args.quick:
        settings = dataclasses.replace(settings, pretrain_epochs=2, epochs=3)
        n_train, n_test = 1000, 500
    start = time.perf_counter()
    runs: dict[str, list[dict]] = {}
    for dataset in args.datasets.split(","):
        runs[dataset] = []
        for seed in range(args.seeds):
            runs[dataset].append(_run(dataset, seed, settings, n_train, n_test))
            r = runs[dataset][-1]
            print(
                f"{dataset} seed {seed}: {r['wall_seconds']:.0f} s, {json.dumps(r['tasks'])}",
                flush=True,
            )
    total = time.perf_counter() - start
    machine = {
        "cpus": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "processor": platform.processor() or platform.machine(),
    }
    header = [
        f"# MTL-NAS benchmark ({'quick' if args.quick else 'default'} settings, "
        f"seeds 0–{args.seeds - 1})",
        "",
        f"Settings: {json.dumps(settings.to_dict())}; n_train {n_train}, n_test {n_test}.",
        f"Machine: {json.dumps(machine)}. Whole run: {total:.0f} s.",
    ]
    report = _report(runs, header)
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mtl.md").write_text(report + "\n", encoding="utf-8")
    raw = {
        "settings": settings.to_dict(),
        "n_train": n_train,
        "n_test": n_test,
        "machine": machine,
        "seconds": total,
        "runs": runs,
    }
    (args.out / "mtl.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
