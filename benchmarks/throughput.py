"""Training throughput of ``TrainingEvaluator`` against a plain PyTorch loop on the same model.

Both train the same network (same architecture, initialisation, data, batch size, SGD with
Nesterov momentum and a cosine schedule) for the same number of epochs; only the loop
differs: the evaluator's ``Trainer`` (which also accumulates loss and accuracy, validates
nothing during the fit) against a minimal hand-written loop. Runs alternate between the two
(``--repeats`` each) so that a busy machine slows both alike; the median images/s of each
is reported with their ratio (evaluator / plain; 1.0 = no overhead).

    python benchmarks/throughput.py --out benchmarks/results
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import tasknas
from tasknas.benchmarks.train import TrainingEvaluator
from tasknas.spaces import get_space


def plain_loop(evaluator: TrainingEvaluator, arch: object, task: str) -> float:
    """Seconds of a minimal PyTorch training loop on the evaluator's model and data."""
    data = evaluator.data(task)
    network = evaluator.network(arch, task, seed=evaluator.task_seed(task, 1))
    optimizer = torch.optim.SGD(
        network.parameters(),
        lr=evaluator.lr,
        momentum=evaluator.momentum,
        weight_decay=evaluator.weight_decay,
        nesterov=True,
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=evaluator.epochs)
    generator = torch.Generator().manual_seed(0)
    x_all, y_all = data.train.x, data.train.y
    start = time.perf_counter()
    network.train()
    for _ in range(evaluator.epochs):
        order = torch.randperm(len(y_all), generator=generator)
        for begin in range(0, len(order), evaluator.batch_size):
            index = order[begin : begin + evaluator.batch_size]
            optimizer.zero_grad(set_to_none=True)
            F.cross_entropy(network(x_all[index]), y_all[index]).backward()
            optimizer.step()
        schedule.step()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="darts-emtnas")
    parser.add_argument("--task", default="mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    evaluator = TrainingEvaluator(
        args.space,
        [args.task],
        epochs=args.epochs,
        n_train=args.n_train,
        n_val=200,
        n_test=200,
        batch_size=args.batch_size,
        channels=args.channels,
    )
    arch = get_space(args.space).sample(np.random.default_rng(0))
    images = args.epochs * len(evaluator.data(args.task).train)
    plain_loop(evaluator, arch, args.task)  # warm-up (allocator, kernels)
    rates: dict[str, list[float]] = {"evaluator": [], "plain": []}
    for _ in range(args.repeats):
        result = evaluator.evaluate(arch, args.task)
        rates["evaluator"].append(images / result.metrics["train_seconds"])
        rates["plain"].append(images / plain_loop(evaluator, arch, args.task))
    median = {k: statistics.median(v) for k, v in rates.items()}
    ratio = median["evaluator"] / median["plain"]
    lines = [
        "# Training throughput: TrainingEvaluator vs a plain PyTorch loop",
        "",
        f"- tasknas {tasknas.__version__}, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}, {args.threads} torch thread(s)",
        f"- {args.space} network ({args.channels} channels, {evaluator.layers} layers) on "
        f"{args.task}: {images} training images per run ({args.epochs} epoch(s) of "
        f"{images // args.epochs}), batch {args.batch_size}, {args.repeats} alternating runs",
        "",
        "| loop | images/s (median) | runs |",
        "|---|---|---|",
        *(
            f"| {k} | {median[k]:.1f} | {', '.join(f'{r:.1f}' for r in v)} |"
            for k, v in rates.items()
        ),
        "",
        f"**ratio evaluator / plain: {ratio:.3f}**",
        "",
    ]
    text = "\n".join(lines)
    print(text)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "throughput.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
