"""Train arch2vec on every cell of a space and write its embedding table (package data).

Usage::

    OMP_NUM_THREADS=1 python benchmarks/make_arch2vec_table.py            # both spaces
    OMP_NUM_THREADS=1 python benchmarks/make_arch2vec_table.py --space nb201

Writes ``src/tasknas/embedding/data/<file>.npz`` (``tasknas.embedding._arch2vec.TABLES``) with
``embeddings`` (cells × 16, float32, rows in ``space.enumerate()`` order), ``ops`` (the space's
operation names) and the training settings, and prints the reconstruction accuracy and the
training time. Deterministic (seed 0, CPU, one thread): a rerun writes the same vectors.
"""

from __future__ import annotations

import argparse
import io
import time
from pathlib import Path

import numpy as np

from tasknas.embedding._arch2vec import TABLES, train_arch2vec
from tasknas.spaces import get_space

OUT = Path(__file__).resolve().parents[1] / "src/tasknas/embedding/data"
SETTINGS = {
    "dimensions": 16,
    "hidden": 128,
    "layers": 4,
    "epochs": 30,
    "batch_size": 32,
    "lr": 2e-3,
    "kl_weight": 0.005,
    "seed": 0,
}


def make(space_name: str) -> None:
    import torch

    torch.set_num_threads(1)
    space = get_space(space_name)
    start = time.perf_counter()
    fit = train_arch2vec(space, **SETTINGS)  # type: ignore[arg-type]
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        embeddings=fit.embeddings,
        ops=np.array(space.ops),  # type: ignore[attr-defined]
        settings=np.array([f"{k}={v}" for k, v in SETTINGS.items()]),
    )
    path = OUT / TABLES[space_name]
    path.write_bytes(buffer.getvalue())
    print(
        f"{space_name}: {len(fit.embeddings)} cells, final loss {fit.losses[-1]:.4f}, "
        f"op accuracy {fit.op_accuracy:.4f}, adjacency accuracy {fit.adjacency_accuracy:.4f}, "
        f"cells exact {fit.cell_accuracy:.4f}, training {fit.seconds:.0f} s "
        f"(total {time.perf_counter() - start:.0f} s); wrote {path} ({path.stat().st_size:,} B)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", choices=sorted(TABLES), action="append")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    for name in args.space or sorted(TABLES):
        make(name)


if __name__ == "__main__":
    main()
