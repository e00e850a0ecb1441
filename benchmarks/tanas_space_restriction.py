"""What does TA-NAS's task-aware space remove? The operations left for k closest tasks.

Reads a ``benchmarks/tanas.py`` result (the dictionary's cells, its 10 × 10 distance matrix
and the target's distances; no training) and prints, for the raw and the centred distances
(``DistanceMatrix.centred``: each base's mean distance to the other dictionary tasks
subtracted), the order of the bases and, for k = 1..5, the operations the union of the k
closest cells keeps and the ones it removes.

    python benchmarks/tanas_space_restriction.py benchmarks/results/tanas/tanas.json
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import numpy as np

from tasknas.spaces import TANAS_OPS

OPERATIONS = TANAS_OPS  # the standard (darts-tanas) space's operations


def _ops(cell: str) -> set[str]:
    return set(re.findall(r"([a-z0-9_]+)~", cell))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("result", type=Path, help="tanas.json of benchmarks/tanas.py")
    parser.add_argument("--max-k", type=int, default=5)
    args = parser.parse_args()
    data = json.loads(args.result.read_text())
    names = tuple(data["distance_matrix"])
    values = np.array([[data["distance_matrix"][b][t] for t in names] for b in names])
    # each base's mean distance to the other dictionary tasks (diagonal 0): the offsets
    # ``DistanceMatrix.centred`` and ``tasknas distance --centre`` subtract
    offsets = {b: float(values[i].sum() / (len(names) - 1)) for i, b in enumerate(names)}
    raw = data["distances"]
    cells = {task["name"]: task["best_cell"] for task in data["dictionary"]["tasks"]}
    print(f"target {data['target']}; operations of the standard space: {len(OPERATIONS)}\n")
    print("| distance | closest bases (distance) | k | operations kept | removed |")
    print("|---|---|---|---|---|")
    for label, distances in (
        ("raw", raw),
        ("centred", {b: raw[b] - offsets[b] for b in names}),
    ):
        order = sorted(names, key=lambda b: (distances[b], b))
        closest = ", ".join(f"{b} ({distances[b]:+.3f})" for b in order[:5])
        for k in range(1, args.max_k + 1):
            kept = set().union(*(_ops(cells[b]) for b in order[:k]))
            removed = ", ".join(op for op in OPERATIONS if op not in kept) or "–"
            head = f"{label} | {closest}" if k == 1 else " | "
            print(f"| {head} | {k} | {len(kept)} | {removed} |")


if __name__ == "__main__":
    main()
