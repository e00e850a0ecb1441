"""``NB201Supernet``: a weight-sharing network holding every NAS-Bench-201 cell.

The skeleton is ``NB201Network``'s (stem, three stages of ``layers`` cells joined by
residual reduction blocks, BN-ReLU, pooling, linear); every edge of every cell holds one
module per NB201 operation. ``select(cell)`` picks the operations the next forward passes
run, so two cells with the same operation on the same edge share its weights, and a training
step changes only the modules the selected cell uses. Batch normalisation uses batch
statistics (see ``tasknas.nn._supernet_darts``).
"""

from __future__ import annotations

import torch
from torch import nn

from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.nn._checks import check_positive_ints
from tasknas.nn._nb201 import cells_per_stage_alias, nb201_skeleton
from tasknas.nn._ops import OPS
from tasknas.nn._supernet_darts import use_batch_statistics
from tasknas.spaces import EDGES, NB201Cell, NB201Space

__all__ = ["NB201Supernet", "NB201SupernetCell"]


class NB201SupernetCell(nn.Module):
    """Nodes 0..3; edge ``e`` holds one module per operation of ``ops``."""

    def __init__(self, ops: tuple[str, ...], channels: int) -> None:
        super().__init__()
        self.edges = nn.ModuleList(
            nn.ModuleDict({op: OPS[op](channels, 1) for op in ops}) for _ in EDGES
        )

    def op(self, edge: int, op: str) -> nn.Module:
        """The module of operation ``op`` on edge ``edge`` (an index into ``EDGES``)."""
        return self.edges[edge][op]  # type: ignore[index]

    def forward(self, x: torch.Tensor, names: tuple[str, ...]) -> torch.Tensor:
        nodes = [x]
        for target in range(1, len(EDGES) // 2 + 1):
            total: torch.Tensor | None = None
            for e, (src, dst) in enumerate(EDGES):
                if dst == target:
                    h = self.op(e, names[e])(nodes[src])
                    total = h if total is None else total + h
            nodes.append(total)  # type: ignore[arg-type]
        return nodes[-1]


class NB201Supernet(nn.Module):
    """The weight-sharing network of the NB201 space (see the module docstring).

    Raises:
        InvalidSettingError: ``space`` is not an ``NB201Space`` or a size is below 1.
    """

    def __init__(
        self,
        space: NB201Space,
        *,
        in_channels: int = 1,
        num_classes: int = 2,
        channels: int = 16,
        layers: int = 5,
        cells_per_stage: int | None = None,
    ) -> None:
        super().__init__()
        layers = cells_per_stage_alias(layers, cells_per_stage, type(self).__name__)
        if not isinstance(space, NB201Space):
            raise InvalidSettingError(f"NB201Supernet needs an NB201Space, got {space!r}")
        check_positive_ints(num_classes=num_classes)  # the skeleton checks the other sizes
        self.space = space
        self.cell: NB201Cell | None = None
        self.stem, stages, lastact = nb201_skeleton(
            lambda c: NB201SupernetCell(space.ops, c),
            in_channels=in_channels,
            channels=channels,
            layers=layers,
        )
        self.stages = nn.ModuleList(nn.ModuleList(stage) for stage in stages)
        self.lastact = lastact
        c_prev = channels * 4
        self.global_pooling = nn.AdaptiveAvgPool2d(1)
        self.classifier = nn.Linear(c_prev, num_classes)
        use_batch_statistics(self)

    def select(self, cell: NB201Cell) -> None:
        """Run ``cell``'s operations from the next forward pass on."""
        if not self.space.contains(cell):
            raise InvalidArchitectureError(f"{cell!r} is not a cell of space {self.space.name!r}")
        self.cell = cell

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.cell is None:
            raise InvalidSettingError("select a cell before running the supernet")
        names = self.cell.op_names
        out = self.stem(x)
        for stage in self.stages:
            for module in stage:
                is_cell = isinstance(module, NB201SupernetCell)
                out = module(out, names) if is_cell else module(out)
        out = self.lastact(out)
        return self.classifier(self.global_pooling(out).flatten(1))
