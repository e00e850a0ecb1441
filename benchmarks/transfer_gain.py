"""Transfer gain, measured everywhere (issue 11, item 1).

Every strategy runs with the same seeds ``0 .. --seeds - 1`` on

a. every pair of the 7 TransNAS-Bench-101 micro tasks (21 two-task runs, 50 evaluations/task);
b. the 7 TransNAS micro tasks together (one 7-task run, 50 evaluations per task);
c. the 3 NB201 tasks together: 50 evaluations per task, and a second run that stops each task
   at its validation optimum (the runner's ``until`` rule, cap ``--cap`` = 1000 per task).

Per task it reports the percentile (% of the table strictly better) of the best architecture
found in 50 evaluations, on NB201 the distinct evaluations to the validation optimum, and the
paired difference over seeds (``tasknas.stats.paired_difference``: mean, 95 % Student-t CI,
significance) of every strategy against ``evo`` (the same multi-task engine without transfer)
and against ``re``. Runs are paired: seed ``s`` gives the multi-task engine strategies (``evo``,
``ktnas``, ``emtnas``, ``ktnas-random``) the same initial population on every task, because the
first ``ask`` draws it from the task's own generator before anything else uses it. Each pair is
shown beside the Spearman correlation of its two tasks over all 4,096 cells, as a table and a
figure (transfer gain against correlation).

Every run's per-task numbers are cached in ``OUT/runs.json`` under ``benchmark|tasks|budget|
strategy|seed``; a rerun computes only what is missing. The cache is keyed by names, not code:
after a strategy changes, rerun with ``--recompute NAME`` (or ``--force`` for everything).
A strategy that is not registered (yet) is skipped with a note; one that fails is reported and
left out of the tables.

    python benchmarks/transfer_gain.py --workers 2                     # the full run
    python benchmarks/transfer_gain.py --quick --out /tmp/tg           # smoke run

writes ``OUT/transfer_gain.md``, ``OUT/transfer_gain.json`` and ``OUT/transfer_gain.png``.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tasknas.benchmarks import get_benchmark
from tasknas.compare import SeedRun, compare_strategies, seed_task_values
from tasknas.report import task_correlations
from tasknas.report._figures import pyplot, save_figure
from tasknas.stats import PairedDifference, paired_difference
from tasknas.strategies import STRATEGIES

TRANSNAS, NB201 = "transnas-micro", "nb201"
DEFAULT_STRATEGIES = ("re", "evo", "ktnas", "mtbo", "tpe", "local")
QUICK_STRATEGIES = ("re", "evo", "ktnas")
#: Paired baselines: the multi-task engine without transfer, regularised evolution, and the
#: multi-task Gaussian process without transfer (one model per task, for ``mtbo``).
BASELINES = ("evo", "re", "bo")
BUDGET = 50
DEFAULT_OUT = Path(__file__).parent / "results" / "transfer_gain"
CACHE_VERSION = 1


@dataclass(frozen=True)
class Setting:
    """One multi-task run configuration that every strategy and seed is run on."""

    kind: str  # "pair", "all" or "nb201"
    benchmark: str
    tasks: tuple[str, ...]
    budget: int
    until_optimum: bool = False

    @property
    def label(self) -> str:
        base = "+".join(self.tasks) if self.kind == "pair" else f"{self.benchmark} (all)"
        return base + (f", until optimum (cap {self.budget})" if self.until_optimum else "")

    def key(self, strategy: str, seed: int) -> str:
        until = "|until" if self.until_optimum else ""
        tasks = "+".join(self.tasks)
        return f"{self.benchmark}|{tasks}|b{self.budget}{until}|{strategy}|{seed}"


# -- cache ---------------------------------------------------------------------------------------


class RunCache:
    """Per-run, per-task numbers in one JSON file, rewritten (atomically) after every run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.runs: dict[str, dict[str, Any]] = {}
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("version") == CACHE_VERSION:
                self.runs = data["runs"]

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        data = {"version": CACHE_VERSION, "runs": dict(sorted(self.runs.items()))}
        tmp.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
        os.replace(tmp, self.path)

    def values(self, setting: Setting, strategy: str, task: str) -> dict[int, dict[str, Any]]:
        """``{seed: per-task numbers}`` of the cached runs of ``strategy`` on ``setting``."""
        out = {}
        prefix = setting.key(strategy, 0)[:-1]
        for key, run in self.runs.items():
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                out[int(key[len(prefix) :])] = run["tasks"][task]
        return out


