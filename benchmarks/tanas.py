"""TA-NAS on a binary Quick, Draw! task (Le et al., ICASSP 2021; research notes §4.4).

Usage::

    python benchmarks/tanas.py --out benchmarks/results/tanas --threads 1   # the experiment
    python benchmarks/tanas.py --out /tmp/tanas-quick --quick            # tiny, a few minutes

Each (method, seed) result is kept in ``OUT/runs/`` and reused when the script runs again,
so seeds can be split across processes and collected by a last run::

    python benchmarks/tanas.py --out OUT --threads 1 --run-seeds 3 4 5 6 &   # runs only
    python benchmarks/tanas.py --out OUT --threads 1 --run-seeds 7 8 9 &
    wait; python benchmarks/tanas.py --out OUT --threads 1 --seeds 10        # the report

The target's distances are kept in ``OUT/distances/`` (per target, raw or centred, and
dictionary) and read back by every later process, so processes on other machines (a GPU,
``--device cuda``) search the same task-aware spaces; ``--methods "baseline resnet"
--baselines resnet`` runs only the baseline.

Steps: (1) build the default task dictionary (MNIST digits 0-4 and Fashion-MNIST classes 0-4
as binary tasks; an existing dictionary in ``--dictionary`` is reused), (2) the 10×10 Fisher
distance matrix of the base tasks (table and heatmap), (3) the target's distances and its
``k`` closest tasks, (4) over ``--seeds`` seeds: FUSE on the task-aware space, FUSE on the
standard space and random search at equal compute (candidate-epochs), each retrained and
scored on the target's test split, and with ``--baselines`` the hand-designed networks
retrained the same way (same data, epochs, early stopping, augmentation and seeds: paired).
``--retrain final`` (the default) retrains on all the target's training images with early
stopping and ±2 px shifts (``TANASSettings``' defaults); ``--retrain quick`` as the published
FUSE (10 epochs on the search's 1,000 images; the recipe of the first 10-seed table). Writes
``OUT/tanas.md``, ``OUT/tanas.json`` and ``OUT/distance_matrix.png``.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import torch
from tanas_paired import method_stem

from tasknas.errors import InvalidSettingError
from tasknas.oneshot import FuseSettings, SearchResult, fuse_search, random_search
from tasknas.oneshot.fuse import BaselineRecord, retrain_baseline
from tasknas.spaces import get_space
from tasknas.tanas import (
    DEFAULT_BASE_TASKS,
    TANASSettings,
    TaskDictionary,
    closest_tasks,
    dictionary_matrix,
    load_retrain_task,
    load_task,
    target_distances,
    task_aware_edges_space,
    task_aware_space,
)
from tasknas.tanas._settings import quick_retraining

#: Quick, Draw! results of the paper (test error %, params M), for reference only: the paper
#: trains far larger networks for far longer on more data.
PAPER = {
    "FUSE, task-aware space": (1.18, 2.72),
    "FUSE, standard space": (1.21, 2.89),
    "random search": (1.33, 2.55),
}
PAPER_CLOSEST = "digit 0, trouser, digit 3 (target: a Quick, Draw! class)"
#: The per-edge restriction of the closest tasks' cells (``tasknas fuse --space
#: task-aware-edges``; not in the paper), run with ``--edges``.
EDGES = "FUSE, task-aware edges space"
_TINY_FUSE = FuseSettings(
    rounds=1, stages=1, channels=4, layers=2, final_epochs=1, final_channels=8
)
QUICK = TANASSettings(
    n_train=128,
    n_val=64,
    n_test=256,
    cnn_epochs=1,
    cnn_hidden=64,
    fisher_samples=64,
    final_n_train=256,
    dictionary_fuse=_TINY_FUSE,
    target_fuse=dataclasses.replace(_TINY_FUSE, rounds=2),
)
QUICK_TASKS = ("mnist:0", "mnist:3", "fashion_mnist:1", "fashion_mnist:2")


def timed(label: str, fn: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    value = fn()
    seconds = time.perf_counter() - start
    print(f"{label}: {seconds:.1f} s", flush=True)
    return value, seconds


def printer(label: str) -> Callable[[str, int, int], None]:
    """A progress callback that prints one line per finished unit of work (no bars in logs)."""
    last = [""]

    def report(message: str, done: int, total: int) -> None:
        if done == total or message != last[0]:
            print(f"  {label}: {message} ({done}/{total})", flush=True)
        last[0] = message

    return report


def cached_run(
    folder: Path, name: str, seed: int, method: Callable[[int], SearchResult | BaselineRecord]
) -> dict[str, Any]:
    """``method(seed)`` as a dict, kept in ``folder`` and read back when already there."""
    path = folder / f"{method_stem(name)}-seed{seed}.json"
    if path.is_file():
        return json.loads(path.read_text())
    result, _ = timed(f"{name}, seed {seed}", lambda: method(seed))
    run = {"seed": seed, **result.to_dict()}
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(run, indent=2) + "\n")
    return run


_BOOLS = {"1": True, "true": True, "yes": True, "0": False, "false": False, "no": False}


def cached_distances(
    out: Path,
    dictionary: TaskDictionary,
    task: Any,
    settings: TANASSettings,
    *,
    centre: bool = False,
) -> dict[str, float]:
    """``target_distances`` kept in ``OUT/distances/`` per (target, raw or centred, dictionary
    index): every later process (another seed, another machine) reads the same distances, so
    all its runs search the same task-aware space. The ε-network of the target is trained on
    ``settings.device``; a GPU does not repeat a training exactly, so without the file two
    processes there could pick different closest tasks. No option of this script changes
    the distances (the ε-network settings are the dictionary's, ``--quick`` has its own
    dictionary), so the dictionary's index is the whole key."""
    key = hashlib.sha256(dictionary.index_path.read_bytes()).hexdigest()[:16]
    kind = "centred" if centre else "raw"
    path = out / "distances" / f"{task.name.replace(':', '-')}-{kind}-{key}.json"
    if path.is_file():
        return {str(k): float(v) for k, v in json.loads(path.read_text())["distances"].items()}
    distances = target_distances(dictionary, task, settings, centre=centre)
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"target": task.name, "centred": centre, "device": settings.device}
    path.write_text(json.dumps({**record, "distances": distances}, indent=2) + "\n")
    return distances


