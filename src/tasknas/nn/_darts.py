"""Networks of DARTS-like cells (``tasknas.spaces.DartsGenotype``) for small images."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch
from torch import nn

from tasknas.errors import InvalidArchitectureError
from tasknas.nn._checks import check_positive_ints
from tasknas.nn._fast import cat_channels, stem_channel_major
from tasknas.nn._ops import OPS, FactorizedReduce, OpFactory, ReLUConvBN
from tasknas.spaces import DartsCell, DartsGenotype

__all__ = [
    "DartsCellModule",
    "DartsNetwork",
    "darts_skeleton",
    "drop_path",
    "preprocess_input0",
    "reduction_positions",
]

#: ``make_cell(index, c_prev_prev, c_prev, channels, reduction, reduction_prev)``: one cell
#: module of a skeleton, with an ``out_channels`` attribute.
CellFactory = Callable[[int, int, int, int, bool, bool], nn.Module]


def drop_path(x: torch.Tensor, drop_prob: float) -> torch.Tensor:
    """Zero whole samples of ``x`` with probability ``drop_prob``, rescaling the rest."""
    keep = 1.0 - drop_prob
    mask = torch.empty(x.size(0), 1, 1, 1, device=x.device, dtype=x.dtype).bernoulli_(keep)
    return x.div(keep) * mask


def reduction_positions(layers: int) -> frozenset[int]:
    """The reduction cells of a ``layers``-cell network: at 1/3 and 2/3 of its depth."""
    return frozenset({layers // 3, 2 * layers // 3})


def preprocess_input0(
    c_prev_prev: int, channels: int, reduction_prev: bool, affine: bool = True
) -> nn.Module:
    """The 1×1 preprocessing of a cell's input 0 (factorized reduce after a reduction)."""
    if reduction_prev:
        return FactorizedReduce(c_prev_prev, channels, affine)
    return ReLUConvBN(c_prev_prev, channels, 1, 1, 0, affine)


def darts_skeleton(
    make_cell: CellFactory,
    *,
    in_channels: int,
    channels: int,
    layers: int,
    stem_multiplier: int,
    stem_stride: int,
) -> tuple[nn.Sequential, nn.ModuleList, int]:
    """The stem and ``layers`` cells of a DARTS-like network, and the last cell's channels.

    Reductions sit at ``reduction_positions(layers)``; channels double at each of them.

    Raises:
        InvalidSettingError: a size is not an integer >= 1.
    """
    check_positive_ints(
        in_channels=in_channels,
        channels=channels,
        layers=layers,
        stem_multiplier=stem_multiplier,
        stem_stride=stem_stride,
    )
    c_stem = stem_multiplier * channels
    stem = nn.Sequential(
        nn.Conv2d(in_channels, c_stem, 3, stride=stem_stride, padding=1, bias=False),
        nn.BatchNorm2d(c_stem),
    )
    c_prev_prev, c_prev, c_curr = c_stem, c_stem, channels
    reductions = reduction_positions(layers)
    reduction_prev = False
    cells = nn.ModuleList()
    for i in range(layers):
        reduction = i in reductions
        c_curr *= 2 if reduction else 1
        cell = make_cell(i, c_prev_prev, c_prev, c_curr, reduction, reduction_prev)
        cells.append(cell)
        reduction_prev = reduction
        c_prev_prev, c_prev = c_prev, int(cell.out_channels)
    return stem, cells, c_prev