def run_missing(
    setting: Setting,
    strategies: Sequence[str],
    seeds: Sequence[int],
    cache: RunCache,
    *,
    workers: int,
    recompute: set[str],
) -> dict[str, str]:
    """Runs every (strategy, seed) of ``setting`` not in ``cache``; returns failures by name."""
    bench = get_benchmark(setting.benchmark)
    missing: dict[tuple[int, ...], list[str]] = {}
    for name in strategies:
        todo = tuple(
            s for s in seeds if name in recompute or setting.key(name, s) not in cache.runs
        )
        if todo:
            missing.setdefault(todo, []).append(name)
    failures: dict[str, str] = {}
    for todo, names in missing.items():
        groups = [names]
        while groups:
            group = groups.pop(0)
            last = [time.perf_counter()]

            def on_run(run: SeedRun, last: list[float] = last) -> None:
                now = time.perf_counter()
                cache.runs[setting.key(run.strategy, run.seed)] = {
                    "tasks": {
                        t: {
                            **seed_task_values(run, bench, t).to_json(),
                            "evaluations": run.result.tasks[t].evaluations,
                        }
                        for t in setting.tasks
                    },
                    # wall time of this run alone (only meaningful with one worker)
                    "wall_s": round(now - last[0], 3) if workers == 1 else None,
                }
                last[0] = now
                cache.save()
                print(
                    f"  {setting.label}: {run.strategy} seed {run.seed} done",
                    flush=True,
                )

            start = time.perf_counter()
            try:
                compare_strategies(
                    setting.benchmark,
                    group,
                    tasks=setting.tasks,
                    seeds=list(todo),
                    budget=setting.budget,
                    workers=workers,
                    until_optimum=setting.until_optimum,
                    on_run=on_run,
                )
            except Exception as error:  # a strategy under construction may fail: isolate it
                if len(group) > 1:
                    print(f"  {group} failed ({error!r}); retrying one strategy at a time")
                    groups = [[name] for name in group] + groups
                else:
                    failures[group[0]] = repr(error)
                    print(f"  NOTE: {group[0]} failed on {setting.label}: {error!r}", flush=True)
                continue
            elapsed = time.perf_counter() - start
            print(
                f"  {setting.label}: {','.join(group)} x {len(todo)} seeds in {elapsed:.1f} s",
                flush=True,
            )
    return failures


# -- analysis ------------------------------------------------------------------------------------


def per_seed(
    cache: RunCache, setting: Setting, strategy: str, task: str, measure: str, seeds: Sequence[int]
) -> dict[int, Any]:
    values = cache.values(setting, strategy, task)
    return {s: values[s][measure] for s in seeds if s in values}


def pair_mean(
    cache: RunCache, setting: Setting, strategy: str, seeds: Sequence[int]
) -> dict[int, float | None]:
    """Per seed, the mean percentile over the setting's tasks (``None`` if one is missing)."""
    per_task = [per_seed(cache, setting, strategy, t, "percentile", seeds) for t in setting.tasks]
    out: dict[int, float | None] = {}
    for s in seeds:
        values = [p.get(s) for p in per_task]
        if any(s not in p for p in per_task):
            continue
        out[s] = None if any(v is None for v in values) else float(np.mean(values))
    return out