def fuse_overrides(
    fuse: FuseSettings, pairs: list[str], parser: argparse.ArgumentParser
) -> FuseSettings:
    """``fuse`` with ``KEY=VALUE`` pairs applied, each value of its field's current type (an
    integer where the field is unset; ``1``/``0``, ``true``/``false`` for a flag)."""
    current = {f.name: getattr(fuse, f.name) for f in dataclasses.fields(fuse)}
    fields = {name: int if value is None else type(value) for name, value in current.items()}
    changes: dict[str, Any] = {}
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key not in fields or not value:
            parser.error(f"bad --fuse-set {pair!r}; valid keys: {', '.join(fields)}")
        try:
            changes[key] = _BOOLS[value.lower()] if fields[key] is bool else fields[key](value)
        except (KeyError, ValueError):
            parser.error(f"bad --fuse-set {pair!r}: {key} takes a {fields[key].__name__}")
    try:
        return dataclasses.replace(fuse, **changes)
    except InvalidSettingError as exc:  # the settings' own validation, in one line
        parser.error(f"bad --fuse-set: {exc}")


def centred_name(k: int) -> str:
    return f"FUSE, centred task-aware space (k={k})"


def summary(values: list[float]) -> str:
    spread = np.std(values, ddof=1) if len(values) > 1 else 0.0
    return f"{np.mean(values):.2f} ± {spread:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--target", default="quickdraw4:cat")
    parser.add_argument("--seeds", type=int, default=3, help="report seeds 0..N-1")
    parser.add_argument(
        "--run-seeds", type=int, nargs="+", help="only run (and keep) these seeds; no report"
    )
    parser.add_argument("--dictionary", type=Path, help="[default: OUT/dictionary]")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 4 base tasks")
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--workers", type=int, default=1, help="dictionary build processes")
    parser.add_argument("--k", type=int, help="closest tasks of the task-aware space [default: 3]")
    parser.add_argument(
        "--centred-k",
        type=int,
        help="also FUSE on the space of the K closest tasks by centred distances "
        "(DistanceMatrix.centred)",
    )
    parser.add_argument(
        "--edges",
        action="store_true",
        help=f"also {EDGES!r}: per edge, only what the k closest tasks' cells have there",
    )
    parser.add_argument(
        "--methods",
        nargs="+",
        help=f"run only these: {', '.join(PAPER)}, the centred or the edges method; only "
        "'baseline NAME's: no search, just those --baselines [default: all]",
    )
    parser.add_argument(
        "--retrain",
        choices=["final", "quick"],
        default="final",
        help="retraining of the winners and baselines [default: final]",
    )
    parser.add_argument(
        "--baselines", nargs="*", default=[], help="hand-designed networks: cnn resnet"
    )
    parser.add_argument(
        "--fuse-set",
        nargs="+",
        default=[],
        metavar="KEY=VALUE",
        help="override fields of the target search's FuseSettings for every method, e.g. "
        "candidates=6 rounds=8 (random search follows: its compute is FUSE's)",
    )
    parser.add_argument(
        "--final-n-test",
        type=int,
        help="test images the retrained networks are scored on (TANASSettings.final_n_test) "
        "[default: the target's whole test split]",
    )
    parser.add_argument(
        "--final-all-val",
        action="store_true",
        help="early stopping of the retraining on every validation image of the target "
        "(TANASSettings.final_all_val) instead of the search's n_val",
    )
    parser.add_argument(
        "--report-only", action="store_true", help="rewrite OUT/tanas.md from OUT/tanas.json"
    )
    args = parser.parse_args()
    valid = [*PAPER, *([centred_name(args.centred_k)] if args.centred_k else [])]
    valid += [EDGES] if args.edges else []
    valid += [f"baseline {name}" for name in args.baselines]  # only baselines: no search
    if unknown := sorted(set(args.methods or ()) - set(valid)):
        parser.error(f"unknown --methods {unknown}; valid choices: {'; '.join(valid)}")
    if args.report_only:
        data = json.loads((args.out / "tanas.json").read_text())
        matrix = data["distance_matrix"]
        names = tuple(matrix)
        values = np.array([[matrix[b][t] for t in names] for b in names])
        (args.out / "tanas.md").write_text(report(data, names, values))
        return
    if args.threads:
        torch.set_num_threads(args.threads)
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    settings = dataclasses.replace(QUICK if args.quick else TANASSettings(), device=args.device)
    given = {"k": args.k, "final_n_test": args.final_n_test}
    changes = {k: v for k, v in given.items() if v is not None}
    if args.final_all_val:
        changes["final_all_val"] = True
    try:
        settings = dataclasses.replace(settings, **changes)
    except InvalidSettingError as exc:  # the settings' own validation, in one line
        parser.error(str(exc))
    if args.fuse_set:
        settings = dataclasses.replace(
            settings, target_fuse=fuse_overrides(settings.target_fuse, args.fuse_set, parser)
        )
    if args.retrain == "quick":
        settings = quick_retraining(
            settings, settings.target_fuse.final_epochs if args.quick else None
        )
    specs = QUICK_TASKS if args.quick else DEFAULT_BASE_TASKS
    dictionary = TaskDictionary(args.dictionary or out / "dictionary")
    reused = dictionary.exists() and set(dictionary.names()) >= set(specs)
    stages: dict[str, float] = {}

    _, stages["dictionary build"] = timed(
        "dictionary build",
        lambda: dictionary.build(
            specs, settings=settings, progress=printer("build"), workers=args.workers
        ),
    )
    entries = dictionary.entries()
    task = load_task(args.target, settings)
    retrain_on = load_retrain_task(args.target, settings)
    distances, stages["target distances"] = timed(
        "target distances", lambda: cached_distances(out, dictionary, task, settings)
    )
    closest = closest_tasks(distances, settings.k)
    print(f"closest to {task.name}: {closest}", flush=True)
    aware, cells = task_aware_space(dictionary, closest)
    full = get_space("darts-tanas")
    fuse = settings.target_fuse
    extra = {"retrain_task": retrain_on}
    centred: dict[str, Any] = {}
    if args.centred_k:
        distances_c = cached_distances(out, dictionary, task, settings, centre=True)
        closest_c = closest_tasks(distances_c, args.centred_k)
        aware_c, cells_c = task_aware_space(dictionary, closest_c)
        print(f"closest to {task.name} (centred): {closest_c}", flush=True)
        centred = {"distances": distances_c, "closest": closest_c, "space_ops": list(aware_c.ops)}
    methods: dict[str, Callable[[int], SearchResult | BaselineRecord]] = {
        "FUSE, task-aware space": lambda seed: fuse_search(
            aware, task, settings=fuse, seed=seed, initial=cells, **extra
        ),
        "FUSE, standard space": lambda seed: fuse_search(
            full, task, settings=fuse, seed=seed, **extra
        ),
        "random search": lambda seed: random_search(full, task, settings=fuse, seed=seed, **extra),
    }
    if args.centred_k:
        methods[centred_name(args.centred_k)] = lambda seed: fuse_search(
            aware_c, task, settings=fuse, seed=seed, initial=cells_c, **extra
        )
    edges_size = None
    if args.edges:
        edges, cells_e = task_aware_edges_space(dictionary, closest)
        edges_size = edges.size
        print(f"{EDGES}: {edges_size:,} cells", flush=True)
        methods[EDGES] = lambda seed: fuse_search(
            edges, task, settings=fuse, seed=seed, initial=cells_e, **extra
        )
    chosen = args.methods or list(methods)
    methods = {name: run for name, run in methods.items() if name in chosen}
    for baseline in args.baselines:
        methods[f"baseline {baseline}"] = lambda seed, b=baseline: retrain_baseline(
            b, retrain_on, settings=fuse, seed=seed
        )
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in methods}
    for seed in args.run_seeds or range(args.seeds):
        for name, method in methods.items():
            runs[name].append(cached_run(out / "runs", name, seed, method))
    if args.run_seeds:
        return
    for name in methods:
        stages[name] = sum(run["seconds"] for run in runs[name])
    matrix, stages["distance matrix"] = timed(
        "distance matrix", lambda: dictionary_matrix(dictionary, settings)
    )
    matrix.plot(out / "distance_matrix.png", title="Fisher task distance between base tasks")

    data = {
        "target": task.name,
        "quick": args.quick,
        "settings": settings.to_dict(),
        "dictionary": {
            "dir": str(dictionary.root),
            "reused": reused,
            "tasks": [{k: v for k, v in e.to_dict().items() if k != "settings"} for e in entries],
        },
        "distance_matrix": matrix.to_dict(),
        "distances": distances,
        "closest": closest,
        "space_ops": list(aware.ops),
        "centred": centred,
        "edges_space_size": edges_size,
        "retrain": args.retrain,
        "n_train_retrain": len(retrain_on.train),
        "n_test_retrain": len(retrain_on.test),
        "n_val_retrain": len(retrain_on.val),
        "runs": runs,
        "stage_seconds": stages,
        "machine": {
            "platform": platform.platform(),
            "torch": torch.__version__,
            "threads": torch.get_num_threads(),
            "device": args.device,
        },
    }
    (out / "tanas.json").write_text(json.dumps(data, indent=2) + "\n")
    (out / "tanas.md").write_text(report(data, matrix.names, matrix.values))
    print(f"wrote {out / 'tanas.md'}, {out / 'tanas.json'}, {out / 'distance_matrix.png'}")


