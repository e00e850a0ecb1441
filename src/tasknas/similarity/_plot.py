"""Heatmap of a task-distance matrix, drawn without pyplot (no global figure state)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["plot_heatmap"]


def plot_heatmap(
    names: Sequence[str], values: np.ndarray, path: Path, *, title: str | None = None
) -> Path:
    """Draw ``values`` (rows: base tasks, columns: targets) with annotated cells to ``path``.

    The file format follows the suffix of ``path`` (``.png``, ``.pdf``, ``.svg``, ...).
    """
    from matplotlib.figure import Figure  # lazy: plotting is optional at import time

    size = 1.5 + 0.6 * len(names)
    figure = Figure(figsize=(size + 1.5, size))
    axes = figure.add_subplot()
    image = axes.imshow(values, cmap="viridis", vmin=0.0)
    figure.colorbar(image, ax=axes, label="Fisher task distance")
    axes.set_xticks(range(len(names)), labels=names, rotation=45, ha="right")
    axes.set_yticks(range(len(names)), labels=names)
    axes.set_xlabel("target task")
    axes.set_ylabel("base task")
    if title:
        axes.set_title(title)
    middle = (float(np.nanmax(values)) + float(np.nanmin(values))) / 2 if values.size else 0.0
    for (row, column), value in np.ndenumerate(values):
        colour = "black" if value > middle else "white"
        axes.text(column, row, f"{value:.3f}", ha="center", va="center", color=colour, fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=150, bbox_inches="tight")
    return path
