# ruff: noqa: E501  (markdown table rows)
"""Table of the MTL-NAS follow-up of issue 15: the search started from the all-edges supernet
against its equal-training control, paired with ``mtl_warmup.json``.

Reads the ``mtl_schedules.json`` of one or more ``benchmarks/mtl_schedules.py`` runs (see
BENCHMARKS.md, "Starting the search from the all-edges supernet") and writes
``benchmarks/results/mtl_start_all_edges.md`` and ``.json``::

    python benchmarks/mtl_start_table.py /tmp/mtlC /tmp/mtlC2 /tmp/mtlC3 /tmp/mtlC4
"""

import json
import sys
from pathlib import Path

import numpy as np

from tasknas.stats import paired_difference

RESULTS = Path(__file__).resolve().parent / "results"

runs = {}
for d in sys.argv[1:]:
    for r in json.loads(Path(d, "mtl_schedules.json").read_text()):
        key = (r["dataset"], r["seed"])
        cur = runs.setdefault(
            key,
            {
                "dataset": r["dataset"],
                "seed": r["seed"],
                "acc": dict(r["acc"]),
                "tasks": r["tasks"],
                "variants": {},
            },
        )
        assert cur["acc"] == r["acc"], key
        for v, x in r["variants"].items():
            y = {
                k: x[k]
                for k in ("acc", "open", "candidates", "entropy_history", "alpha", "seconds")
                if k in x
            }
            if "trace" in x:
                first = x["trace"][:10]
                y["first10_grad_task"] = float(np.mean([t["grad_task"] for t in first]))
                y["first10_share_closing"] = float(np.mean([t["grad_task_pos"] for t in first]))
            cur["variants"][v] = y
warm = json.loads(RESULTS / "mtl_warmup.json".read_text())["runs"]
for ds, recs in warm.items():
    for r in recs:
        key = (ds, r["seed"])
        if key in runs:
            tasks = runs[key]["tasks"]
            base = [[r["tasks"][t][n] for t in tasks] for n in ("single_task", "all_edges")]
            assert base == [runs[key]["acc"]["single_task"], runs[key]["acc"]["all_edges"]], key
            runs[key]["variants"].setdefault(
                "alpha_warmup=0.25",
                {
                    "acc": [r["tasks"][t]["searched"] for t in tasks],
                    "open": len(r["edges"]),
                    "from": "mtl_warmup.json",
                },
            )
S, C, W = "start=all_edges", "control=all_edges_2x", "alpha_warmup=0.25"
lines = [
    "| data set | task | single | all-edges | all-edges 2× | warm-up 0.25 | start=all_edges | start − single | start − all-edges | start − all-edges 2× | all-edges 2× − all-edges | warm-up − all-edges |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
]
edges = []
for ds in ("multimnist", "omniglot", "multifashion"):
    keys = sorted(k for k in runs if k[0] == ds)
    if not keys:
        continue
    tasks = runs[keys[0]]["tasks"]

    def get(n, k):
        r = runs[k]
        return r["acc"][n] if n in r["acc"] else r["variants"][n]["acc"]

    for i, t in [*enumerate(tasks), (None, "mean")]:
        v = {
            n: [get(n, k)[i] if i is not None else float(np.mean(get(n, k))) for k in keys]
            for n in ("single_task", "all_edges", C, W, S)
        }

        def ms(x: list[float]) -> str:
            return f"{np.mean(x):.2f} ± {np.std(x, ddof=1):.2f}"

        def pd(a: str, b: str, v: dict = v) -> str:
            return paired_difference(v[a], v[b], lower_is_better=False).format(2)

        lines.append(
            f"| {ds} (seeds {keys[0][1]}–{keys[-1][1]}) | {t} | {ms(v['single_task'])} | {ms(v['all_edges'])} | {ms(v[C])} | {ms(v[W])} | {ms(v[S])} | {pd(S, 'single_task')} | {pd(S, 'all_edges')} | {pd(S, C)} | {pd(C, 'all_edges')} | {pd(W, 'all_edges')} |"
        )
    o = [runs[k]["variants"][S]["open"] for k in keys]
    edges.append(
        f"{ds}: start=all_edges keeps {np.mean(o):.1f} ± {np.std(o, ddof=1):.1f} of 18 edges {o}"
    )
md = (
    "# MTL-NAS issue 15 follow-up: search from the all-edges supernet, with its equal-training control\n\nPaired differences in points, 95 % Student-t CI (* excludes 0). MultiFashion is held out.\n\n"
    + "\n".join(lines)
    + "\n\n"
    + "\n".join(edges)
    + "\n"
)
print(md)
(RESULTS / "mtl_start_all_edges.md").write_text(md)
(RESULTS / "mtl_start_all_edges.json").write_text(
    json.dumps(sorted(runs.values(), key=lambda r: (r["dataset"], r["seed"])), indent=1)
)
