"""Why MTL-NAS closes its edges: the architecture gradient and a small grid of schedules.

Usage::

    python benchmarks/mtl_schedules.py --seeds 2 --threads 1 --out benchmarks/results
    python benchmarks/mtl_schedules.py --datasets omniglot --first-seed 1 --seeds 2 \
        --variants default --no-baselines --threads 1 --out /tmp/mtl-grid   # search only
    python benchmarks/mtl_schedules.py --report-from /tmp/a /tmp/b --out OUT  # merge runs
    python benchmarks/mtl_schedules.py --report-from /tmp/a /tmp/b --out OUT \
        --pool multimnist,omniglot --confidence 0.95 0.975   # plus a pooled comparison
    python benchmarks/mtl_schedules.py --report-from /tmp/a --rerun /tmp/a2 --out OUT
        # the scores /tmp/a2's runs hold stand in for /tmp/a's
    python benchmarks/mtl_schedules.py --report-from /tmp/a /tmp/b --out OUT \
        --pool multimnist,omniglot --against epochs=12   # a search variant as a reference
    python benchmarks/mtl_schedules.py --variants retrain=searched,retrain=random \
        --no-baselines --edges-from benchmarks/results/mtl_equal12_20seeds_samecode \
        --threads 1 --out /tmp/retrain   # the searched edges, and random ones, trained plainly

For each data set and seed it pretrains the single-task backbones and trains the single-task
and all-edges baselines once (exactly as ``mtl_search``), then runs the search from the same
pretrained weights with each variant of ``VARIANTS`` (``MTLSettings`` fields over the
defaults), recording per architecture step the mean gradient on alpha of the task losses
and of the λ-weighted entropy term (``alternate``'s ``trace``), alpha's trajectory and the
open edges. Variants with ``search_start="all_edges"`` start from the trained all-edges
baseline instead; the pseudo-variant ``control=all_edges_2x`` (``CONTROL``) trains that
baseline ``epochs`` more epochs with every edge on, the equal-training control of such a
search, and ``control=single_2x`` the single-task baseline as long.
``retrain=searched`` and ``retrain=random`` (``RETRAIN``) train, from the same all-edges
network and as ``control=all_edges_2x``, only the edges ``start=all_edges`` kept or as many
random ones; their ``@pretrained`` forms do the same with the edges of ``epochs=12`` (the
paper's search), from the pretrained backbones for 12 epochs. ``start=all_edges_split``
spends half of ``epochs`` on its own all-edges training and searches the other half, as
many epochs as either baseline. Writes
``OUT/mtl_schedules.md`` (printed too) and ``OUT/mtl_schedules.json``. ``--pool`` adds the
comparison pooled over data sets, with (data set, seed) as the unit and the mean over the
set's tasks as its value, and each of those sets' tasks alone, at every ``--confidence``
level (a second look at a hypothesis asks for a stricter level than the first).
"""

from __future__ import annotations

import argparse
import copy
import dataclasses
import json
import time
from pathlib import Path

import numpy as np
import torch

from tasknas._progress import Tracker
from tasknas._seeds import derive
from tasknas.nn import MTLNetwork
from tasknas.oneshot import DEFAULT_N_TEST, DEFAULT_N_TRAIN, MTLSettings
from tasknas.oneshot.mtl._alternate import alternate
from tasknas.oneshot.mtl._search import (
    _ALL,
    _BASELINES,
    _PRETRAIN,
    _test,
    _train,
    build_mtl_network,
)
from tasknas.stats import paired_difference
from tasknas.tasks import MultiTaskSet, load_multitask_set

#: Variants: name -> ``MTLSettings`` fields changed from the defaults.
VARIANTS: dict[str, dict[str, float | str]] = {
    "default": {},
    "alpha_init=2": {"alpha_init": 2.0},
    "alpha_warmup=0.25": {"alpha_warmup": 0.25},
    "alpha_lr=0.01": {"alpha_lr": 0.01},
    "lam=1": {"lam": 1.0},
    "lam_ramp=1": {"lam_ramp": 1.0},
    "alpha_warmup=0.5": {"alpha_warmup": 0.5},
    "init=2+warmup=0.25": {"alpha_init": 2.0, "alpha_warmup": 0.25},
    # Issue 15 follow-up: start from the trained all-edges supernet, or slow alpha down.
    "start=all_edges": {"search_start": "all_edges"},
    "start=all_edges+warmup=0.25": {"search_start": "all_edges", "alpha_warmup": 0.25},
    "warmup=0.25+slow_alpha": {"alpha_warmup": 0.25, "alpha_lr": 0.03, "alpha_beta1": 0.9},
    # Equal training: all-edges for half of ``epochs`` (``_start_epochs``, from the pretrained
    # backbones), then a search of the other half; as many epochs as either baseline.
    "start=all_edges_split": {"search_start": "all_edges", "_start_epochs": 3, "epochs": 3},
    # The paper's search (from the pretrained backbones) with as many epochs as the
    # 6 + 6 of ``start=all_edges``: which start is the better search at equal training.
    "epochs=12": {"epochs": 12},
}

