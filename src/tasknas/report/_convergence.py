"""Convergence plot: best objective so far against evaluations, one panel per task."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tasknas.evaluator import Oracle

if TYPE_CHECKING:
    from tasknas.report._run import RunReport


def plot_convergence(report: RunReport, path: str | Path) -> Path:
    """Save the convergence figure of ``report`` as a PNG at ``path``.

    Each panel shows the task's metric in its own units (a loss is plotted as a loss) and,
    for a tabular benchmark, a dashed line at its optimum.
    """
    from tasknas.report._figures import pyplot, save_figure

    plt = pyplot()
    tasks = list(report.result.tasks.values())
    cols = min(3, len(tasks))
    rows = -(-len(tasks) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.2 * rows), squeeze=False)
    for ax, res in zip(axes.flat, tasks, strict=False):
        task = report.benchmark.task(res.task)
        curve = [task.value(v) for v in res.best_so_far]
        ax.plot(range(1, len(curve) + 1), curve, color="tab:blue", label=report.settings.strategy)
        if isinstance(report.benchmark, Oracle):
            optimum = task.value(report.benchmark.best_objective(res.task))
            ax.axhline(
                optimum, color="grey", linestyle="--", linewidth=1, label="benchmark optimum"
            )
        ax.set_title(res.task)
        ax.set_xlabel("evaluations")
        ax.set_ylabel(f"best {task.metric}")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8, loc="lower right" if task.direction.value == "max" else "upper right")
    for ax in list(axes.flat)[len(tasks) :]:
        ax.set_visible(False)
    fig.suptitle(
        f"{report.settings.benchmark} - {report.settings.strategy} - seed {report.settings.seed}"
    )
    fig.tight_layout()
    return save_figure(fig, plt, path)
