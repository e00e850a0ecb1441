"""``DartsSupernet``: a weight-sharing network holding every genotype of a ``DartsSpace``.

Each cell of the skeleton (the ``DartsNetwork`` one: stem, ``layers`` cells with reductions at
1/3 and 2/3 of the depth, pooling, linear) holds, for every edge ``input i -> node j``, one
module per operation of the space. ``select(genotype)`` picks the sub-network the next
forward passes run: node ``j`` sums ``edges[j][i][op]`` over its two ``(op, i)`` pairs, so two
genotypes that put the same operation on the same edge of the same cell share its weights,
and a training step changes only the modules the selected genotype uses (modules it does not
use get no gradient). Both slots of a node reading the same input with the same operation
use that one module twice.

Batch normalisation in a supernet uses the statistics of the current batch, in training and
in evaluation alike (no running statistics): running averages would mix the activations of
every sub-network trained so far and misjudge each one (a known pitfall of weight sharing).
"""

from __future__ import annotations

import torch
from torch import nn

from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.nn._checks import check_positive_ints
from tasknas.nn._darts import darts_skeleton, preprocess_input0
from tasknas.nn._fast import cat_channels, stem_channel_major
from tasknas.nn._ops import OPS, ReLUConvBN
from tasknas.spaces import DartsCell, DartsGenotype, DartsSpace

__all__ = ["DartsSupernet", "DartsSupernetCell", "use_batch_statistics"]


def use_batch_statistics(module: nn.Module) -> None:
    """Make every BatchNorm of ``module`` normalise with the current batch's statistics."""
    for m in module.modules():
        if isinstance(m, nn.modules.batchnorm._BatchNorm):
            m.track_running_stats = False
            m.running_mean = m.running_var = m.num_batches_tracked = None


def _edge(node: int, source: int) -> str:
    return f"{node}<{source}"


class DartsSupernetCell(nn.Module):
    """Every edge of a ``nodes``-node cell, each holding one module per operation in ``ops``."""

    def __init__(
        self,
        ops: tuple[str, ...],
        nodes: int,
        c_prev_prev: int,
        c_prev: int,
        channels: int,
        *,
        reduction: bool,
        reduction_prev: bool,
    ) -> None:
        super().__init__()
        self.reduction = reduction
        self.preprocess0 = preprocess_input0(c_prev_prev, channels, reduction_prev)
        self.preprocess1 = ReLUConvBN(c_prev, channels, 1, 1, 0)
        self.edges = nn.ModuleDict(
            {
                _edge(j, i): nn.ModuleDict(
                    {op: OPS[op](channels, 2 if reduction and i < 2 else 1) for op in ops}
                )
                for j in range(nodes)
                for i in range(j + 2)
            }
        )
        self.out_channels = nodes * channels

    def op(self, node: int, source: int, op: str) -> nn.Module:
        """The module of operation ``op`` on the edge ``source -> node``."""
        return self.edges[_edge(node, source)][op]  # type: ignore[index]

    def forward(self, s0: torch.Tensor, s1: torch.Tensor, cell: DartsCell) -> torch.Tensor:
        used = {source for node in cell.nodes for _, source in node}
        states: list[torch.Tensor | None] = [
            self.preprocess0(s0) if 0 in used else None,
            self.preprocess1(s1) if 1 in used else None,
        ]
        for j, node in enumerate(cell.nodes):
            (op_a, in_a), (op_b, in_b) = node
            first = self.op(j, in_a, op_a)(states[in_a])
            states.append(first + self.op(j, in_b, op_b)(states[in_b]))
        return cat_channels(states[2:])  # type: ignore[arg-type]


class DartsSupernet(nn.Module):
    """The weight-sharing network of ``space`` (see the module docstring).

    Args:
        space: the DARTS-like space whose genotypes the supernet runs.
        in_channels, num_classes: image channels and output classes.
        channels, layers, stem_multiplier, stem_stride: as for ``DartsNetwork``.

    Raises:
        InvalidSettingError: ``space`` is not a ``DartsSpace`` or a size is below 1.
    """

    def __init__(
        self,
        space: DartsSpace,
        *,
        in_channels: int = 1,
        num_classes: int = 2,
        channels: int = 16,
        layers: int = 5,
        stem_multiplier: int = 3,
        stem_stride: int = 2,
    ) -> None:
        super().__init__()
        if not isinstance(space, DartsSpace):
            raise InvalidSettingError(f"DartsSupernet needs a DartsSpace, got {space!r}")
        check_positive_ints(num_classes=num_classes)  # the skeleton checks the other sizes
        self.space = space
        self.genotype: DartsGenotype | None = None

        def make_cell(
            index: int, c_pp: int, c_p: int, c: int, reduction: bool, reduction_prev: bool
        ) -> nn.Module:
            return DartsSupernetCell(
                space.ops,
                space.nodes,
                c_pp,
                c_p,
                c,
                reduction=reduction,
                reduction_prev=reduction_prev,
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
        use_batch_statistics(self)

    def select(self, genotype: DartsGenotype) -> None:
        """Run ``genotype``'s sub-network from the next forward pass on."""
        if not self.space.contains(genotype):
            raise InvalidArchitectureError(
                f"{genotype!r} is not a genotype of space {self.space.name!r}"
            )
        self.genotype = genotype

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        genotype = self.genotype
        if genotype is None:
            raise InvalidSettingError("select a genotype before running the supernet")
        s0 = s1 = stem_channel_major(self.stem, x)  # fast CPU layout (tasknas.nn._fast)
        for module in self.cells:
            reduce = module.reduction and genotype.reduce is not None
            cell = genotype.reduce if reduce else genotype.normal
            s0, s1 = s1, module(s0, s1, cell)
        return self.classifier(self.global_pooling(s1).flatten(1))