#: Not a search: the all-edges baseline trained ``epochs`` more epochs with every edge on
#: (same schedule as a search), the training-budget control of ``start=all_edges``.
CONTROL = "control=all_edges_2x"
#: Not searches: a baseline trained ``epochs`` more epochs (its gates, stream offset 1).
CONTROLS = {CONTROL: ("all_edges", "all"), "control=single_2x": ("single_task", "none")}
#: The search from the all-edges supernet (the default of ``tasknas mtl``).
SEARCH = "start=all_edges"
#: Not searches: a search's start network reduced to some edges (``subnetwork``) and trained
#: as long as that search, plainly (``_train``, gates 1, the stream of ``CONTROL``): the edges
#: the search kept (``searched``), or as many drawn uniformly (``random``). Name -> (search
#: variant, choice). From ``SEARCH``: the trained all-edges baseline, ``epochs`` more, as
#: ``CONTROL`` is; from ``epochs=12`` (the paper's search, which keeps about 4 edges): the
#: pretrained backbones, 12 epochs.
RETRAIN = {
    "retrain=searched": (SEARCH, "searched"),
    "retrain=random": (SEARCH, "random"),
    "retrain=searched@pretrained": ("epochs=12", "searched"),
    "retrain=random@pretrained": ("epochs=12", "random"),
}
#: Each baseline's random stream (``mtl_search``'s).
_STREAMS = {name: stream for name, _, stream in _BASELINES}
#: Spawn key (after ``_ALL``) of ``retrain=random``'s draw.
_RANDOM_EDGES = 3


