"""Seconds per Fisher diagonal of a default ε-network: ``loop`` vs ``vmap`` on the CPU.

Trains one default ε-network (``mnist:0``, default ``TANASSettings``), then times
``diagonal_fisher`` on the default 300 validation samples of ``mnist:1``, alternating the two
methods ``--repeats`` times in one process, and checks that they agree.

    python benchmarks/fisher_speed.py --threads 1
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch

from tasknas.similarity import diagonal_fisher
from tasknas.tanas import TANASSettings, load_task
from tasknas.tanas._epsnet import train_epsnet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    settings = TANASSettings()
    model, _ = train_epsnet(load_task("mnist:0", settings), settings)
    data = load_task("mnist:1", settings).val
    options = {"batch_size": settings.batch_size, "max_samples": settings.fisher_samples}
    seconds: dict[str, list[float]] = {"loop": [], "vmap": []}
    results = {}
    for _ in range(args.repeats):
        for method in seconds:
            start = time.perf_counter()
            results[method] = diagonal_fisher(model, data, method=method, **options)
            seconds[method].append(time.perf_counter() - start)
    gap = float((results["loop"] - results["vmap"]).abs().max())
    weights = sum(p.numel() for p in model.parameters())
    print(
        f"{weights:,} weights, {options['max_samples']} samples, "
        f"{torch.get_num_threads()} thread(s), chunks of {options['batch_size']} for vmap"
    )
    for method, values in seconds.items():
        print(
            f"{method}: median {statistics.median(values):.2f} s "
            f"(min {min(values):.2f}, max {max(values):.2f}, {len(values)} runs)"
        )
    print(f"largest difference between the two diagonals: {gap:.1e}")


if __name__ == "__main__":
    main()
