"""The NAS-Bench-201 macro skeleton around an edge cell (``tasknas.spaces.NB201Cell``).

The TransNAS-Bench-101 micro cell (``tasknas.spaces.TransNASMicroCell``) has the same DAG and
NB201-style operations under other names; ``TransNASMicroNetwork`` puts it in this skeleton.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping
from typing import ClassVar

import torch
from torch import nn

from tasknas.errors import InvalidArchitectureError
from tasknas.nn._checks import check_positive_ints
from tasknas.nn._ops import OPS, OpFactory, ReLUConvBN
from tasknas.spaces import EDGES, EdgeCell

__all__ = [
    "TRANSNAS_MICRO_OPS",
    "NB201CellModule",
    "NB201Network",
    "ResNetBasicBlock",
    "TransNASMicroNetwork",
    "cells_per_stage_alias",
    "nb201_skeleton",
]


class NB201CellModule(nn.Module):
    """Nodes 0..3; node ``j`` sums ``op(i -> j)(node i)`` over ``i < j``; output is node 3."""

    def __init__(self, cell: EdgeCell, channels: int, ops: Mapping[str, OpFactory] = OPS) -> None:
        super().__init__()
        self.ops = nn.ModuleList(ops[name](channels, 1) for name in cell.op_names)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        nodes = [x]
        for target in range(1, len(EDGES) // 2 + 1):
            parts = [self.ops[e](nodes[src]) for e, (src, dst) in enumerate(EDGES) if dst == target]
            nodes.append(torch.stack(parts).sum(dim=0))
        return nodes[-1]


class ResNetBasicBlock(nn.Module):
    """The stride-2 residual block between NB201 stages (channels ``c_in -> c_out``)."""

    def __init__(self, c_in: int, c_out: int) -> None:
        super().__init__()
        self.conv_a = ReLUConvBN(c_in, c_out, 3, 2, 1)
        self.conv_b = ReLUConvBN(c_out, c_out, 3, 1, 1)
        self.downsample = nn.Sequential(
            nn.AvgPool2d(2, stride=2, ceil_mode=True),
            nn.Conv2d(c_in, c_out, 1, bias=False),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv_b(self.conv_a(x)) + self.downsample(x)


def cells_per_stage_alias(layers: int, cells_per_stage: int | None, owner: str) -> int:
    """The depth of an NB201-skeleton network: ``layers`` (cells per stage), or the deprecated
    ``cells_per_stage`` keyword when a caller still passes it (with a ``DeprecationWarning``).
    """
    if cells_per_stage is None:
        return layers
    warnings.warn(
        f"{owner}(cells_per_stage=...) is deprecated; pass layers=... (cells per stage), the "
        "depth keyword of every network",
        DeprecationWarning,
        stacklevel=3,
    )
    return cells_per_stage


def nb201_skeleton(
    make_cell: Callable[[int], nn.Module], *, in_channels: int, channels: int, layers: int
) -> tuple[nn.Sequential, list[list[nn.Module]], nn.Sequential]:
    """The stem, the three stages and the final BN-ReLU of an NB201 network.

    Stage ``s`` has ``channels * 2**s`` channels: a ``ResNetBasicBlock`` (stages 1 and 2)
    then ``layers`` cells ``make_cell(stage channels)``.

    Raises:
        InvalidSettingError: a size is not an integer >= 1.
    """
    check_positive_ints(in_channels=in_channels, channels=channels, layers=layers)
    stem = nn.Sequential(
        nn.Conv2d(in_channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)
    )
    stages: list[list[nn.Module]] = []
    c_prev = channels
    for stage in range(3):
        c_stage = channels * 2**stage
        blocks: list[nn.Module] = [ResNetBasicBlock(c_prev, c_stage)] if stage > 0 else []
        stages.append([*blocks, *(make_cell(c_stage) for _ in range(layers))])
        c_prev = c_stage
    return stem, stages, nn.Sequential(nn.BatchNorm2d(c_prev), nn.ReLU(inplace=False))


class NB201Network(nn.Module):
    """Stem, 3 stages of ``layers`` cells (C, 2C, 4C channels) joined by residual
    reduction blocks, BN-ReLU, global average pool, linear classifier.

    ``layers`` counts cells per stage (``cells_per_stage`` is its deprecated alias). The class
    attribute ``cell_ops`` maps the cell's operation names to their factories.
    """

    cell_ops: ClassVar[Mapping[str, OpFactory]] = OPS

    def __init__(
        self,
        cell: EdgeCell,
        *,
        in_channels: int = 1,
        num_classes: int = 2,
        channels: int = 16,
        layers: int = 5,
        cells_per_stage: int | None = None,
    ) -> None:
        super().__init__()
        layers = cells_per_stage_alias(layers, cells_per_stage, type(self).__name__)
        if not isinstance(cell, EdgeCell):
            raise InvalidArchitectureError(f"NB201Network needs an NB201 cell, got {cell!r}")
        unknown = [name for name in cell.OPS if name not in self.cell_ops]
        if unknown:
            raise InvalidArchitectureError(
                f"{type(self).__name__} cannot build a {type(cell).__name__}: unknown "
                f"operation(s) {', '.join(unknown)}"
            )
        check_positive_ints(num_classes=num_classes)  # the skeleton checks the other sizes
        self.cell = cell
        self.stem, stages, lastact = nb201_skeleton(
            lambda c: NB201CellModule(cell, c, self.cell_ops),
            in_channels=in_channels,
            channels=channels,
            layers=layers,
        )
        self.cells = nn.Sequential(*(module for stage in stages for module in stage))
        self.lastact = lastact
        c_prev = channels * 4
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.lastact(self.cells(self.stem(x)))
        return self.classifier(self.global_pooling(out).flatten(1))


#: The TransNAS-Bench-101 micro operations: ReLU-Conv-BN convolutions as in NB201.
TRANSNAS_MICRO_OPS: Mapping[str, OpFactory] = {
    "none": OPS["none"],
    "skip_connect": OPS["skip_connect"],
    "conv1x1": OPS["nor_conv_1x1"],
    "conv3x3": OPS["nor_conv_3x3"],
}


class TransNASMicroNetwork(NB201Network):
    """``NB201Network`` around a TransNAS-Bench-101 micro cell (same DAG; operations ``none``,
    ``skip_connect``, ``conv1x1``, ``conv3x3`` are NB201's ``none``, ``skip_connect``,
    ``nor_conv_1x1``, ``nor_conv_3x3``).

    This is the small NB201-style network the TransNAS zero-cost proxy table is computed on,
    not the TransNAS-Bench-101 task networks (a ResNet-like encoder with per-task decoders).
    """

    cell_ops: ClassVar[Mapping[str, OpFactory]] = TRANSNAS_MICRO_OPS