def _one(
    dataset: str,
    seed: int,
    variants: list[str],
    log: Path | None = None,
    baselines: bool = True,
    edges_from: dict[tuple[str, int, str], list[float]] | None = None,
) -> dict:
    base = MTLSettings(search_start="pretrained")  # every variant is relative to the paper's search
    data = load_multitask_set(dataset, seed=seed, n_train=DEFAULT_N_TRAIN, n_test=DEFAULT_N_TEST)
    tracker = Tracker(None, 1)
    net = build_mtl_network(data, base, seed)
    _train(
        net, "none", data.train, base, base.pretrain_epochs, derive(seed, _PRETRAIN), tracker, "p"
    )
    out: dict = {"dataset": dataset, "seed": seed, "tasks": list(data.tasks), "acc": {}}
    start_from = {"pretrained": net}
    for name, mode, stream in _BASELINES:
        if not baselines and name == "single_task":
            continue
        wanted = any(CONTROLS[v][0] == name for v in variants if v in CONTROLS)
        searches = [*variants, *(RETRAIN[v][0] for v in variants if v in RETRAIN)]
        if not (
            baselines
            or wanted
            or any(VARIANTS.get(v, {}).get("search_start") == name for v in searches)
        ):
            continue
        baseline = copy.deepcopy(net)
        _train(baseline, mode, data.train, base, base.epochs, derive(seed, stream), tracker, name)
        start_from[name] = baseline
        if baselines:
            out["acc"][name] = _test(baseline, mode, data.test, base)
    print(f"{dataset} seed {seed} baselines: {out['acc']}", flush=True)
    out["variants"] = {}
    for variant in variants:
        if variant in RETRAIN:
            out["variants"][variant] = _retrain(
                data, seed, variant, start_from, out, edges_from, base, tracker
            )
            print(f"{dataset} seed {seed} {variant}: {out['variants'][variant]}", flush=True)
            continue
        if variant in CONTROLS:
            name, mode = CONTROLS[variant]
            control, start = copy.deepcopy(start_from[name]), time.perf_counter()
            stream = derive(seed, _STREAMS[name], 1)
            _train(control, mode, data.train, base, base.epochs, stream, tracker, variant)
            acc = _test(control, mode, data.test, base)
            out["variants"][variant] = {"acc": acc, "seconds": time.perf_counter() - start}
            print(f"{dataset} seed {seed} {variant}: {acc}", flush=True)
            continue
        fields = {k: v for k, v in VARIANTS[variant].items() if not k.startswith("_")}
        settings = dataclasses.replace(base, **fields)
        trace, start = [], time.perf_counter()
        if "_start_epochs" in VARIANTS[variant]:  # its own shorter all-edges start
            search = copy.deepcopy(net)
            epochs = int(VARIANTS[variant]["_start_epochs"])
            _train(search, "all", data.train, base, epochs, derive(seed, _ALL, 2), tracker, variant)
        else:
            search = copy.deepcopy(start_from[settings.search_start])
        history = alternate(search, data.train, settings, seed, tracker, trace=trace)
        acc = _test(search, "hard", data.test, settings)
        out["variants"][variant] = {
            "acc": acc,
            "open": len(search.open_edges()),
            "candidates": len(search.edges),
            "entropy_history": history,
            "alpha": search.alpha.detach().tolist(),
            "trace": trace,
            "seconds": time.perf_counter() - start,
        }
        first = trace[:10]
        print(
            f"{dataset} seed {seed} {variant}: {acc} open {len(search.open_edges())}; "
            f"entropy {history[0]:.3f}; first 10 alpha steps: task grad "
            f"{np.mean([t['grad_task'] for t in first]):+.2e} "
            f"(|.| {np.mean([t['grad_task_abs'] for t in first]):.2e}), "
            f"|entropy grad| {np.mean([t['grad_entropy_abs'] for t in first]):.2e}; "
            f"last: task |.| {trace[-1]['grad_task_abs']:.2e} entropy |.| "
            f"{trace[-1]['grad_entropy_abs']:.2e}",
            flush=True,
        )
        if log is not None:
            log.write_text(json.dumps(out), encoding="utf-8")
    return out


def _retrain(
    data: MultiTaskSet,
    seed: int,
    variant: str,
    start_from: dict[str, MTLNetwork],
    out: dict,
    edges_from: dict[tuple[str, int, str], list[float]] | None,
    base: MTLSettings,
    tracker: Tracker,
) -> dict:
    """One ``RETRAIN`` variant: the edges its search kept in this run (else in
    ``edges_from``'s stored run of this unit), or as many random ones, trained from that
    search's start network (in ``start_from``) for as many epochs as the search."""
    search, choice = RETRAIN[variant]
    searched = out["variants"].get(search, {}).get("alpha")
    if searched is None:
        searched = (edges_from or {}).get((out["dataset"], seed, search))
    if searched is None:  # main() checks this before any training
        raise ValueError(f"no {search} edges for {out['dataset']} seed {seed}")
    chosen = [k for k, a in enumerate(searched) if a > 0]
    if choice == "random":
        rng = np.random.default_rng(derive(seed, _ALL, _RANDOM_EDGES))
        chosen = sorted(int(k) for k in rng.choice(len(searched), len(chosen), replace=False))
    settings = dataclasses.replace(
        base, **{k: v for k, v in VARIANTS[search].items() if not k.startswith("_")}
    )
    began = time.perf_counter()
    net = start_from[settings.search_start].subnetwork(chosen)
    stream = derive(seed, _ALL, 1)
    _train(net, "all", data.train, settings, settings.epochs, stream, tracker, variant)
    return {
        "acc": _test(net, "all", data.test, settings),
        "open": len(chosen),
        "candidates": len(searched),
        "edges": chosen,
        "entropy_history": [],
        "seconds": time.perf_counter() - began,
    }


