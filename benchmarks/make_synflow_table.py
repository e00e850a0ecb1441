"""Compute the SynFlow zero-cost proxy of every cell of a space (package data).

Usage::

    python benchmarks/make_synflow_table.py [--space nb201|transnas-micro]

Writes ``src/tasknas/benchmarks/data/<tasknas.proxies.PROXY_TABLES[space]>`` (columns
``arch``, ``synflow``; the natural log of the score, ``-inf`` where it is 0):
``nb201_synflow.csv.gz`` for the default ``nb201`` (all 15,625 NAS-Bench-201 cells),
``tnb101_micro_synflow.csv.gz`` for ``transnas-micro`` (all 4,096 TransNAS-Bench-101 micro
cells). Settings are those of ``tasknas.proxies.PROXY_NETWORKS[space]`` (the same for both):
one cell per stage, 8 channels, a 3×8×8 all-ones input, 10 outputs, weights initialised with
seed 0. Deterministic; on 2 CPU cores about 6 minutes for ``nb201``, 1.5 for ``transnas-micro``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import time
from pathlib import Path

from tasknas.proxies import PROXY_NETWORKS, PROXY_TABLES
from tasknas.spaces import get_space

DATA = Path(__file__).resolve().parents[1] / "src/tasknas/benchmarks/data"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", choices=sorted(PROXY_TABLES), default="nb201")
    args = parser.parse_args()
    space = get_space(args.space)
    proxy = PROXY_NETWORKS[args.space]
    out = DATA / PROXY_TABLES[args.space]
    start = time.perf_counter()
    rows = []
    for i, arch in enumerate(space.enumerate()):
        rows.append((str(arch), repr(proxy.compute(arch))))
        if i % 1000 == 0:
            print(f"{i:6d} cells, {time.perf_counter() - start:6.0f} s", flush=True)
    with gzip.open(out, "wt", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(("arch", "synflow"))
        writer.writerows(rows)
    print(f"wrote {len(rows)} rows to {out} in {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