def analyse(
    cache: RunCache,
    settings: Sequence[Setting],
    strategies: Sequence[str],
    seeds: Sequence[int],
    cap: int,
) -> dict[str, Any]:
    """Per setting, task and strategy: means and paired differences against each baseline."""
    out: dict[str, Any] = {}
    for setting in settings:
        measure = "evals_to_optimum" if setting.until_optimum else "percentile"
        per_task: dict[str, Any] = {}
        for task in setting.tasks:
            rows: dict[str, Any] = {}
            for name in strategies:
                mine = per_seed(cache, setting, name, task, measure, seeds)
                if not mine:
                    continue
                found = [v for v in mine.values() if v is not None]
                row: dict[str, Any] = {
                    "mean": float(np.mean(found)) if found else None,
                    "found": len(found),
                    "seeds": len(mine),
                    "per_seed": {str(s): v for s, v in sorted(mine.items())},
                }
                for base in BASELINES:
                    theirs = per_seed(cache, setting, base, task, measure, seeds)
                    if base != name and theirs:
                        row[f"vs_{base}"] = paired_difference(
                            mine, theirs, cap=cap if setting.until_optimum else None
                        )
                rows[name] = row
            per_task[task] = rows
        entry: dict[str, Any] = {"setting": setting, "measure": measure, "tasks": per_task}
        if setting.kind == "pair":
            entry["pair"] = {}
            for name in strategies:
                mine_pm = pair_mean(cache, setting, name, seeds)
                if not mine_pm:
                    continue
                entry["pair"][name] = {
                    f"vs_{base}": paired_difference(mine_pm, pair_mean(cache, setting, base, seeds))
                    for base in BASELINES
                    if base != name and pair_mean(cache, setting, base, seeds)
                }
        out[setting.label] = entry
    return out


# -- output --------------------------------------------------------------------------------------


def _gain(d: PairedDifference | None) -> str:
    """``baseline - strategy`` (positive: the strategy is closer to the optimum)."""
    if d is None or d.n == 0:
        return "–"
    if d.n < 2:
        return f"{-d.mean:+.3f} (n=1)"
    mark = {"better": " ▲", "worse": " ▼"}.get(d.verdict, "")
    return f"{-d.mean:+.3f} [{-d.ci_high:+.3f}, {-d.ci_low:+.3f}]{mark}"


def _delta(d: PairedDifference | None, digits: int = 3) -> str:
    if d is None or d.n == 0:
        return "–"
    if d.n < 2:
        return f"{d.mean:+.{digits}f} (n=1)"
    tail = f" {d.verdict}" if d.significant else ""
    cens = f", {d.censored} censored" if d.censored else ""
    return f"{d.mean:+.{digits}f} [{d.ci_low:+.{digits}f}, {d.ci_high:+.{digits}f}]{tail}{cens}"


def _mean(row: Mapping[str, Any], digits: int = 3) -> str:
    if row["mean"] is None:
        return f"– (0/{row['seeds']})"
    found = "" if row["found"] == row["seeds"] else f" ({row['found']}/{row['seeds']})"
    return f"{row['mean']:.{digits}f}{found}"