def _report(runs: list[dict], variants: list[str]) -> str:
    lines = ["# MTL-NAS schedules (2,000 train / 1,000 test images, default sizes)", ""]
    lines += [
        "| data set | variant | mean acc − single | mean acc − all-edges | open edges | "
        "entropy after search epoch 1 | task grad (mean, first 10 α steps) | "
        "share of edges with task grad > 0 (first 10) | \\|entropy grad\\| (first 10) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for dataset in dict.fromkeys(r["dataset"] for r in runs):
        rs = [r for r in runs if r["dataset"] == dataset]
        for v in variants:
            if v in CONTROLS:
                d = [np.mean(r["variants"][v]["acc"]) - np.mean(r["acc"]["all_edges"]) for r in rs]
                d1 = [
                    np.mean(r["variants"][v]["acc"]) - np.mean(r["acc"]["single_task"]) for r in rs
                ]
                lines.append(
                    f"| {dataset} | {v} | {np.mean(d1):+.2f} | {np.mean(d):+.2f} | all | | | | |"
                )
                continue
            d_single = [
                np.mean(r["variants"][v]["acc"]) - np.mean(r["acc"]["single_task"]) for r in rs
            ]
            d_all = [np.mean(r["variants"][v]["acc"]) - np.mean(r["acc"]["all_edges"]) for r in rs]
            # stored results may be kept without their alpha traces: those columns then
            # average the runs that have one ("–" where none has)
            first = [t for r in rs for t in r["variants"][v].get("trace", [])[:10]]
            grads = (
                f"{np.mean([t['grad_task'] for t in first]):+.2e} | "
                f"{np.mean([t['grad_task_pos'] for t in first]):.2f} | "
                f"{np.mean([t['grad_entropy_abs'] for t in first]):.2e}"
                if first
                else "– | – | –"
            )
            lines.append(
                f"| {dataset} | {v} | {np.mean(d_single):+.2f} | {np.mean(d_all):+.2f} | "
                f"{np.mean([r['variants'][v]['open'] for r in rs]):.1f} of "
                f"{rs[0]['variants'][v]['candidates']} | "
                f"{_first_entropy(rs, v)} | "
                f"{grads} |"
            )
    return "\n".join([*lines, "", *_paired(runs, variants)])


def _first_entropy(rs: list[dict], variant: str) -> str:
    """Mean gate entropy after the first search epoch ("–" for a variant with no search)."""
    first = [r["variants"][variant]["entropy_history"][:1] for r in rs]
    return f"{np.mean(first):.3f}" if all(first) else "–"


def _paired(runs: list[dict], variants: list[str]) -> list[str]:
    """Test accuracy per task and paired differences (points, 95 % t interval) of each
    search variant against the two baselines and the controls of the same seeds."""
    controls = [v for v in variants if v in CONTROLS]
    refs = ["single", "all-edges", *controls]
    lines = [
        "Test accuracy (%), mean ± std over seeds; variant − reference paired over seeds "
        "(95 % Student-t interval, * excludes 0):",
        "",
        "| data set | variant | task | "
        + " | ".join([*refs, "variant", *(f"− {r}" for r in refs)])
        + " |",
        "|---" * (4 + 2 * len(refs)) + "|",
    ]
    for dataset in dict.fromkeys(r["dataset"] for r in runs):
        rs = [r for r in runs if r["dataset"] == dataset]
        for v in (v for v in variants if v not in CONTROLS):
            for i, task in [*enumerate(rs[0]["tasks"]), (None, "mean")]:

                def pick(acc: list[float], i: int | None = i) -> list[float]:
                    return [float(np.mean(a)) if i is None else a[i] for a in acc]

                base = [pick([r["acc"][n] for r in rs]) for n in ("single_task", "all_edges")]
                base += [pick([r["variants"][c]["acc"] for r in rs]) for c in controls]
                ours = pick([r["variants"][v]["acc"] for r in rs])
                cells = [f"{np.mean(x):.2f} ± {np.std(x, ddof=1):.2f}" for x in [*base, ours]]
                cells += [
                    paired_difference(ours, ref, lower_is_better=False).format(2) for ref in base
                ]
                lines.append(f"| {dataset} | {v} | {task} | " + " | ".join(cells) + " |")
    return lines


def _merge(runs: list[dict]) -> list[dict]:
    """One run per (data set, seed): runs of one unit from several folders (say, a variant
    measured later with ``--no-baselines``) are joined. ValueError where they disagree on a
    score both hold, or both hold one variant (a run given twice)."""
    merged: dict[tuple[str, int], dict] = {}
    for run in runs:
        key = (run["dataset"], run["seed"])
        if key not in merged:
            merged[key] = copy.deepcopy(run)
            continue
        into = merged[key]
        twice = sorted(set(into["variants"]) & set(run["variants"]))
        if twice:
            raise ValueError(f"{key} has variant {twice[0]!r} in two folders: give each run once")
        for name, acc in run["acc"].items():
            if into["acc"].setdefault(name, acc) != acc:
                raise ValueError(f"{key} has two different {name} scores: not one run's folders")
        into["variants"].update(run["variants"])
    return list(merged.values())


def _replace(runs: list[dict], again: list[dict]) -> list[dict]:
    """``runs`` with every score that a rerun of its (data set, seed) holds taken from
    the rerun (baselines and variants alike); the scores no rerun holds stay."""
    fresh: dict[tuple[str, int], tuple[set[str], set[str]]] = {}
    for r in again:
        acc, variants = fresh.setdefault((r["dataset"], r["seed"]), (set(), set()))
        acc.update(r["acc"])
        variants.update(r["variants"])
    kept = []
    for run in runs:
        acc, variants = fresh.get((run["dataset"], run["seed"]), (set(), set()))
        run = {
            **run,
            "acc": {k: v for k, v in run["acc"].items() if k not in acc},
            "variants": {k: v for k, v in run["variants"].items() if k not in variants},
        }
        if run["acc"] or run["variants"]:
            kept.append(run)
    return kept + again


def _pooled(
    runs: list[dict],
    variants: list[str],
    pool: list[str],
    levels: list[float],
    against: list[str] | None = None,
) -> list[str]:
    """Each search variant against every reference (the baselines, the controls and the
    search variants ``against``), paired over (data set, seed) units of the ``pool`` sets
    (a unit's value: the mean over its set's tasks), then over each of those sets' tasks
    alone, at each confidence level."""
    rs = [r for r in runs if r["dataset"] in pool]
    controls = [v for v in variants if v in CONTROLS]
    refs = {"single": "single_task", "all-edges": "all_edges", **{c: c for c in controls}}
    refs |= {v: v for v in against or []}
    if not all(r["acc"] for r in rs):  # searches run with --no-baselines only
        refs = {k: v for k, v in refs.items() if v not in ("single_task", "all_edges")}

    def acc(r: dict, name: str) -> list[float]:
        return r["acc"][name] if name in r["acc"] else r["variants"][name]["acc"]

    scopes: list[tuple[str, list[dict], int | None]] = [(" + ".join(pool), rs, None)]
    for dataset in pool:
        ds = [r for r in rs if r["dataset"] == dataset]
        scopes += [(f"{dataset} {t}", ds, i) for i, t in enumerate(ds[0]["tasks"])]
    heads = [f"− {ref} ({level * 100:g} %)" for ref in refs for level in levels]
    lines = [
        f"Pooled over {' + '.join(pool)}: unit (data set, seed), value the mean over the "
        "set's tasks; then each task alone. Variant − reference, paired (Student-t interval "
        "at each level, * excludes 0):",
        "",
        "| variant | scope | n | " + " | ".join(heads) + " |",
        "|---" * (3 + len(heads)) + "|",
    ]
    for v in (v for v in variants if v not in CONTROLS):
        for scope, units, i in scopes:

            def value(a: list[float], i: int | None = i) -> float:
                return float(np.mean(a)) if i is None else a[i]

            ours = [value(r["variants"][v]["acc"]) for r in units]
            cells = [
                "–"
                if name == v
                else paired_difference(
                    ours,
                    [value(acc(r, name)) for r in units],
                    lower_is_better=False,
                    confidence=level,
                ).format(2)
                for name in refs.values()
                for level in levels
            ]
            lines.append(f"| {v} | {scope} | {len(units)} | " + " | ".join(cells) + " |")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--no-baselines", action="store_true", help="search only (no report table)")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--datasets", default="multimnist,omniglot")
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument(
        "--report-from",
        type=Path,
        nargs="+",
        help="no runs: merge these folders' mtl_schedules.json into OUT's report",
    )
    parser.add_argument(
        "--pool",
        help="comma-separated data sets: add the comparison pooled over them (unit: set, seed)",
    )
    parser.add_argument(
        "--confidence",
        type=float,
        nargs="+",
        default=[0.95],
        help="levels of the pooled comparison's intervals (default 0.95)",
    )
    parser.add_argument(
        "--rerun",
        type=Path,
        nargs="+",
        help="with --report-from: folders of reruns; each score they hold replaces that "
        "(data set, seed) unit's score in the --report-from folders",
    )
    parser.add_argument(
        "--edges-from",
        type=Path,
        nargs="+",
        help="folders of stored runs whose searches' edges the retrain= variants train "
        "(else the search must run before them in this run)",
    )
    parser.add_argument(
        "--against",
        default="",
        help="comma-separated search variants to use as references too in the pooled comparison",
    )
    args = parser.parse_args()
    pool = args.pool.split(",") if args.pool else []
    against = [v for v in args.against.split(",") if v]
    if not all(0.0 < c < 1.0 for c in args.confidence):
        parser.error(f"--confidence must be in (0, 1), got {args.confidence}")
    if args.report_from:
        runs = [
            r for d in args.report_from for r in json.loads((d / "mtl_schedules.json").read_text())
        ]
        if args.rerun:
            again = [
                r for d in args.rerun for r in json.loads((d / "mtl_schedules.json").read_text())
            ]
            runs = _replace(runs, again)
        try:
            runs = _merge(runs)
        except ValueError as error:
            parser.error(str(error))
        variants = [v for v in runs[0]["variants"] if all(v in r["variants"] for r in runs)]
        unknown_variants = [v for v in against if v not in variants or v in CONTROLS]
        if unknown_variants:
            searches = [v for v in variants if v not in CONTROLS]
            parser.error(
                f"--against {unknown_variants} are not search variants of every run; "
                f"choose from {searches}"
            )
        unknown = [d for d in pool if d not in {r["dataset"] for r in runs}]
        if unknown:
            parser.error(
                f"--pool data sets {unknown} have no runs; choose from "
                f"{sorted({r['dataset'] for r in runs})}"
            )
        report = _report(runs, variants)
        if pool:
            report += "\n\n" + "\n".join(_pooled(runs, variants, pool, args.confidence, against))
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "mtl_schedules.md").write_text(report + "\n", encoding="utf-8")
        (args.out / "mtl_schedules.json").write_text(json.dumps(runs), encoding="utf-8")
        print(report)
        return
    if pool or args.rerun or against:
        parser.error("--pool, --rerun and --against work on stored runs: give --report-from")
    if args.threads:
        torch.set_num_threads(args.threads)
    variants = args.variants.split(",")
    unknown = [v for v in variants if v not in VARIANTS and v not in CONTROLS and v not in RETRAIN]
    if unknown:
        parser.error(
            f"unknown --variants {unknown}; choose from {[*VARIANTS, *CONTROLS, *RETRAIN]}"
        )
    absent = [d for d in args.edges_from or [] if not (d / "mtl_schedules.json").is_file()]
    if absent:
        parser.error(f"--edges-from {absent[0]} holds no mtl_schedules.json")
    edges_from: dict[tuple[str, int, str], list[float]] = {}
    for d in args.edges_from or []:
        for r in json.loads((d / "mtl_schedules.json").read_text()):
            for name, v in r["variants"].items():
                key = (r["dataset"], r["seed"], name)
                if "alpha" in v and edges_from.setdefault(key, v["alpha"]) != v["alpha"]:
                    parser.error(f"--edges-from folders disagree on the edges of {key}")
    units = [
        (d, s)
        for d in args.datasets.split(",")
        for s in range(args.first_seed, args.first_seed + args.seeds)
    ]
    for i, v in enumerate(variants):
        search = RETRAIN[v][0] if v in RETRAIN else None
        missing = [
            u for u in units if search not in variants[:i] and (*u, search) not in edges_from
        ]
        if search and missing:
            parser.error(
                f"{v} needs the edges of {search}: put {search} before it in --variants, "
                f"or give --edges-from folders holding every unit (missing: {missing[:3]})"
            )
    start = time.perf_counter()
    args.out.mkdir(parents=True, exist_ok=True)
    runs = [
        _one(
            d,
            s,
            variants,
            args.out / f"mtl_schedules_{d}_{s}.json",
            not args.no_baselines,
            edges_from,
        )
        for d, s in units
    ]
    table = "" if args.no_baselines else _report(runs, variants)
    report = table + f"\n\nWhole run: {time.perf_counter() - start:.0f} s.\n"
    print(report)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "mtl_schedules.md").write_text(report, encoding="utf-8")
    (args.out / "mtl_schedules.json").write_text(json.dumps(runs), encoding="utf-8")


if __name__ == "__main__":
    main()
