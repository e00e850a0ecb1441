"""Figure of an MTL-NAS result: the backbones as columns of stages, chosen edges as arrows.

Drawn with matplotlib's object API (no pyplot, no global figure state).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasknas.oneshot.mtl._result import MTLResult

__all__ = ["default_plot_path", "plot_mtl_edges"]

RUNS_ENV = "TASKNAS_RUNS_DIR"
_COLUMN, _ROW, _BOX_W, _BOX_H = 3.0, 1.0, 1.3, 0.6


def default_plot_path(dataset: str, seed: int) -> Path:
    """``$TASKNAS_RUNS_DIR`` (or ``./runs``) / ``mtl-<dataset>-seed<S>-edges.png``."""
    stem = Path(dataset).stem if dataset.lower().endswith(".npz") else dataset
    return Path(os.environ.get(RUNS_ENV) or "runs") / f"mtl-{stem}-seed{seed}-edges.png"


def plot_mtl_edges(result: MTLResult, path: str | os.PathLike[str]) -> Path:
    """Draw ``result``'s backbones and edges to ``path`` (format from its suffix).

    Each column is one task's backbone, stage 1 at the top; dashed lines mark the pooling
    between blocks. Candidate edges are faint grey, chosen edges (alpha > 0) solid blue
    arrows.
    """
    from matplotlib.figure import Figure  # lazy: plotting is optional at import time
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    tasks, stages = result.tasks, len(result.stage_channels)
    figure = Figure(figsize=(2.2 + 2.4 * len(tasks), 1.4 + 0.75 * stages))
    axes = figure.add_subplot()
    where = {}
    for t, task in enumerate(tasks):
        axes.text(t * _COLUMN, 0.8, task, ha="center", va="bottom", fontweight="bold")
        for i, channels in enumerate(result.stage_channels):
            x, y = t * _COLUMN, -i * _ROW
            where[f"{task}/stage{i + 1}"] = (x, y)
            box = FancyBboxPatch(
                (x - _BOX_W / 2, y - _BOX_H / 2),
                _BOX_W,
                _BOX_H,
                boxstyle="round,pad=0.05",
                facecolor="#f2f2f2",
                edgecolor="#444444",
            )
            axes.add_patch(box)
            axes.text(x, y, f"stage {i + 1}\n{channels} ch", ha="center", va="center", fontsize=8)
    for i in range(1, stages):
        if result.block_of_stage[i] != result.block_of_stage[i - 1]:
            y = -(i - 0.5) * _ROW
            axes.plot(
                [-_BOX_W, (len(tasks) - 1) * _COLUMN + _BOX_W],
                [y, y],
                linestyle=":",
                color="#999999",
                linewidth=0.8,
            )
            axes.text(
                (len(tasks) - 1) * _COLUMN + _BOX_W,
                y,
                " pool",
                va="center",
                fontsize=7,
                color="#777777",
            )
    chosen = set(result.edges)
    for source, target in result.candidates:
        (x0, y0), (x1, y1) = where[source], where[target]
        side = 1 if x1 > x0 else -1
        start, end = (x0 + side * _BOX_W / 2, y0), (x1 - side * _BOX_W / 2, y1)
        on = (source, target) in chosen
        arrow = FancyArrowPatch(
            start,
            end,
            arrowstyle="-|>",
            mutation_scale=10 if on else 6,
            connectionstyle="arc3,rad=0.12",  # the two directions bow apart
            color="#1f5fbf" if on else "#d0d0d0",
            linewidth=1.8 if on else 0.6,
            zorder=3 if on else 1,
        )
        axes.add_patch(arrow)
    axes.set_xlim(-_COLUMN / 2, (len(tasks) - 0.5) * _COLUMN)
    axes.set_ylim(-(stages - 0.3) * _ROW, 1.3)
    axes.set_axis_off()
    axes.set_title(
        f"MTL-NAS on {result.dataset}: {len(result.edges)} of {len(result.candidates)} "
        f"edges chosen (gate entropy {result.gate_entropy:.3f})",
        fontsize=9,
    )
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=150, bbox_inches="tight")
    return out
