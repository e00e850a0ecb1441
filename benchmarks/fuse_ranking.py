"""Where TA-NAS's cat error comes from, and whether FUSE ranks candidates as retraining does.

Usage::

    python benchmarks/fuse_ranking.py --out benchmarks/results/fuse_ranking --threads 1 \\
        --parts retrain ranking fuse random --final-epochs 20 --patience 5 --seeds 0 1 2
    python benchmarks/fuse_ranking.py --out OUT --report-only     # rewrite OUT/fuse_ranking.md

Target ``quickdraw4:cat`` with the TA-NAS splits (data seed 0: 300 validation and 1,000 test
images; the search's 1,000 training images, or all 4,080 the shipped file has for the
task). Four parts, each (part, seed, item) result kept in ``OUT/items/`` and reused when
the script runs again (the file names do not hold the settings: use another ``--out`` for
other ``--final-epochs`` / ``--patience``):

- ``retrain``: the FUSE winner of ``benchmarks/results/tanas/tanas.json`` (task-aware space,
  same seed) and the ``cnn`` and ``resnet`` baselines, each retrained (a) as ``tasknas fuse``
  did (10 epochs on 1,000 images, last epoch scored) and (b) with the ``tasknas final``
  recipe applied to FUSE's optimiser: all training images, up to ``--final-epochs`` epochs
  with early stopping on validation accuracy (``--patience``, best epoch kept) and ±2 px
  shifts (``FuseSettings(final_patience=..., final_shift=2)``); same seeds for all.
- ``ranking``: one FUSE round with ``--candidates`` candidates (the 3 closest tasks' cells
  first, then samples of the task-aware space; default stages and learning rates), its final
  mixture weights, then every candidate trained on its own: briefly (the search's width and
  epochs, validation accuracy; what random search sees, with and without recomputing the
  BatchNorm statistics first) and retrained as in (a), test accuracy. Spearman correlations
  between the rankings. ``--warmup`` and ``--alpha-lr`` change the FUSE round.
- ``fuse`` and ``random``: FUSE on the task-aware space (from the 3 closest cells) and random
  search on the standard space, with the current code, each winner retrained as in (b).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import platform
import time
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr

from tasknas.oneshot import FuseSettings, fuse_search
from tasknas.oneshot.fuse import retrain, retrain_baseline
from tasknas.oneshot.fuse._networks import as_genotype
from tasknas.oneshot.fuse._random import recalibrate_batch_norm
from tasknas.spaces import DartsSpace, get_space, ops_of
from tasknas.tasks import load_image_task
from tasknas.training import Trainer, train_from_scratch

TANAS_JSON = Path("benchmarks/results/tanas/tanas.json")
TARGET = "quickdraw4:cat"
BASELINES = ("cnn", "resnet")


def tasks(target: str) -> tuple[Any, Any]:
    """The search's split (1,000 training images) and the full one (same val and test)."""
    small = load_image_task(target, seed=0, n_train=1000, n_val=300, n_test=1000)
    full = load_image_task(target, seed=0, n_train=None, n_val=300, n_test=1000)
    assert torch.equal(small.test.x, full.test.x) and torch.equal(small.val.x, full.val.x)
    return small, full


def cached(folder: Path, key: str, fn: Any) -> dict[str, Any]:
    path = folder / f"{key}.json"
    if path.is_file():
        return json.loads(path.read_text())
    start = time.perf_counter()
    value = {**fn(), "seconds": time.perf_counter() - start}
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2) + "\n")
    print(f"{key}: {value}", flush=True)
    return value


