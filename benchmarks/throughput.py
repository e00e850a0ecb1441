"""Training throughput of ``TrainingEvaluator`` against a plain PyTorch loop on the same model.

Both train the same network (same architecture, initialisation, data, batch size, SGD with
Nesterov momentum and a cosine schedule) for the same number of epochs; only the loop
differs: the evaluator's ``Trainer`` (which also accumulates loss and accuracy, validates
nothing during the fit) against a minimal hand-written loop. Runs alternate between the two
(``--repeats`` each) so that a busy machine slows both alike; the median images/s of each
is reported with their ratio (evaluator / plain; 1.0 = no overhead).

    python benchmarks/throughput.py --out benchmarks/results

``--compare-baseline`` also trains with the fast CPU operations switched off
(``tasknas.nn.fast_ops(False)``: the reference PyTorch modules), alternating old and new in the
same process, and reports images/s old vs new, the useful GFLOP/s reached (convolution and
linear FLOPs of a forward and backward pass, counted by ``torch.utils.flop_counter``) and its
share of the machine's own matrix-product speed (a 512×512 float32 matmul on the same
threads); then the same old/new ratio for the space's weight-sharing supernet (a plain loop
that selects a random genotype every batch).

    OMP_NUM_THREADS=1 python benchmarks/throughput.py --compare-baseline --repeats 5

``--device cuda`` trains on the GPU (the plain loop keeps the training images there; the
host clock is read after the GPU's queue is done), and ``--amp bf16 fp16`` adds the plain loop
under ``torch.autocast`` at those precisions (fp16 with a gradient scaler):

    python benchmarks/throughput.py --device cuda --n-train 4000 --stem-stride 1 \
        --repeats 2 --amp bf16 fp16

``--stem-stride 1`` trains the network with the first cell at the image's resolution
(``tasknas final --stem-stride 1``; DARTS spaces). To time two versions of the code, run the
same command with ``PYTHONPATH`` pointing at each one's ``src`` in turn.
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
from tasknas._torch import DEVICES, resolve_device
from tasknas._validation import STEM_STRIDES
from tasknas.benchmarks.train import TrainingEvaluator
from tasknas.errors import InvalidSettingError
from tasknas.nn import build_supernet, fast_ops
from tasknas.spaces import get_space


def _network(args: argparse.Namespace, evaluator: TrainingEvaluator) -> str:
    """The trained network as the reports name it."""
    return (
        f"{args.space} network ({args.channels} channels, {evaluator.layers} layers, "
        f"stem stride {args.stem_stride or 'default'})"
    )


def plain_loop(
    evaluator: TrainingEvaluator, arch: object, task: str, amp: str | None = None
) -> float:
    """Seconds of a minimal PyTorch training loop on the evaluator's model and data, on the
    evaluator's device (the training images moved there once; ``amp``: ``bf16`` or ``fp16``
    runs the forward pass under ``torch.autocast``, float16 with a gradient scaler)."""
    device = torch.device(evaluator.device)
    data = evaluator.data(task)
    network = evaluator.network(arch, task, seed=evaluator.task_seed(task, 1)).to(device)
    optimizer = torch.optim.SGD(
        network.parameters(),
        lr=evaluator.lr,
        momentum=evaluator.momentum,
        weight_decay=evaluator.weight_decay,
        nesterov=True,
    )
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=evaluator.epochs)
    generator = torch.Generator().manual_seed(0)
    x_all, y_all = data.train.x.to(device), data.train.y.to(device)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(amp or "")
    scaler = torch.amp.GradScaler(device.type, enabled=dtype == torch.float16)
    _synchronize(device)
    start = time.perf_counter()
    network.train()
    for _ in range(evaluator.epochs):
        order = torch.randperm(len(y_all), generator=generator).to(device)
        for begin in range(0, len(order), evaluator.batch_size):
            index = order[begin : begin + evaluator.batch_size]
            optimizer.zero_grad(set_to_none=True)
            with torch.autocast(device.type, dtype=dtype or torch.float32, enabled=bool(dtype)):
                loss = F.cross_entropy(network(x_all[index]), y_all[index])
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        schedule.step()
    _synchronize(device)
    return time.perf_counter() - start


def _synchronize(device: torch.device) -> None:
    """Wait for the device's queued work (a no-op on the CPU), so host clocks time it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def matmul_gflops(threads: int, size: int = 512, repeats: int = 20) -> float:
    """GFLOP/s of a ``size``×``size`` float32 matrix product (best of ``repeats`` batches)."""
    torch.set_num_threads(threads)
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(3):
        torch.mm(a, b)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(5):
            torch.mm(a, b)
        best = min(best, (time.perf_counter() - start) / 5)
    return 2 * size**3 / best / 1e9


