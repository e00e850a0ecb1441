"""``MTLResult``: what an MTL-NAS run found and how it compares with its baselines."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tasknas.nn import FusionEdge, MTLNetwork

__all__ = ["NETWORKS", "MTLResult", "edge_names", "stage_name"]

#: The three networks compared, in report order.
NETWORKS = ("single_task", "all_edges", "searched")


def stage_name(task: str, stage: int) -> str:
    """``"left/stage3"`` for stage index 2 of task ``left`` (stages count from 1)."""
    return f"{task}/stage{stage + 1}"


def edge_names(edge: FusionEdge, tasks: tuple[str, ...]) -> tuple[str, str]:
    """``(source, target)`` stage names of ``edge``."""
    return (
        stage_name(tasks[edge.source_task], edge.source_stage),
        stage_name(tasks[edge.target_task], edge.target_stage),
    )


@dataclass(frozen=True, eq=False)
class MTLResult:
    """The outcome of ``mtl_search``.

    Attributes:
        dataset: the multi-task set's name.
        tasks: task names, in label-column order.
        accuracy: task -> network (``NETWORKS``) -> test accuracy in percent.
        candidates: every candidate edge as ``(source, target)`` stage names.
        alpha: the final logit of each candidate edge, in ``candidates`` order.
        edges: the chosen edges (alpha > 0), as ``(source, target)`` stage names.
        gate_entropy: final mean Bernoulli entropy of sigmoid(alpha), in nats.
        entropy_history: the mean gate entropy after each search epoch.
        params: network -> parameter count. ``single_task``: the backbones;
            ``all_edges``: plus every edge's fusion weights; ``searched``: plus the chosen
            edges' fusion weights only (the network ``network`` holds).
        stage_channels: output channels of each backbone stage (for figures).
        block_of_stage: block of each backbone stage.
        seconds: wall time of the whole run.
        network: the searched network with only the chosen edges (hard gates), on the CPU.
        search_start: where the search started (``MTLSettings.search_start``).
        epochs: network -> epochs of training after pretraining. Every network has the
            same: ``epochs``, or twice that when the search starts from the trained
            all-edges supernet (each baseline then trains as long as the search).
    """

    dataset: str
    tasks: tuple[str, ...]
    accuracy: dict[str, dict[str, float]]
    candidates: tuple[tuple[str, str], ...]
    alpha: tuple[float, ...]
    edges: tuple[tuple[str, str], ...]
    gate_entropy: float
    entropy_history: tuple[float, ...]
    params: dict[str, int]
    stage_channels: tuple[int, ...]
    block_of_stage: tuple[int, ...]
    seconds: float
    network: MTLNetwork | None = field(default=None, repr=False)
    search_start: str = "pretrained"
    epochs: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``tasknas mtl --json`` object: dataset, tasks, edges, gate_entropy, params,
        search_start, epochs."""
        return {
            "dataset": self.dataset,
            "tasks": {t: {n: self.accuracy[t][n] for n in NETWORKS} for t in self.tasks},
            "edges": [list(edge) for edge in self.edges],
            "gate_entropy": self.gate_entropy,
            "params": {n: self.params[n] for n in NETWORKS},
            "search_start": self.search_start,
            "epochs": dict(self.epochs),
        }