def dataset_blocks(names: tuple[str, ...], values: np.ndarray) -> list[str]:
    """Mean distance between and within the base tasks' datasets, and per-task checks."""
    datasets = np.array([name.split(":")[0] for name in names])
    kinds = list(dict.fromkeys(datasets))
    off = ~np.eye(len(names), dtype=bool)
    same = (datasets[:, None] == datasets[None, :]) & off
    lines = [
        "Mean distance by dataset (row: base tasks' dataset, column: target tasks' dataset):",
        "",
        "| base \\ target | " + " | ".join(kinds) + " |",
        "|---" * (len(kinds) + 1) + "|",
    ]
    for a in kinds:
        cells = []
        for b in kinds:
            block = (datasets[:, None] == a) & (datasets[None, :] == b) & off
            cells.append(f"{values[block].mean():.3f}")
        lines.append(f"| {a} | " + " | ".join(cells) + " |")

    def closer(matrix: np.ndarray) -> list[str]:
        """Columns whose same-dataset entries are on average below the other dataset's."""
        return [
            names[j]
            for j in range(len(names))
            if matrix[same[:, j], j].mean() < matrix[~same[:, j] & off[:, j], j].mean()
        ]

    as_target, as_base = closer(values), closer(values.T)
    lines += [
        "",
        f"Same-dataset pairs: mean {values[same].mean():.3f}; cross-dataset pairs: mean "
        f"{values[~same & off].mean():.3f}. Same-dataset bases closer on average, per target: "
        f"{len(as_target)}/{len(names)} ({', '.join(as_target)}); same-dataset targets closer "
        f"on average, per base: {len(as_base)}/{len(names)} ({', '.join(as_base)}).",
    ]
    return lines