def flops_per_image(network: torch.nn.Module, x: torch.Tensor, y: torch.Tensor) -> float:
    """Convolution/linear FLOPs of one forward and backward pass, per image (reference ops)."""
    from torch.utils.flop_counter import FlopCounterMode

    with fast_ops(False), FlopCounterMode(display=False) as counter:
        F.cross_entropy(network(x), y).backward()
    network.zero_grad(set_to_none=True)
    return counter.get_total_flops() / len(y)


def supernet_loop(evaluator: TrainingEvaluator, space_name: str, task: str, steps: int) -> float:
    """Images/s of ``steps`` SGD steps of the space's supernet, a random genotype per batch."""
    space = get_space(space_name)
    data = evaluator.data(task)
    supernet = build_supernet(
        space,
        in_channels=data.in_channels,
        num_classes=data.num_classes,
        seed=0,
        channels=evaluator.channels,
    )
    optimizer = torch.optim.SGD(supernet.parameters(), lr=0.025, momentum=0.9)
    rng = np.random.default_rng(0)
    x_all, y_all = data.train.x, data.train.y
    batch = evaluator.batch_size
    start = time.perf_counter()
    for step in range(steps):
        begin = (step * batch) % max(1, len(y_all) - batch)
        supernet.select(space.sample(rng))
        optimizer.zero_grad(set_to_none=True)
        x, y = x_all[begin : begin + batch], y_all[begin : begin + batch]
        F.cross_entropy(supernet(x), y).backward()
        optimizer.step()
    return steps * batch / (time.perf_counter() - start)


def compare_baseline(args: argparse.Namespace, evaluator: TrainingEvaluator) -> str:
    """The ``--compare-baseline`` report (markdown)."""
    arch = get_space(args.space).sample(np.random.default_rng(0))
    data = evaluator.data(args.task)
    images = args.epochs * len(data.train)
    network = evaluator.network(arch, args.task, seed=0)
    batch = slice(0, args.batch_size)
    flops = flops_per_image(network, data.train.x[batch], data.train.y[batch])
    peak = matmul_gflops(args.threads)
    evaluator.evaluate(arch, args.task)  # warm-up of both paths
    with fast_ops(False):
        evaluator.evaluate(arch, args.task)
    rates: dict[str, list[float]] = {"old": [], "new": [], "plain (new)": []}
    for repeat in range(args.repeats):
        # Alternate the order (old first, then new first) so that drift favours neither.
        for fast in (False, True) if repeat % 2 == 0 else (True, False):
            with fast_ops(fast):
                seconds = evaluator.evaluate(arch, args.task).metrics["train_seconds"]
            rates["new" if fast else "old"].append(images / seconds)
        rates["plain (new)"].append(images / plain_loop(evaluator, arch, args.task))
    median = {k: statistics.median(v) for k, v in rates.items()}
    speedup = median["new"] / median["old"]
    per_run = [n / o for n, o in zip(rates["new"], rates["old"], strict=True)]
    supernet: dict[str, list[float]] = {"old": [], "new": []}
    if args.supernet_steps > 0:
        for repeat in range(args.repeats):
            for fast in (False, True) if repeat % 2 == 0 else (True, False):
                with fast_ops(fast):
                    rate = supernet_loop(evaluator, args.space, args.task, args.supernet_steps)
                supernet["new" if fast else "old"].append(rate)
    lines = [
        "# Training throughput: fast CPU operations vs the reference modules",
        "",
        f"- tasknas {tasknas.__version__}, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}, {args.threads} torch thread(s), "
        f"device {_device_name(args.device)}",
        f"- {_network(args, evaluator)} on "
        f"{args.task}: {images} training images per run, batch {args.batch_size}, "
        f"{args.repeats} alternating runs (old and new in turn, then the plain loop) in one "
        "process; the fast path's allocator setting (`keep_freed_cpu_memory`) applies to "
        "both once the first new run has started",
        f"- {flops / 1e6:.1f} MFLOP per training image (convolutions and linear layers, "
        f"forward + backward); {args.threads}-thread 512×512 float32 matmul: {peak:.1f} GFLOP/s",
        "",
        "| path | images/s (median) | GFLOP/s | share of matmul | runs |",
        "|---|---|---|---|---|",
        *(
            f"| {k} | {median[k]:.1f} | {median[k] * flops / 1e9:.1f} | "
            f"{median[k] * flops / 1e9 / peak:.1%} | {', '.join(f'{r:.1f}' for r in v)} |"
            for k, v in rates.items()
        ),
        "",
        f"**speed-up new / old: {speedup:.2f}x** (per run: "
        f"{', '.join(f'{r:.2f}' for r in per_run)})",
        "",
        f"**ratio evaluator / plain loop (both new): {median['new'] / median['plain (new)']:.3f}**",
        "",
    ]
    if supernet["new"]:
        sup_old, sup_new = statistics.median(supernet["old"]), statistics.median(supernet["new"])
        lines += [
            f"Supernet ({args.supernet_steps} steps, random genotype per batch): "
            f"old {sup_old:.1f} images/s, new {sup_new:.1f} images/s, "
            f"**speed-up {sup_new / sup_old:.2f}x**",
            "",
        ]
    return "\n".join(lines)