class DartsCellModule(nn.Module):
    """One cell: preprocess both inputs, compute every node, concatenate the nodes.

    Args:
        cell: the cell genotype.
        c_prev_prev, c_prev: channels of the inputs 0 and 1 (outputs of the previous cells).
        channels: channels of every node; the output has ``len(cell.nodes) * channels``.
        reduction: this cell halves the spatial size (its ops on inputs 0 and 1 stride 2).
        reduction_prev: the previous cell was a reduction, so input 0 is twice as large.
        affine: BatchNorm affine parameters.
        ops: operation factories by name (a supernet can pass its own).

    An input no node reads is not preprocessed (no dead parameters).
    """

    def __init__(
        self,
        cell: DartsCell,
        c_prev_prev: int,
        c_prev: int,
        channels: int,
        *,
        reduction: bool,
        reduction_prev: bool,
        affine: bool = True,
        ops: Mapping[str, OpFactory] = OPS,
    ) -> None:
        super().__init__()
        self.reduction = reduction
        used = {source for node in cell.nodes for _, source in node}
        self.preprocess0: nn.Module | None = None
        self.preprocess1: nn.Module | None = None
        if 0 in used:
            self.preprocess0 = preprocess_input0(c_prev_prev, channels, reduction_prev, affine)
        if 1 in used:
            self.preprocess1 = ReLUConvBN(c_prev, channels, 1, 1, 0, affine)
        self.inputs = tuple(source for node in cell.nodes for _, source in node)
        self.ops = nn.ModuleList(
            ops[op](channels, 2 if reduction and source < 2 else 1, affine)
            for node in cell.nodes
            for op, source in node
        )
        self.multiplier = len(cell.nodes)
        self.out_channels = self.multiplier * channels

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, drop_prob: float = 0.0) -> torch.Tensor:
        states: list[torch.Tensor | None] = [
            self.preprocess0(s0) if self.preprocess0 is not None else None,
            self.preprocess1(s1) if self.preprocess1 is not None else None,
        ]
        slots = len(self.inputs) // self.multiplier
        for j in range(self.multiplier):
            total: torch.Tensor | None = None
            for k in range(j * slots, (j + 1) * slots):
                op = self.ops[k]
                h = op(states[self.inputs[k]])
                if self.training and drop_prob > 0.0 and not isinstance(op, nn.Identity):
                    h = drop_path(h, drop_prob)
                total = h if total is None else total + h
            states.append(total)
        return cat_channels(states[2:])  # type: ignore[arg-type]


class DartsNetwork(nn.Module):
    """Stem, ``layers`` cells (reductions at 1/3 and 2/3 of depth), global pool, linear.

    Reduction positions use ``genotype.reduce``, or the normal cell's structure when the
    genotype has none; channels double at each reduction. ``drop_path_prob`` (an attribute a
    trainer may schedule) applies drop-path to non-identity ops in training mode.
    ``stem_stride`` 2 (the default) halves a 28×28 input to 14×14 before the first cell;
    1 keeps it, as DARTS keeps CIFAR's 32×32 and as the ResNet baselines do: the same
    parameters, about 3.6× the FLOPs and 4× the CPU time, and on Fashion-MNIST the same
    searched cells retrain better (BENCHMARKS.md, "The first cell at the image's
    resolution").
    """

    def __init__(
        self,
        genotype: DartsGenotype,
        *,
        in_channels: int = 1,
        num_classes: int = 2,
        channels: int = 16,
        layers: int = 5,
        stem_multiplier: int = 3,
        stem_stride: int = 2,
        drop_path_prob: float = 0.0,
    ) -> None:
        super().__init__()
        if not isinstance(genotype, DartsGenotype):
            raise InvalidArchitectureError(f"DartsNetwork needs a DartsGenotype, got {genotype!r}")
        check_positive_ints(num_classes=num_classes)  # the skeleton checks the other sizes
        self.genotype = genotype
        self.drop_path_prob = drop_path_prob

        def make_cell(
            index: int, c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool
        ) -> nn.Module:
            reduce = reduction and genotype.reduce is not None
            cell = genotype.reduce if reduce else genotype.normal
            return DartsCellModule(
                cell, c_pp, c_p, c, reduction=reduction, reduction_prev=reduction_prev
            )

        self.stem, self.cells, c_prev = darts_skeleton(
            make_cell,
            in_channels=in_channels,
            channels=channels,
            layers=layers,
            stem_multiplier=stem_multiplier,
            stem_stride=stem_stride,
        )
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        s0 = s1 = stem_channel_major(self.stem, x)  # fast CPU layout (tasknas.nn._fast)
        for cell in self.cells:
            s0, s1 = s1, cell(s0, s1, self.drop_path_prob)
        return self.classifier(self.global_pooling(s1).flatten(1))