def retrain_part(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    tanas = json.loads(TANAS_JSON.read_text())
    winners = {r["seed"]: r for r in tanas["runs"]["FUSE, task-aware space"]}
    small, full = tasks(args.target)
    quick = FuseSettings()
    final = dataclasses.replace(
        quick, final_epochs=args.final_epochs, final_patience=args.patience, final_shift=2
    )
    recipes = {"quick": (small, quick), "final": (full, final)}
    rows: dict[str, Any] = {}
    for seed in args.seeds:
        arch = winners[seed]["arch"]
        for recipe in args.recipes:
            task, settings = recipes[recipe]

            def fuse_item(
                task: Any = task,
                settings: FuseSettings = settings,
                arch: str = arch,
                seed: int = seed,
            ) -> dict[str, Any]:
                error, params, val = retrain(arch, task, settings=settings, seed=seed)
                return {"arch": arch, "test_error": error, "params": params, "val_accuracy": val}

            rows[f"fuse-{recipe}-seed{seed}"] = cached(
                folder, f"retrain-fuse-{recipe}-seed{seed}", fuse_item
            )
            for name in BASELINES:

                def base_item(
                    name: str = name,
                    task: Any = task,
                    settings: FuseSettings = settings,
                    seed: int = seed,
                ) -> dict[str, Any]:
                    b = retrain_baseline(name, task, settings=settings, seed=seed)
                    return {
                        "test_error": b.test_error,
                        "params": b.params,
                        "val_accuracy": b.val_accuracy,
                    }

                rows[f"{name}-{recipe}-seed{seed}"] = cached(
                    folder, f"retrain-{name}-{recipe}-seed{seed}", base_item
                )
    return {
        "settings": {"quick": dataclasses.asdict(quick), "final": dataclasses.asdict(final)},
        "n_train": {"quick": len(small.train), "final": len(full.train)},
        "published_fuse_errors": {s: winners[s]["test_error"] for s in args.seeds},
        "rows": rows,
    }


def aware_space(tanas: dict[str, Any]) -> tuple[DartsSpace, list[Any]]:
    """The task-aware space of the 10-seed benchmark (its 3 closest tasks' cells)."""
    full = get_space("darts-tanas")
    assert isinstance(full, DartsSpace)
    by_name = {e["name"]: e["best_cell"] for e in tanas["dictionary"]["tasks"]}
    cells = list(dict.fromkeys(full.parse(by_name[n]) for n in tanas["closest"]))
    ops = set().union(*(ops_of(c) for c in cells))
    return full.with_ops(ops, name="task-aware"), cells


def search_part(args: argparse.Namespace, folder: Path, method: str) -> dict[str, Any]:
    """``method`` ``random``: random search on the standard space (BatchNorm-recalibrated
    scoring); ``fuse``: FUSE on the task-aware space of the 10-seed benchmark, from its 3
    closest cells. Winner retrained with the final recipe, on the same seeds as ``retrain``."""
    from tasknas.oneshot import random_search

    small, full = tasks(args.target)
    final = dataclasses.replace(
        FuseSettings(), final_epochs=args.final_epochs, final_patience=args.patience, final_shift=2
    )
    aware, cells = aware_space(json.loads(TANAS_JSON.read_text()))
    rows = {}
    for seed in args.seeds:

        def run(seed: int = seed) -> dict[str, Any]:
            if method == "random":
                result = random_search(
                    get_space("darts-tanas"), small, settings=final, seed=seed, retrain_task=full
                )
            else:
                result = fuse_search(
                    aware, small, settings=final, seed=seed, initial=cells, retrain_task=full
                )
            return {k: v for k, v in result.to_dict().items() if k != "seconds"}

        rows[str(seed)] = cached(folder, f"{method}-final-seed{seed}", run)
    return {"settings": dataclasses.asdict(final), "rows": rows}


def arch_key(arch: str) -> str:
    """A short stable file-name key of a genotype string."""
    import hashlib

    return hashlib.sha1(arch.encode()).hexdigest()[:10]


def ranking_part(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    tanas = json.loads(TANAS_JSON.read_text())
    space, cells = aware_space(tanas)
    small, _ = tasks(args.target)
    settings = dataclasses.replace(
        FuseSettings(),
        candidates=args.candidates,
        rounds=1,
        alpha_lr=args.alpha_lr,
        warmup_epochs=args.warmup,
    )
    tag = f"c{args.candidates}-alr{args.alpha_lr:g}-w{args.warmup}"
    quick = FuseSettings()
    seeds: dict[str, Any] = {}
    for seed in args.seeds:

        def search(seed: int = seed) -> dict[str, Any]:
            # the retraining of the winner is not needed here: 1 epoch keeps it cheap
            cheap = dataclasses.replace(settings, final_epochs=1)
            result = fuse_search(space, small, settings=cheap, seed=seed, initial=cells)
            record = result.rounds[0]
            return {"candidates": list(record.candidates), "weights": list(record.weights)}

        found = cached(folder, f"ranking-{tag}-search-seed{seed}", search)
        # the stand-alone trainings do not depend on the FUSE variant: shared by all tags
        base = f"ranking-c{args.candidates}-seed{seed}"
        alone = []
        for i, arch in enumerate(found["candidates"]):

            def brief(
                arch: str = arch, seed: int = seed, recalibrate: bool = False
            ) -> dict[str, Any]:
                # ``recalibrate``: as random search now scores (BatchNorm statistics
                # recomputed on the training split first)
                trainer = Trainer(
                    epochs=FuseSettings().epochs_per_round,
                    batch_size=settings.batch_size,
                    lr=settings.lr,
                    seed=1000 + seed,
                )
                trained = train_from_scratch(
                    as_genotype(arch),
                    small,
                    trainer,
                    channels=settings.channels,
                    layers=settings.layers,
                    seed=2000 + seed,
                    splits=() if recalibrate else ("val",),
                )
                if not recalibrate:
                    return {"val_accuracy": trained.accuracy["val"], "params": trained.params}
                recalibrate_batch_norm(trained.network, small.train, batch_size=64)
                accuracy = trainer.evaluate(trained.network, small.val)["accuracy"]
                return {"val_accuracy": accuracy, "params": trained.params}

            def long(arch: str = arch, seed: int = seed) -> dict[str, Any]:
                error, params, val = retrain(arch, small, settings=quick, seed=seed)
                return {"test_error": error, "params": params, "val_accuracy": val}

            key = f"{base}-{arch_key(arch)}"
            alone.append(
                {
                    "arch": arch,
                    "weight": found["weights"][i],
                    "brief": cached(folder, f"{key}-brief", brief),
                    "recalibrated": cached(
                        folder, f"{key}-recalibrated", partial(brief, recalibrate=True)
                    ),
                    "retrained": cached(folder, f"{key}-retrained", long),
                }
            )
        weights = [a["weight"] for a in alone]
        brief_acc = [a["brief"]["val_accuracy"] for a in alone]
        recal_acc = [a["recalibrated"]["val_accuracy"] for a in alone]
        retrained_acc = [100 - a["retrained"]["test_error"] for a in alone]
        params = [a["retrained"]["params"] for a in alone]
        seeds[str(seed)] = {
            "candidates": alone,
            "spearman_weight_vs_retrained": float(spearmanr(weights, retrained_acc)[0]),
            "spearman_weight_vs_brief": float(spearmanr(weights, brief_acc)[0]),
            "spearman_brief_vs_retrained": float(spearmanr(brief_acc, retrained_acc)[0]),
            "spearman_recalibrated_vs_retrained": float(spearmanr(recal_acc, retrained_acc)[0]),
            "random_pick_rank": int(
                1 + sum(acc > retrained_acc[int(np.argmax(recal_acc))] for acc in retrained_acc)
            ),
            "spearman_weight_vs_params": float(spearmanr(weights, params)[0]),
            "fuse_pick_rank": int(
                1 + sum(acc > retrained_acc[int(np.argmax(weights))] for acc in retrained_acc)
            ),
        }
    return {"settings": dataclasses.asdict(settings), "tag": tag, "seeds": seeds}


def report(data: dict[str, Any]) -> str:
    lines = [f"# FUSE ranking and retraining on {data['target']}", ""]
    if "retrain" in data:
        part = data["retrain"]
        lines += [
            "## Retraining recipes (same cells and seeds)",
            "",
            f"quick: 10 epochs, {part['n_train']['quick']} training images, last epoch; "
            f"final: up to {part['settings']['final']['final_epochs']} epochs, "
            f"{part['n_train']['final']} training images, early stopping patience "
            f"{part['settings']['final']['final_patience']} (best epoch kept), ±2 px shifts.",
            "",
            "| network | recipe | test error (%) per seed | mean | params | s per run |",
            "|---|---|---|---|---|---|",
        ]
        groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for key, row in part["rows"].items():
            name, recipe, _ = key.split("-")
            groups.setdefault((name, recipe), []).append(row)
        for (name, recipe), rows in groups.items():
            errors = [r["test_error"] for r in rows]
            lines.append(
                f"| {name} | {recipe} | {', '.join(f'{e:.1f}' for e in errors)} | "
                f"{np.mean(errors):.2f} | {np.mean([r['params'] for r in rows]):,.0f} | "
                f"{np.mean([r['seconds'] for r in rows]):.0f} |"
            )
        lines.append("")
    titles = {
        "fuse": "FUSE on the task-aware space (current code)",
        "random": "Random search (recalibrated scoring)",
    }
    for method in [m for m in titles if m in data]:
        rows = data[method]["rows"]
        errors = [r["test_error"] for r in rows.values()]
        lines += [
            f"## {titles[method]}, winner retrained with the final recipe",
            "",
            "| seed | test error (%) | params | search + retrain (s) | architecture |",
            "|---|---|---|---|---|",
        ]
        for seed, r in rows.items():
            lines.append(
                f"| {seed} | {r['test_error']:.1f} | {r['params']:,} | {r['seconds']:.0f} "
                f"| `{r['arch']}` |"
            )
        lines += ["", f"Mean test error {np.mean(errors):.2f} %.", ""]
    for tag, part in data.get("ranking", {}).items():
        lines += [
            f"## FUSE ranking ({tag})",
            "",
            "| seed | ρ(weight, retrained acc) | ρ(weight, brief acc) | ρ(brief, retrained) "
            "| ρ(recalibrated brief, retrained) | ρ(weight, params) | rank of FUSE's pick "
            "| rank of recalibrated brief's pick |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for seed, s in part["seeds"].items():
            lines.append(
                f"| {seed} | {s['spearman_weight_vs_retrained']:+.2f} | "
                f"{s['spearman_weight_vs_brief']:+.2f} | {s['spearman_brief_vs_retrained']:+.2f} "
                f"| {s['spearman_recalibrated_vs_retrained']:+.2f} "
                f"| {s['spearman_weight_vs_params']:+.2f} | {s['fuse_pick_rank']} of "
                f"{len(s['candidates'])} | {s['random_pick_rank']} |"
            )
        lines += [
            "",
            "| seed | weight | brief val acc | recalibrated brief val acc "
            "| retrained test error (%) | params |",
        ]
        lines.append("|---|---|---|---|---|---|")
        for seed, s in part["seeds"].items():
            for c in s["candidates"]:
                lines.append(
                    f"| {seed} | {c['weight']:.3f} | {c['brief']['val_accuracy']:.3f} | "
                    f"{c['recalibrated']['val_accuracy']:.3f} | "
                    f"{c['retrained']['test_error']:.1f} | {c['retrained']['params']:,} |"
                )
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--target", default=TARGET)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--parts", nargs="+", default=["retrain", "ranking"])
    parser.add_argument("--recipes", nargs="+", default=["quick", "final"])
    parser.add_argument("--final-epochs", type=int, default=20)
    parser.add_argument("--patience", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=6)
    parser.add_argument("--alpha-lr", type=float, default=0.05)
    parser.add_argument("--warmup", type=int, default=0, help="FuseSettings.warmup_epochs")
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args()
    path = args.out / "fuse_ranking.json"
    data: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    if not args.report_only:
        if args.threads:
            torch.set_num_threads(args.threads)
        args.out.mkdir(parents=True, exist_ok=True)
        items = args.out / "items"
        data.update({"target": args.target, "machine": platform.platform()})
        data["threads"] = torch.get_num_threads()
        if "retrain" in args.parts:
            data["retrain"] = retrain_part(args, items)
        for method in ("random", "fuse"):
            if method in args.parts:
                data[method] = search_part(args, items, method)
        if "ranking" in args.parts:
            part = ranking_part(args, items)
            data.setdefault("ranking", {})[part["tag"]] = part
        path.write_text(json.dumps(data, indent=2) + "\n")
    (args.out / "fuse_ranking.md").write_text(report(data))
    print(f"wrote {args.out / 'fuse_ranking.md'}")


if __name__ == "__main__":
    main()