def retraining(data: dict[str, Any]) -> str:
    """How the winners were retrained and scored (older ``tanas.json`` files: 10 epochs,
    search data, the search's test images)."""
    fuse, n_train = data["settings"]["target_fuse"], data["settings"]["n_train"]
    images = data.get("n_train_retrain", n_train)
    tested = data.get("n_test_retrain", data["settings"]["n_test"])
    checked = data.get("n_val_retrain", data["settings"]["n_val"])
    if fuse.get("final_patience") is None:
        epochs = f"{fuse['final_epochs']} epochs"
    else:
        epochs = (
            f"up to {fuse['final_epochs']} epochs (early stopping on {checked:,} validation "
            f"images, patience {fuse['final_patience']}, best epoch kept)"
        )
    shift = fuse.get("final_shift", 0)
    shifts = f", ±{shift} px shifts" if shift else ""
    width = fuse["final_channels"]
    stride = fuse.get("final_stem_stride", 2)
    stem = ", stem stride 1 (the first cell at the image's resolution)" if stride == 1 else ""
    scored = f"scored on {tested:,} test images"
    return f"{epochs} on {images:,} images{shifts} at {width} channels{stem}, {scored}"


def paired_lines(runs: dict[str, list[dict[str, Any]]]) -> list[str]:
    """Each task-aware method minus every other method, paired on seeds, 95 % t interval."""
    from tasknas.stats import paired_difference

    errors = {name: {r["seed"]: r["test_error"] for r in rs} for name, rs in runs.items()}
    lines = [
        "Paired differences of test error (percentage points, method − other; negative: the "
        "method is better; 95 % t interval, * significant):",
        "",
        "| method | − other | difference | interval | seeds |",
        "|---|---|---|---|---|",
    ]
    for name in (n for n in errors if "task-aware" in n):
        for other in (o for o in errors if o != name):
            d = paired_difference(errors[name], errors[other])
            mark = "*" if d.significant else ""
            lines.append(
                f"| {name} | {other} | {d.mean:+.2f}{mark} | [{d.ci_low:+.2f}, {d.ci_high:+.2f}] "
                f"| {d.n} |"
            )
    return lines


