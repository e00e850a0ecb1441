"""``VGGBackbone``: a small VGG-style CNN split into stages (one conv layer each) and blocks."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from tasknas._validation import as_int, positive_int
from tasknas.errors import InvalidSettingError

__all__ = ["VGGBackbone"]


class VGGBackbone(nn.Module):
    """Blocks of 3×3 conv → BN → ReLU stages, 2×2 max-pooling between blocks, then a head.

    ``blocks[b]`` lists the output channels of the stages of block ``b``; the stages are
    numbered 0, 1, ... across all blocks (MTL-NAS's stages). Stage ``i`` computes
    ``relu(norms[i](convs[i](enter(x, i))))``, where ``enter`` max-pools the input of the
    first stage of every block after the first. The convolutions have no bias (a batch norm
    follows). The head averages the last feature map down to ``head_pool`` × ``head_pool``
    cells (so it keeps coarse position, e.g. which digit is on the left) and applies one
    linear layer.

    Args:
        in_channels: colour channels of the input images.
        num_classes: number of output logits.
        blocks: output channels of each stage, grouped by block.
        head_pool: side of the pooled grid the head sees.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 10,
        *,
        blocks: Sequence[Sequence[int]] = ((16, 16), (32, 32), (64, 64)),
        head_pool: int = 2,
    ) -> None:
        super().__init__()
        for name, value in (
            ("in_channels", in_channels),
            ("num_classes", num_classes),
            ("head_pool", head_pool),
        ):
            positive_int(name, value)
        widths = [list(block) for block in blocks]
        if not widths or any(not b for b in widths):
            raise InvalidSettingError(f"blocks must be non-empty lists of widths, got {blocks!r}")
        flat = [w for block in widths for w in block]
        if any((as_int(w) or 0) < 1 for w in flat):
            raise InvalidSettingError(f"every stage width must be an integer >= 1, got {blocks!r}")
        self.block_of_stage: tuple[int, ...] = tuple(
            b for b, block in enumerate(widths) for _ in block
        )
        self.stage_channels: tuple[int, ...] = tuple(flat)
        inputs = [in_channels, *flat[:-1]]
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, kernel_size=3, padding=1, bias=False)
            for c_in, c_out in zip(inputs, flat, strict=True)
        )
        self.norms = nn.ModuleList(nn.BatchNorm2d(c) for c in flat)
        self.head_pool = head_pool
        self.classifier = nn.Linear(flat[-1] * head_pool * head_pool, num_classes)

    @property
    def num_stages(self) -> int:
        """Number of stages (convolution layers)."""
        return len(self.convs)

    def enter(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        """The input of ``stage`` from the previous stage's output (pooled at a new block)."""
        new_block = stage > 0 and self.block_of_stage[stage] != self.block_of_stage[stage - 1]
        return F.max_pool2d(x, 2) if new_block else x

    def conv(self, x: torch.Tensor, stage: int) -> torch.Tensor:
        """The convolution of ``stage`` (before its batch norm) on the previous output."""
        return self.convs[stage](self.enter(x, stage))

    def activate(self, z: torch.Tensor, stage: int) -> torch.Tensor:
        """Batch norm and ReLU of ``stage`` applied to ``z``."""
        return F.relu(self.norms[stage](z))

    def head(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits from the last stage's output."""
        pooled = F.adaptive_avg_pool2d(x, self.head_pool)
        return self.classifier(torch.flatten(pooled, start_dim=1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape ``(N, num_classes)``."""
        for stage in range(self.num_stages):
            x = self.activate(self.conv(x, stage), stage)
        return self.head(x)