def markdown(
    results: Mapping[str, Any],
    rho: Mapping[tuple[str, str], float],
    strategies: Sequence[str],
    header: Sequence[str],
) -> str:
    lines = [*header, ""]
    pairs = [e for e in results.values() if e["setting"].kind == "pair"]
    others = [n for n in strategies if n != "evo"]
    if pairs:
        lines += [
            "## 1. TransNAS micro pairs: transfer gain against `evo`",
            "",
            "Gain = `evo` − strategy in percentile points at 50 evaluations (per seed, the mean "
            "over the pair's two tasks), paired over seeds, mean [95 % CI]; > 0: the strategy "
            "ends closer to the optimum. ▲ / ▼: the CI excludes 0 (better / worse than `evo`).",
            "",
            "| pair | Spearman ρ | " + " | ".join(f"`{n}`" for n in others) + " |",
            "|---|---|" + "---|" * len(others),
        ]
        for e in sorted(pairs, key=lambda e: rho[e["setting"].tasks]):
            cells = [_gain(e["pair"].get(n, {}).get("vs_evo")) for n in others]
            lines.append(
                f"| {e['setting'].label} | {rho[e['setting'].tasks]:.2f} | "
                + " | ".join(cells)
                + " |"
            )
        if any("vs_bo" in e["pair"].get("mtbo", {}) for e in pairs):
            lines += [
                "",
                "Transfer gain of `mtbo` against `bo` (the same Gaussian-process search with one "
                "model per task, i.e. without transfer), same convention:",
                "",
                "| pair | Spearman ρ | `mtbo` vs `bo` |",
                "|---|---|---|",
            ]
            for e in sorted(pairs, key=lambda e: rho[e["setting"].tasks]):
                lines.append(
                    f"| {e['setting'].label} | {rho[e['setting'].tasks]:.2f} | "
                    f"{_gain(e['pair'].get('mtbo', {}).get('vs_bo'))} |"
                )
        lines += ["", "Pairs where the strategy is significantly better / worse than `evo`:", ""]
        lines += [
            "| strategy | pair mean: better | pair mean: worse | task: better | task: worse |"
        ]
        lines += ["|---|---|---|---|---|"]
        for n in others:
            pm = [e["pair"].get(n, {}).get("vs_evo") for e in pairs]
            tk = [r[n].get("vs_evo") for e in pairs for r in e["tasks"].values() if n in r]
            count = [
                sum(1 for d in group if d is not None and d.verdict == v)
                for group in (pm, tk)
                for v in ("better", "worse")
            ]
            lines.append(
                f"| `{n}` | {count[0]}/{len(pm)} | {count[1]}/{len(pm)} | "
                f"{count[2]}/{len(tk)} | {count[3]}/{len(tk)} |"
            )
        lines.append("")
    section = 2
    for title, kinds in (
        ("TransNAS micro pairs, per task", ("pair",)),
        ("TransNAS micro, all 7 tasks together", ("all",)),
        ("NB201, 3 tasks together", ("nb201",)),
    ):
        chosen = [e for e in results.values() if e["setting"].kind in kinds]
        if not chosen:
            continue
        lines += [f"## {section}. {title}", ""]
        section += 1
        for e in chosen:
            until = e["setting"].until_optimum
            what = (
                f"distinct evaluations to the validation optimum (cap {e['setting'].budget}; "
                "mean over the seeds that found it; the paired difference counts a miss as the cap)"
                if until
                else "percentile at 50 evaluations (% of cells strictly better)"
            )
            if e["setting"].kind != "pair" or e is chosen[0]:
                lines += [
                    f"Mean {what}, and paired difference strategy − baseline, mean [95 % CI] "
                    "(negative: the strategy is better).",
                    "",
                    "| setting | task | strategy | mean | "
                    + " | ".join(f"Δ vs `{b}`" for b in BASELINES)
                    + " |",
                    "|---|---|---|---|" + "---|" * len(BASELINES),
                ]
            for task, rows in e["tasks"].items():
                for n, row in rows.items():
                    lines.append(
                        f"| {e['setting'].label} | {task} | `{n}` | "
                        f"{_mean(row, 1 if until else 3)} | "
                        + " | ".join(
                            _delta(row.get(f"vs_{b}"), 1 if until else 3) for b in BASELINES
                        )
                        + " |"
                    )
            if e["setting"].kind != "pair":
                lines.append("")
        if kinds == ("pair",):
            lines.append("")
    return "\n".join(lines)


