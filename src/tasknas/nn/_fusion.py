"""MTL-NAS's search space: candidate cross-task edges, the fusion layer and gate entropy.

Stages are numbered 0, 1, ... in every backbone (all backbones share one stage layout).
An *edge* carries the feature of stage ``j`` of one task into stage ``i`` of another task.
It is a candidate when ``j <= i``, ``i - j < limit`` and both stages lie in the same block
(so the two feature maps have the same resolution), as in Gao et al., "MTL-NAS: Task-Agnostic
Neural Architecture Search towards General-Purpose Multi-Task Learning" (CVPR 2020).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

from tasknas._validation import check_int
from tasknas.errors import InvalidSettingError

__all__ = ["FusionEdge", "StageFusion", "bernoulli_entropy", "candidate_edges", "check_edge"]


class FusionEdge(NamedTuple):
    """Stage ``source_stage`` of task ``source_task`` feeds stage ``target_stage`` of task
    ``target_task`` (task and stage indices from 0)."""

    source_task: int
    source_stage: int
    target_task: int
    target_stage: int


def candidate_edges(
    block_of_stage: Sequence[int], *, num_tasks: int = 2, limit: int = 3
) -> tuple[FusionEdge, ...]:
    """Every candidate edge between ``num_tasks`` backbones whose stage ``i`` is in block
    ``block_of_stage[i]``, ordered by target task, target stage, source task, source stage.

    Raises:
        InvalidSettingError: ``num_tasks`` below 2 or ``limit`` below 1.
    """
    for name, value, low in (("num_tasks", num_tasks, 2), ("limit", limit, 1)):
        check_int(name, value, low)
    blocks = list(block_of_stage)
    return tuple(
        FusionEdge(source, j, target, i)
        for target in range(num_tasks)
        for i in range(len(blocks))
        for source in range(num_tasks)
        if source != target
        for j in range(i + 1)
        if i - j < limit and blocks[j] == blocks[i]
    )


def check_edge(edge: FusionEdge, block_of_stage: Sequence[int], num_tasks: int) -> FusionEdge:
    """``edge`` as a ``FusionEdge`` if it joins two tasks within one block going forward.

    Raises:
        InvalidSettingError: an index is out of range, the tasks are equal, the source stage
            comes after the target stage, or the stages lie in different blocks.
    """
    edge = FusionEdge(*edge)
    stages = len(block_of_stage)
    tasks_ok = all(0 <= t < num_tasks for t in (edge.source_task, edge.target_task))
    stages_ok = all(0 <= s < stages for s in (edge.source_stage, edge.target_stage))
    if not (tasks_ok and stages_ok) or edge.source_task == edge.target_task:
        raise InvalidSettingError(
            f"edge {tuple(edge)} must join two different tasks in 0..{num_tasks - 1} "
            f"at stages in 0..{stages - 1}"
        )
    same_block = block_of_stage[edge.source_stage] == block_of_stage[edge.target_stage]
    if edge.source_stage > edge.target_stage or not same_block:
        raise InvalidSettingError(
            f"edge {tuple(edge)} must go from a stage to the same or a later stage of the "
            f"same block; blocks of the stages: {list(block_of_stage)}"
        )
    return edge


def bernoulli_entropy(logits: torch.Tensor) -> torch.Tensor:
    """Entropy (nats) of Bernoulli(sigmoid(logits)), elementwise; ``log 2`` at 0, → 0 as
    ``|logits|`` grows. Computed from softplus, so it is finite for any logit."""
    return torch.sigmoid(logits) * F.softplus(-logits) + torch.sigmoid(-logits) * F.softplus(logits)


class StageFusion(nn.Module):
    """Fuse gated features of other tasks into one stage's own (pre-normalisation) feature.

    MTL-NAS concatenates the own feature with the gated source features and applies a 1×1
    convolution initialised as ``[I, 0, ..., 0]``; batch norm and ReLU follow (here: the
    stage's own). In tasknas the own-path block stays the identity: since the stage's
    3×3 convolution comes right before it with nothing nonlinear in between, a trainable
    own path would only re-parametrise that convolution. So the output is
    ``own + W · concat(g_1 s_1, ..., g_k s_k)`` with ``W`` (``cross``) starting at zero:
    closed gates give exactly the single-task feature, before and after training.

    Args:
        own_channels: channels of the target stage.
        source_channels: channels of each incoming edge's source feature, in edge order.
    """

    def __init__(self, own_channels: int, source_channels: Sequence[int]) -> None:
        super().__init__()
        self.source_channels = tuple(source_channels)
        self.cross = nn.Conv2d(sum(self.source_channels), own_channels, 1, bias=False)
        nn.init.zeros_(self.cross.weight)

    def forward(
        self, own: torch.Tensor, sources: Sequence[torch.Tensor], gates: torch.Tensor
    ) -> torch.Tensor:
        """``own`` plus the 1×1 convolution of the sources, each scaled by its gate."""
        gated = torch.cat([gate * s for gate, s in zip(gates, sources, strict=True)], dim=1)
        return own + self.cross(gated)

    def slices(self) -> list[torch.Tensor]:
        """The weight block ``(own_channels, C_k, 1, 1)`` of each incoming edge."""
        return list(torch.split(self.cross.weight, self.source_channels, dim=1))
