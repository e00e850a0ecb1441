"""Every method of ``tanas.py`` runs against every other, paired by seed, per target and pooled.

Each OUT is a ``benchmarks/tanas.py`` output folder of one target (its runs in ``OUT/runs/``,
filled with ``--run-seeds`` by any number of processes or machines). Every seed kept there is
read, whatever its range; a pair of methods is compared on the seeds both finished. Pooled
rows treat each (target, seed) as one unit, so targets pool only when given together::

    python benchmarks/tanas_paired.py CAT_OUT APPLE_OUT \\
        --reference "FUSE, centred task-aware space (k=1)" --json paired.json

Prints markdown tables: each method's test error (mean [95 % t interval], n) per target and
pooled, then the reference minus every other method (``tasknas.stats.paired_difference``;
negative: the reference has the lower error; * significant at 95 %).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from tasknas.stats import mean_interval, paired_difference

Errors = dict[str, dict[tuple[str, int], float]]


def method_stem(name: str) -> str:
    """The start of a method's run files' names (``tanas.py`` writes ``STEM-seedS.json``)."""
    return name.replace(",", "").replace(" ", "-")


def read_runs(out: Path) -> Errors:
    """``{method: {(target, seed): test error (%)}}`` of the runs kept in ``out/runs``; the
    target is the folder's name, the method the file's name before ``-seed``."""
    found: Errors = {}
    for path in sorted((out / "runs").glob("*-seed*.json")):
        run = json.loads(path.read_text())
        method = path.name.rsplit("-seed", 1)[0]
        found.setdefault(method, {})[(out.name, int(run["seed"]))] = float(run["test_error"])
    return found


def _label(method: str) -> str:
    """The method's name as ``tanas.py`` prints it, from its run files' name."""
    name = method.replace("-", " ").replace("FUSE ", "FUSE, ")
    return name.replace("task aware", "task-aware")


def compare(groups: dict[str, Errors], reference: str) -> dict[str, Any]:
    """Per group (a target, or the pool): each method's mean and the reference − each other
    method, paired on the units both have."""
    result: dict[str, Any] = {}
    for group, errors in groups.items():
        methods: dict[str, Any] = {}
        for method, values in sorted(errors.items()):
            mean, low, high = mean_interval(list(values.values()))
            methods[method] = {"mean": mean, "ci": [low, high], "n": len(values)}
        versus: dict[str, Any] = {}
        if reference in errors:
            for method, values in sorted(errors.items()):
                if method == reference:
                    continue
                diff = paired_difference(errors[reference], values)  # type: ignore[arg-type]
                versus[method] = {**diff.to_json(), "text": diff.format(2)}
        result[group] = {"methods": methods, "reference_minus": versus}
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("outs", type=Path, nargs="+", help="tanas.py OUT folders, one per target")
    parser.add_argument(
        "--reference",
        default="FUSE-centred-task-aware-space-(k=1)",
        help="the method the others are compared with (its run files' name, or the "
        "method's name as tanas.py prints it)",
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    reference = method_stem(args.reference)
    names = [out.name for out in args.outs]
    if twice := sorted({name for name in names if names.count(name) > 1}):
        parser.error(f"two folders named {', '.join(twice)}: a folder's name is its target")
    per_target = {out.name: read_runs(out) for out in args.outs}
    if missing := [out for out in args.outs if not per_target[out.name]]:
        parser.error(f"no runs in {', '.join(str(m / 'runs') for m in missing)}")
    groups = dict(per_target)
    if len(per_target) > 1:
        pooled: Errors = {}
        for errors in per_target.values():
            for method, values in errors.items():
                pooled.setdefault(method, {}).update(values)
        groups["pooled"] = pooled
    if not any(reference in errors for errors in groups.values()):
        methods = sorted({m for errors in groups.values() for m in errors})
        parser.error(f"unknown --reference {args.reference!r}; valid choices: {', '.join(methods)}")
    result = compare(groups, reference)
    names = list(groups)
    methods = sorted({m for errors in groups.values() for m in errors})
    print("test error (%), mean [95 % CI] (n)\n")
    print("| method | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for method in methods:
        cells = []
        for group in names:
            row = result[group]["methods"].get(method)
            cells.append(
                f"{row['mean']:.2f} [{row['ci'][0]:.2f}, {row['ci'][1]:.2f}] ({row['n']})"
                if row
                else "–"
            )
        print(f"| {_label(method)} | " + " | ".join(cells) + " |")
    print(f"\n{_label(reference)} − each method, paired (points; negative: lower error)\n")
    print("| − method | " + " | ".join(names) + " |")
    print("|---" * (len(names) + 1) + "|")
    for method in methods:
        if method == reference:
            continue
        cells = [result[g]["reference_minus"].get(method, {}).get("text", "–") for g in names]
        print(f"| {_label(method)} | " + " | ".join(cells) + " |")
    if args.json:
        args.json.write_text(json.dumps({"reference": reference, "groups": result}, indent=2))


if __name__ == "__main__":
    main()
