"""Figures of multi-strategy comparisons (KTNAS paper Figs. 2, 5 and 6)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tasknas.benchmarks import TabularBenchmark
from tasknas.errors import DataFileError

if TYPE_CHECKING:
    from tasknas.compare import CompareResult


def pyplot() -> Any:
    """matplotlib's pyplot on the non-interactive Agg backend (imported on first use)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_convergence_bands(
    result: CompareResult, bench: TabularBenchmark, path: str | Path
) -> Path:
    """Best value so far against evaluations, mean ± one std over seeds, one panel per task."""
    plt = pyplot()
    tasks = list(result.tasks)
    cols = min(3, len(tasks))
    rows = -(-len(tasks) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.3 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        spec = bench.task(task)
        for strategy, per_task in result.summaries.items():
            curves = np.array([[spec.value(v) for v in c] for c in per_task[task].curves])
            if curves.size == 0:
                continue
            x = np.arange(1, curves.shape[1] + 1)
            mean, std = curves.mean(axis=0), curves.std(axis=0)
            (line,) = ax.plot(x, mean, label=strategy, linewidth=1.4)
            ax.fill_between(x, mean - std, mean + std, color=line.get_color(), alpha=0.18)
        ax.axhline(
            spec.value(bench.best_objective(task)), color="grey", linestyle="--", linewidth=1
        )
        ax.set_title(task)
        ax.set_xlabel("evaluations")
        ax.set_ylabel(f"best {spec.metric}")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(tasks) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{result.benchmark}: mean ± std over seeds")
    fig.tight_layout()
    return save_figure(fig, plt, path)


def plot_positive_transfer(result: CompareResult, path: str | Path) -> Path | None:
    """Share of transferred architectures labelled positive, per generation and strategy
    (all tasks and seeds pooled). ``None`` when no strategy transferred anything."""
    shares: dict[str, dict[int, list[int]]] = {}
    for run in result.runs:
        for entry in run.transfer_log:
            per_gen = shares.setdefault(run.strategy, defaultdict(lambda: [0, 0]))
            per_gen[entry["generation"]][0] += entry["positive"]
            per_gen[entry["generation"]][1] += entry["transferred"]
    if not shares:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for strategy, per_gen in shares.items():
        gens = sorted(g for g, (_, n) in per_gen.items() if n > 0)
        ax.plot(
            gens, [100 * per_gen[g][0] / per_gen[g][1] for g in gens], marker=".", label=strategy
        )
    ax.set_xlabel("generation")
    ax.set_ylabel("positive transfers (%)")
    ax.set_ylim(0, 100)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"{result.benchmark}: transferred architectures labelled positive")
    fig.tight_layout()
    return save_figure(fig, plt, path)


def task_correlations(bench: TabularBenchmark) -> tuple[list[str], np.ndarray]:
    """Spearman rank correlation of the objectives of every pair of the benchmark's tasks."""
    from scipy.stats import spearmanr

    tasks = list(bench.tasks)
    matrix = np.eye(len(tasks))
    for i, a in enumerate(tasks):
        for j in range(i + 1, len(tasks)):
            rho = float(spearmanr(bench.objectives(a), bench.objectives(tasks[j])).statistic)
            matrix[i, j] = matrix[j, i] = rho
    return tasks, matrix


def plot_task_correlations(bench: TabularBenchmark, path: str | Path) -> Path:
    """Heatmap of the Spearman rank correlations between the benchmark's tasks."""
    plt = pyplot()
    tasks, matrix = task_correlations(bench)
    fig, ax = plt.subplots(figsize=(1.0 + 0.9 * len(tasks), 0.8 + 0.8 * len(tasks)))
    image = ax.imshow(matrix, vmin=-1, vmax=1, cmap="RdBu_r")
    ax.set_xticks(range(len(tasks)), tasks, rotation=45, ha="right")
    ax.set_yticks(range(len(tasks)), tasks)
    for i in range(len(tasks)):
        for j in range(len(tasks)):
            ax.text(j, i, f"{matrix[i, j]:.2f}", ha="center", va="center", fontsize=8)
    fig.colorbar(image, ax=ax, label="Spearman ρ")
    ax.set_title(f"{bench.name}: rank correlation between tasks")
    fig.tight_layout()
    return save_figure(fig, plt, path)


def save_figure(fig: Any, plt: Any, path: str | Path) -> Path:
    """Save ``fig`` as a PNG at ``path`` (creating its folder) and close it.

    Raises:
        DataFileError: the file cannot be written (a full disk, a folder in its place).
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fig.savefig(path, dpi=120)
    except OSError as error:
        raise DataFileError(f"cannot write {path}: {error.strerror or error}") from None
    finally:
        plt.close(fig)
    return path