def figure(
    results: Mapping[str, Any],
    rho: Mapping[tuple[str, str], float],
    strategies: Sequence[str],
    path: Path,
    title: str,
) -> Path | None:
    pairs = [e for e in results.values() if e["setting"].kind == "pair"]
    others = [n for n in strategies if n != "evo"]
    if not pairs or not others:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(8.5, 5.2))
    markers = "osD^vP*X"
    width = 0.012
    for i, name in enumerate(others):
        xs, ys, lo, hi = [], [], [], []
        for e in pairs:
            d = e["pair"].get(name, {}).get("vs_evo")
            if d is None or d.n < 2:
                continue
            xs.append(rho[e["setting"].tasks] + (i - (len(others) - 1) / 2) * width)
            ys.append(-d.mean)
            lo.append(-d.mean - (-d.ci_high))
            hi.append(-d.ci_low - (-d.mean))
        if xs:
            ax.errorbar(
                xs,
                ys,
                yerr=[lo, hi],
                fmt=markers[i % len(markers)],
                capsize=2.5,
                markersize=6,
                linewidth=1,
                label=name,
            )
    ax.axhline(0, color="grey", linewidth=1, linestyle="--")
    ax.set_xlabel("Spearman ρ of the pair's two tasks over all cells", fontsize=11)
    ax.set_ylabel(
        "transfer gain vs evo (percentile points)\nevo − strategy; > 0: better", fontsize=11
    )
    ax.set_title(title, fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(title="strategy", fontsize=9)
    fig.tight_layout()
    return save_figure(fig, plt, path)


def _jsonable(results: Mapping[str, Any]) -> dict[str, Any]:
    def conv(value: Any) -> Any:
        if isinstance(value, PairedDifference):
            return value.to_json()
        if isinstance(value, Setting):
            return {
                "kind": value.kind,
                "benchmark": value.benchmark,
                "tasks": list(value.tasks),
                "budget": value.budget,
                "until_optimum": value.until_optimum,
            }
        if isinstance(value, dict):
            return {k: conv(v) for k, v in value.items()}
        if isinstance(value, float) and math.isnan(value):
            return None
        return value

    return conv(dict(results))


# -- main ----------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strategies", help=f"default: {','.join(DEFAULT_STRATEGIES)}")
    parser.add_argument("--seeds", type=int, help="seeds 0 .. N-1 (default 10)")
    parser.add_argument(
        "--pairs",
        help="TransNAS pairs: a number (the first N of the 21) or names 'a+b,c+d' (default all)",
    )
    parser.add_argument(
        "--parts",
        default="pairs,all,nb201",
        help="comma-separated subset of pairs,all,nb201 (default: all three)",
    )
    parser.add_argument("--cap", type=int, default=1000, help="NB201 evaluations-to-optimum cap")
    parser.add_argument("--workers", type=int, default=1, help="processes running seeds")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--force", action="store_true", help="recompute every run")
    parser.add_argument("--recompute", default="", help="strategies to recompute (comma list)")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 2 seeds, 3 pairs, re,evo,ktnas (explicit options still win)",
    )
    return parser.parse_args(argv)