def report(data: dict[str, Any], names: tuple[str, ...], values: np.ndarray) -> str:
    target, fuse = data["target"], data["settings"]["target_fuse"]
    lines = [
        f"# TA-NAS on {target}" + (" (--quick: tiny sizes, not a result)" if data["quick"] else ""),
        "",
        f"Dictionary: {len(data['dictionary']['tasks'])} binary base tasks "
        f"({'reused' if data['dictionary']['reused'] else 'built'} in "
        f"`{data['dictionary']['dir']}`). Splits: {data['settings']['n_train']} train, "
        f"{data['settings']['n_val']} val, {data['settings']['n_test']} test images per task. "
        f"Target search: FUSE {fuse['rounds']} rounds × {fuse['stages']} stages × "
        f"{fuse['candidates']} candidates ({fuse['channels']} channels, {fuse['layers']} cells), "
        f"winner retrained {retraining(data)}"
        + (
            " (baselines the same way). "
            if any(n.startswith("baseline") for n in data["runs"])
            else ". "
        )
        + f"Random search gets the same candidate-epochs. Device: {data['machine']['device']}, "
        f"{data['machine']['threads']} torch threads.",
        "",
        "## Base tasks",
        "",
        "| task | ε-net test accuracy | best cell | cell test error (%) | params |",
        "|---|---|---|---|---|",
    ]
    for e in data["dictionary"]["tasks"]:
        lines.append(
            f"| {e['name']} | {e['epsnet_accuracy']:.4f} | `{e['best_cell']}` | "
            f"{e['best_cell_test_error']:.2f} | {e['best_cell_params']:,} |"
        )
    lines += [
        "",
        "## Fisher task distance between base tasks",
        "",
        "Row: base task b, column: target t, entry d(b, t). Heatmap: `distance_matrix.png`.",
        "",
        "| b \\ t | " + " | ".join(names) + " |",
        "|---" * (len(names) + 1) + "|",
    ]
    for i, name in enumerate(names):
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in values[i]) + " |")
    lines += ["", *dataset_blocks(names, values)]
    lines += [
        "",
        f"## Distances to the target {target}",
        "",
        "| base task | distance |",
        "|---|---|",
    ]
    for name, d in sorted(data["distances"].items(), key=lambda kv: kv[1]):
        mark = " (closest)" if name in data["closest"] else ""
        lines.append(f"| {name}{mark} | {d:.4f} |")
    lines += [
        "",
        f"Closest: {', '.join(data['closest'])}. Paper: {PAPER_CLOSEST}. "
        f"Task-aware space operations: {', '.join(data['space_ops'])}.",
        "",
        *(
            [
                f"Centred distances (each base's mean distance to the other base tasks "
                f"subtracted): closest {', '.join(data['centred']['closest'])}; that space's "
                f"operations: {', '.join(data['centred']['space_ops'])}.",
                "",
            ]
            if data.get("centred")
            else []
        ),
        *(
            [
                f"Task-aware edges space (per edge, the operations and inputs the closest "
                f"tasks' cells have there): {data['edges_space_size']:,} cells, against "
                f"{get_space('darts-tanas').size:,} in the standard space.",
                "",
            ]
            if data.get("edges_space_size")
            else []
        ),
        "## Search results on the target",
        "",
        "| method | test error (%) | params | search + retrain (s) | paper error (%) "
        "| paper params (M) |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in data["runs"].items():
        errors = [r["test_error"] for r in runs]
        params = [r["params"] for r in runs]
        seconds = [r["seconds"] for r in runs]
        paper = PAPER.get(name, ("–", "–"))
        lines.append(
            f"| {name} | {summary(errors)} | {np.mean(params):,.0f} | {np.mean(seconds):.0f} "
            f"| {paper[0]} | {paper[1]} |"
        )
    lines += ["", *paired_lines(data["runs"])]
    lines += ["", "Per seed:", "", "| method | seed | test error (%) | params | architecture |"]
    lines.append("|---|---|---|---|---|")
    for name, runs in data["runs"].items():
        for r in runs:
            arch = f"`{r['arch']}`" if "arch" in r else r.get("name", "")
            lines.append(
                f"| {name} | {r['seed']} | {r['test_error']:.2f} | {r['params']:,} | {arch} |"
            )
    lines += ["", "## Wall time per stage", "", "| stage | seconds |", "|---|---|"]
    lines += [f"| {k} | {v:.1f} |" for k, v in data["stage_seconds"].items()]
    lines += [
        "",
        "Errors are mean ± sample std over seeds. The paper's numbers come from much larger "
        "networks trained on the full data sets (GPU-days); compare the ordering of the methods, "
        "not the values.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
