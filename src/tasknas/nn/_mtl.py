"""``MTLNetwork``: fixed single-task backbones joined by gated cross-task fusion edges."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence

import torch
from torch import nn

from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.nn._fusion import (
    FusionEdge,
    StageFusion,
    bernoulli_entropy,
    candidate_edges,
    check_edge,
)
from tasknas.nn._gates import GATE_MODES
from tasknas.nn._vgg import VGGBackbone

__all__ = ["GATE_MODES", "MTLNetwork"]


class MTLNetwork(nn.Module):
    """Backbones (one per task, equal block layout) joined by gated fusion edges.

    At every stage ``i`` all tasks first run their stage convolution; task ``t`` then adds the
    gated features of its incoming edges (``StageFusion``) and applies the stage's batch norm
    and ReLU. The features sent along edges are the stages' convolution outputs before
    normalisation, so no fusion depends on another fusion of the same stage. ``forward``
    returns every task's logits concatenated along dim 1 (``split_logits`` separates them).

    Args:
        backbones: one ``VGGBackbone`` per task (two or more); they are used, not copied.
        edges: the edges to fuse; default all candidates (``candidate_edges``) for ``limit``.
        limit: depth limit of the candidate edges (when ``edges`` is not given).
        gate_mode: one of ``GATE_MODES``; may be changed between calls.
        temperature: of the ``gumbel`` gates; may be changed between calls.

    Raises:
        InvalidSettingError: fewer than two backbones, different block layouts, a bad edge.
        UnknownNameError: an unknown gate mode.
    """

    def __init__(
        self,
        backbones: Sequence[VGGBackbone],
        *,
        edges: Iterable[FusionEdge] | None = None,
        limit: int = 3,
        gate_mode: str = "sigmoid",
        temperature: float = 1.0,
    ) -> None:
        super().__init__()
        if len(backbones) < 2:
            raise InvalidSettingError(f"MTL-NAS needs two or more backbones, got {len(backbones)}")
        layouts = {tuple(b.block_of_stage) for b in backbones}
        if len(layouts) != 1:
            raise InvalidSettingError(
                f"backbones must share one block layout (stage -> block), got {sorted(layouts)}"
            )
        self.backbones = nn.ModuleList(backbones)
        blocks = backbones[0].block_of_stage
        if edges is None:
            edges = candidate_edges(blocks, num_tasks=len(backbones), limit=limit)
        self.edges: tuple[FusionEdge, ...] = tuple(
            check_edge(e, blocks, len(backbones)) for e in edges
        )
        if len(set(self.edges)) != len(self.edges):
            raise InvalidSettingError("edges must not repeat")
        self.alpha = nn.Parameter(torch.zeros(len(self.edges)))
        self.incoming: dict[tuple[int, int], list[int]] = {}
        for k, e in enumerate(self.edges):
            self.incoming.setdefault((e.target_task, e.target_stage), []).append(k)
        self.fusions = nn.ModuleDict(
            {
                f"{t}_{i}": StageFusion(
                    backbones[t].stage_channels[i],
                    [
                        backbones[self.edges[k].source_task].stage_channels[
                            self.edges[k].source_stage
                        ]
                        for k in ks
                    ],
                )
                for (t, i), ks in self.incoming.items()
            }
        )
        self.gate_mode = gate_mode
        self.temperature = temperature

    @property
    def gate_mode(self) -> str:
        """How the gates are computed (one of ``GATE_MODES``)."""
        return self._gate_mode

    @gate_mode.setter
    def gate_mode(self, mode: str) -> None:
        if mode not in GATE_MODES:
            raise UnknownNameError("gate mode", mode, GATE_MODES)
        self._gate_mode = mode

    @property
    def num_classes(self) -> tuple[int, ...]:
        """Number of logits of each task."""
        return tuple(b.classifier.out_features for b in self.backbones)

    def gates(self) -> torch.Tensor | None:
        """The gate of every edge in the current mode (``None`` for ``none``)."""
        mode, alpha = self.gate_mode, self.alpha
        if mode == "none":
            return None
        if mode == "all":
            return torch.ones_like(alpha)
        soft = torch.sigmoid(alpha)
        if mode == "sigmoid":
            return soft
        if mode == "hard":
            return (alpha > 0).to(alpha.dtype) + soft - soft.detach()
        u = torch.rand_like(alpha).clamp(1e-6, 1 - 1e-6)
        return torch.sigmoid((alpha + torch.log(u) - torch.log1p(-u)) / self.temperature)

    def gate_entropy(self) -> torch.Tensor:
        """Mean Bernoulli entropy of sigmoid(alpha) over the edges (0 without edges)."""
        if not len(self.edges):
            return self.alpha.sum() * 0.0
        return bernoulli_entropy(self.alpha).mean()

    def open_edges(self) -> list[int]:
        """Indices of the edges the hard gates keep (alpha > 0)."""
        return [k for k, a in enumerate(self.alpha.detach().tolist()) if a > 0]

    def weights(self) -> list[nn.Parameter]:
        """Every parameter except ``alpha`` (backbones and fusion layers)."""
        return [p for name, p in self.named_parameters() if name != "alpha"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Every task's logits, concatenated along dim 1."""
        gates = self.gates()
        tasks = range(len(self.backbones))
        hidden = [x for _ in tasks]
        convs: list[list[torch.Tensor]] = [[] for _ in tasks]
        for i in range(self.backbones[0].num_stages):
            for t in tasks:
                convs[t].append(self.backbones[t].conv(hidden[t], i))
            for t in tasks:
                z = convs[t][i]
                ks = self.incoming.get((t, i))
                if gates is not None and ks:
                    sources = [
                        convs[self.edges[k].source_task][self.edges[k].source_stage] for k in ks
                    ]
                    z = self.fusions[f"{t}_{i}"](z, sources, gates[ks])
                hidden[t] = self.backbones[t].activate(z, i)
        return torch.cat([b.head(h) for b, h in zip(self.backbones, hidden, strict=True)], dim=1)

    def split_logits(self, logits: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """The per-task blocks of ``forward``'s output."""
        return tuple(torch.split(logits, self.num_classes, dim=1))

    def edge_parameters(self, edges: Iterable[int]) -> int:
        """Weights of the fusion blocks of the edges with the given indices."""
        return sum(
            self.backbones[self.edges[k].target_task].stage_channels[self.edges[k].target_stage]
            * self.backbones[self.edges[k].source_task].stage_channels[self.edges[k].source_stage]
            for k in edges
        )

    def backbone_parameters(self) -> int:
        """Weights of the backbones (the single-task networks)."""
        return sum(p.numel() for b in self.backbones for p in b.parameters())

    def subnetwork(self, edges: Iterable[int]) -> MTLNetwork:
        """A copy with only the edges of the given indices, in ``hard`` mode with those
        gates open: the same function as this network in ``hard`` mode when ``edges`` are
        ``open_edges()``."""
        keep = sorted(set(edges))
        net = MTLNetwork(
            copy.deepcopy(list(self.backbones)),
            edges=[self.edges[k] for k in keep],
            gate_mode="hard",
        )
        with torch.no_grad():
            net.alpha.fill_(1.0)
            blocks = {
                key: dict(zip(self.incoming[key], fusion.slices(), strict=True))
                for key, fusion in ((k, self.fusions[f"{k[0]}_{k[1]}"]) for k in self.incoming)
            }
            for key, ks in net.incoming.items():
                weight = torch.cat([blocks[key][keep[k]] for k in ks], dim=1)
                net.fusions[f"{key[0]}_{key[1]}"].cross.weight.copy_(weight)
        return net.to(self.alpha.device).train(self.training)
