"""Two or more ``tanas.py`` settings against each other, paired by seed.

Each OUT is a ``benchmarks/tanas.py`` output folder run with one setting (for example
``--fuse-set candidates=6`` and the default) for the same target and seeds; only the runs
kept in ``OUT/runs/`` are read, so a folder filled with ``--run-seeds`` needs no report step.
For each method it prints every setting's test error (mean [95 % interval]) and the paired
difference of each later setting against the first (``tasknas.stats.paired_difference``;
negative: lower error), the same averaged per seed over every method a setting shares with
the first, then the differences between methods within each setting.

    python benchmarks/tanas_variants.py /tmp/tn_def /tmp/tn_c6 --seeds 10
"""

from __future__ import annotations

import argparse
from pathlib import Path

from tanas_paired import read_runs

from tasknas.stats import mean_interval, paired_difference


def _errors(out: Path, seeds: list[int]) -> dict[str, dict[int, float]]:
    """``{method: {seed: test error (%)}}`` of the runs kept in ``out/runs`` (``read_runs``)."""
    found = {
        method: {seed: error for (_, seed), error in values.items() if seed in seeds}
        for method, values in read_runs(out).items()
    }
    return {method: values for method, values in found.items() if values}


def _interval(values: dict[int, float]) -> str:
    mean, low, high = mean_interval(list(values.values()))
    return f"{mean:.2f} [{low:.2f}, {high:.2f}] (n={len(values)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outs", type=Path, nargs="+", help="the first is the reference")
    parser.add_argument("--seeds", type=int, default=10, help="seeds 0 .. N-1")
    args = parser.parse_args()
    if len(args.outs) < 2:
        parser.error("give at least two OUT folders")
    seeds = list(range(args.seeds))
    errors = {out: _errors(out, seeds) for out in args.outs}
    first = args.outs[0]
    print(f"test error (%), paired by seed over seeds 0-{args.seeds - 1}; reference {first}\n")
    print("| method | setting | test error | − reference (paired) |")
    print("|---|---|---|---|")
    for method in sorted({m for per in errors.values() for m in per}):
        for out in args.outs:
            values = errors[out].get(method)
            if not values:
                continue
            versus = "–"
            if out != first and method in errors[first]:
                versus = paired_difference(values, errors[first][method]).format(2)
            print(f"| {method} | {out.name} | {_interval(values)} | {versus} |")
    print("\nEvery method a setting shares with the reference, averaged per seed:\n")
    for out in args.outs[1:]:
        shared = sorted(set(errors[out]) & set(errors[first]))
        both = [s for s in seeds if all(s in errors[o][m] for o in (out, first) for m in shared)]
        if shared and both:
            mean = {o: {s: sum(errors[o][m][s] for m in shared) / len(shared) for s in both}
                    for o in (out, first)}  # fmt: skip
            d = paired_difference(mean[out], mean[first])
            print(f"- {out.name} − {first.name} over {', '.join(shared)}: {d.format(2)}")
    print("\nBetween methods within one setting (row − column, paired):\n")
    for out in args.outs:
        methods = sorted(errors[out])
        for i, a in enumerate(methods):
            for b in methods[i + 1 :]:
                d = paired_difference(errors[out][a], errors[out][b])
                print(f"- {out.name}: {a} − {b}: {d.format(2)}")


if __name__ == "__main__":
    main()