def build_settings(args: argparse.Namespace) -> list[Setting]:
    parts = {p.strip() for p in args.parts.split(",") if p.strip()}
    if parts - {"pairs", "all", "nb201"}:
        raise SystemExit(f"--parts: unknown {sorted(parts - {'pairs', 'all', 'nb201'})}")
    tasks = tuple(get_benchmark(TRANSNAS).tasks)
    pairs = list(itertools.combinations(tasks, 2))
    if args.pairs:
        if args.pairs.isdigit():
            pairs = pairs[: int(args.pairs)]
        else:
            wanted = [tuple(p.split("+")) for p in args.pairs.split(",")]
            unknown = [p for p in wanted if p not in pairs]
            if unknown:
                raise SystemExit(f"--pairs: unknown {unknown}; valid: {pairs}")
            pairs = wanted
    elif args.quick:
        pairs = pairs[:3]
    settings = []
    if "pairs" in parts:
        settings += [Setting("pair", TRANSNAS, p, BUDGET) for p in pairs]
    if "all" in parts:
        settings.append(Setting("all", TRANSNAS, tasks, BUDGET))
    if "nb201" in parts:
        nb_tasks = tuple(get_benchmark(NB201).tasks)
        settings.append(Setting("nb201", NB201, nb_tasks, BUDGET))
        settings.append(Setting("nb201", NB201, nb_tasks, args.cap, until_optimum=True))
    return settings


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    default = QUICK_STRATEGIES if args.quick else DEFAULT_STRATEGIES
    asked = [s.strip() for s in (args.strategies or ",".join(default)).split(",") if s.strip()]
    seeds = list(range(args.seeds if args.seeds is not None else (2 if args.quick else 10)))
    strategies = [n for n in asked if n in STRATEGIES]
    skipped = [n for n in asked if n not in STRATEGIES]
    for name in skipped:
        print(f"NOTE: strategy {name!r} is not registered; skipped", flush=True)
    for base in BASELINES:
        if base not in strategies:
            print(f"NOTE: baseline {base!r} is not among the strategies; no Δ against it")
    settings = build_settings(args)
    cache = RunCache(args.out / "runs.json")
    recompute = (
        set(strategies)
        if args.force
        else {s.strip() for s in args.recompute.split(",") if s.strip()}
    )
    start = time.perf_counter()
    failed: dict[str, dict[str, str]] = {}
    for i, setting in enumerate(settings, start=1):
        print(f"[{i}/{len(settings)}] {setting.label}", flush=True)
        for name, error in run_missing(
            setting, strategies, seeds, cache, workers=args.workers, recompute=recompute
        ).items():
            failed.setdefault(name, {})[setting.label] = error
    wall = time.perf_counter() - start
    shown = [n for n in strategies if n not in failed]

    rho: dict[tuple[str, str], float] = {}
    tasks, matrix = task_correlations(get_benchmark(TRANSNAS))
    for (i, a), (j, b) in itertools.combinations(enumerate(tasks), 2):
        rho[(a, b)] = float(matrix[i, j])
    results = analyse(cache, settings, shown, seeds, args.cap)

    command = "python benchmarks/transfer_gain.py " + " ".join(
        sys.argv[1:] if argv is None else argv
    )
    walls = [
        cache.runs[key]["wall_s"]
        for st in settings
        for name in shown
        for seed in seeds
        if (key := st.key(name, seed)) in cache.runs
    ]
    run_time = (
        f"{sum(walls):.0f} s summed over the runs measured alone"
        if walls and all(w is not None for w in walls)
        else "not known (some runs ran in a pool)"
    )
    header = [
        "# Transfer gain, measured everywhere (issue 11, item 1)",
        "",
        f"`{command.strip()}`: seeds {seeds[0]}–{seeds[-1]} ({len(seeds)}), strategies "
        + ", ".join(f"`{n}`" for n in shown)
        + f"; {len(settings)} settings; this invocation computed for {wall:.0f} s "
        f"with {args.workers} worker(s) (cached runs cost nothing); wall time of all the "
        f"runs: {run_time}.",
    ]
    if skipped:
        header.append(f"Not registered, skipped: {', '.join(skipped)}.")
    for name, where in failed.items():
        header.append(f"`{name}` failed and is left out: {next(iter(where.values()))}.")
    report = markdown(results, rho, shown, header)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "transfer_gain.md").write_text(report + "\n", encoding="utf-8")
    raw = {
        "command": command.strip(),
        "seeds": seeds,
        "strategies": shown,
        "skipped": skipped,
        "failed": failed,
        "spearman": {"+".join(k): v for k, v in rho.items()},
        "results": _jsonable(results),
    }
    (args.out / "transfer_gain.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")
    png = figure(
        results,
        rho,
        shown,
        args.out / "transfer_gain.png",
        f"TransNAS-Bench-101 micro pairs, 50 evaluations/task, {len(seeds)} seeds (mean, 95 % CI)",
    )
    print(report)
    print(
        f"wrote {args.out / 'transfer_gain.md'}, transfer_gain.json" + (f", {png}" if png else "")
    )
    print(f"computed for {wall:.1f} s")


if __name__ == "__main__":
    main()