def _device_name(device: str) -> str:
    """``cpu``, or the GPU's own name (``cuda (NVIDIA H200)``)."""
    if torch.device(device).type != "cuda":
        return device
    return f"{device} ({torch.cuda.get_device_name(torch.device(device))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--space", default="darts-emtnas")
    parser.add_argument("--task", default="mnist")
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--n-train", type=int, default=1000)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--stem-stride", type=int, default=None, choices=STEM_STRIDES)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--device", default="cpu", choices=DEVICES, help="where to train")
    parser.add_argument(
        "--amp",
        nargs="*",
        default=[],
        choices=["bf16", "fp16"],
        help="also time the plain loop under torch.autocast at these precisions (GPU)",
    )
    parser.add_argument(
        "--compare-baseline",
        action="store_true",
        help="also time the reference modules (fast CPU operations off) in the same process",
    )
    parser.add_argument(
        "--supernet-steps", type=int, default=16, help="supernet steps per run (0: skip)"
    )
    args = parser.parse_args()
    try:
        resolve_device(args.device)
    except InvalidSettingError as error:
        parser.error(str(error))
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
        stem_stride=args.stem_stride,
        device=args.device,
    )
    if args.compare_baseline:
        text = compare_baseline(args, evaluator)
        print(text)
        if args.out is not None:
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "throughput_fast.md").write_text(text, encoding="utf-8")
        return
    arch = get_space(args.space).sample(np.random.default_rng(0))
    images = args.epochs * len(evaluator.data(args.task).train)
    for amp in (None, *args.amp):
        plain_loop(evaluator, arch, args.task, amp=amp)  # warm-up (allocator, kernels)
    rates: dict[str, list[float]] = {"evaluator": [], "plain": []}
    rates.update({f"plain, autocast {amp}": [] for amp in args.amp})
    for _ in range(args.repeats):
        result = evaluator.evaluate(arch, args.task)
        rates["evaluator"].append(images / result.metrics["train_seconds"])
        rates["plain"].append(images / plain_loop(evaluator, arch, args.task))
        for amp in args.amp:
            seconds = plain_loop(evaluator, arch, args.task, amp=amp)
            rates[f"plain, autocast {amp}"].append(images / seconds)
    median = {k: statistics.median(v) for k, v in rates.items()}
    ratio = median["evaluator"] / median["plain"]
    lines = [
        "# Training throughput: TrainingEvaluator vs a plain PyTorch loop",
        "",
        f"- tasknas {tasknas.__version__}, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}, {args.threads} torch thread(s), "
        f"device {_device_name(args.device)}",
        f"- {_network(args, evaluator)} on "
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
