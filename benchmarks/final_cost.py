"""What a searched network costs to train against the hand-designed ones, at stem stride 2 and 1.

For each network (a searched DARTS cell with the stem at stride 2, the default, and at stride 1,
``tasknas final --stem-stride 1``; the baselines ``resnet:14`` and ``resnet``): parameters,
convolution and linear FLOPs of one training image (forward and backward, counted by
``torch.utils.flop_counter``) and the seconds of one training epoch with the final-training
settings (augmentation on, batch 64, one torch thread). The networks take turns within each
repeat, in an order rotated from repeat to repeat, so that a busy machine slows them alike;
the report gives the median seconds and each network's time relative to ``resnet:14``.

    python benchmarks/final_cost.py --arch-from benchmarks/results/train_search/... --repeats 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
from pathlib import Path
from typing import Any

import torch
from throughput import flops_per_image  # one FLOP count for every benchmark

import tasknas
from tasknas.benchmarks.train import TrainingEvaluator
from tasknas.final import FINAL_SHIFT
from tasknas.nn import count_parameters, get_baseline
from tasknas.spaces import get_space
from tasknas.training import final_augmentation, train_from_scratch
from tasknas.training._retrain import network_for_task


def _networks(arch: Any) -> dict[str, tuple[Any, int | None]]:
    """Name -> (architecture or baseline, stem stride)."""
    return {
        "searched, stem stride 2 (default)": (arch, None),
        "searched, stem stride 1": (arch, 1),
        "resnet:14": (get_baseline("resnet:14"), None),
        "resnet": (get_baseline("resnet"), None),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--arch", default=None, help="a darts-emtnas genotype string")
    parser.add_argument(
        "--arch-from", type=Path, default=None, help="a final.json: its first task's architecture"
    )
    parser.add_argument("--task", default="fashion_mnist")
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    if (args.arch is None) == (args.arch_from is None):
        parser.error("give one of --arch and --arch-from")
    torch.set_num_threads(args.threads)
    text = args.arch
    if args.arch_from is not None:
        text = next(iter(json.loads(args.arch_from.read_text())["tasks"].values()))["arch"]
    arch = get_space("darts-emtnas").parse(text)
    networks = _networks(arch)
    sizes = {"n_train": args.n_train, "n_val": 100, "n_test": 100}
    evaluators = {
        name: TrainingEvaluator("darts-emtnas", [args.task], stem_stride=stride, **sizes)
        for name, (_, stride) in networks.items()
    }
    data = next(iter(evaluators.values())).data(args.task)
    params, flops, seconds = {}, {}, {name: [] for name in networks}
    for name, (net, _) in networks.items():
        model = network_for_task(net, data, seed=0, **evaluators[name].network_options())
        params[name] = count_parameters(model)
        flops[name] = flops_per_image(model, data.train.x[:64], data.train.y[:64])
    names = list(networks)
    for repeat in range(args.repeats):
        for name in names[repeat % len(names) :] + names[: repeat % len(names)]:
            evaluator = evaluators[name]
            trainer = evaluator.trainer(
                epochs=1, seed=0, scheduler="cosine", augment=final_augmentation(FINAL_SHIFT, False)
            )
            trained = train_from_scratch(
                networks[name][0],
                data,
                trainer,
                seed=0,
                splits=(),
                **evaluator.network_options(),
            )
            seconds[name].append(trained.train_seconds)
    median = {name: statistics.median(s) for name, s in seconds.items()}
    lines = [
        "# Training cost of a searched network at stem stride 2 and 1, against the ResNets",
        "",
        f"- tasknas {tasknas.__version__}, torch {torch.__version__}, "
        f"{platform.processor() or platform.machine()}, {args.threads} torch thread(s)",
        f"- {args.task}: one epoch on {len(data.train):,} training images, batch "
        f"{evaluators[names[0]].batch_size}, ±{FINAL_SHIFT} px shifts; {args.repeats} repeats, "
        "the networks in turn (order rotated each repeat)",
        f"- searched cell: `{text}`",
        "",
        "| network | parameters | MFLOP per training image | s per epoch (median) "
        "| time / resnet:14 | runs (s) |",
        "|---|---|---|---|---|---|",
        *(
            f"| {name} | {params[name]:,} | {flops[name] / 1e6:.1f} | {median[name]:.1f} | "
            f"{median[name] / median['resnet:14']:.2f} | "
            f"{', '.join(f'{s:.1f}' for s in seconds[name])} |"
            for name in names
        ),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "final_cost.md").write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
