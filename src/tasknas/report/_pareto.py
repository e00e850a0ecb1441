"""Each task's Pareto front of a run (objective vs parameters): a plot and a markdown part.

The front is computed from the run's records (``tasknas.size.pareto_rows``), so every run of
a benchmark that counts parameters has one, whatever its strategy or objectives.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from tasknas.report._figures import pyplot, save_figure
from tasknas.report._markdown import markdown_cell
from tasknas.size import param_counter, pareto_fronts, pareto_rows, record_params

if TYPE_CHECKING:
    from tasknas.report._run import RunReport


def plot_pareto(report: RunReport, path: str | Path) -> Path | None:
    """Every evaluated architecture (grey) and the Pareto front (line) of each task:
    parameters (x, log scale) against the task's metric. ``None`` when the benchmark counts
    no parameters."""
    bench = report.benchmark
    counter = param_counter(bench)
    fronts = pareto_fronts(report.result.records, report.settings.tasks, bench)
    if fronts is None:
        return None
    plt = pyplot()
    tasks = list(fronts)
    cols = min(3, len(tasks))
    rows = -(-len(tasks) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.4 * cols, 3.4 * rows), squeeze=False)
    for ax, task in zip(axes.flat, tasks, strict=False):
        spec = bench.task(task)
        xs, ys = [], []
        for record in report.result.records:
            if record.task == task and record.result.ok:
                params = record_params(record, counter, bench.space)
                if params is not None:
                    xs.append(params)
                    ys.append(record.result.metrics.get(spec.metric, record.result.objective))
        ax.scatter(xs, ys, s=9, color="0.7", label="evaluated")
        front = fronts[task]
        if front:
            ax.plot(
                [r["params"] for r in front],
                [r["value"] for r in front],
                marker="o",
                markersize=4,
                drawstyle="steps-post",
                color="C3",
                label=f"Pareto front ({len(front)})",
            )
        if report.settings.max_params is not None:
            ax.axvline(report.settings.max_params, color="grey", linestyle="--", linewidth=1)
        ax.set_xscale("log")
        ax.set_title(task)
        ax.set_xlabel("parameters")
        ax.set_ylabel(spec.metric)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(tasks) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{report.settings.strategy} on {report.settings.benchmark}: Pareto fronts")
    fig.tight_layout()
    return save_figure(fig, plt, path)


def pareto_markdown(report: RunReport) -> list[str]:
    """The "Pareto fronts" part of ``summary.md`` (no lines when the benchmark counts no
    parameters)."""
    bench = report.benchmark
    if param_counter(bench) is None:
        return []
    s = report.settings
    lines = [
        "",
        "## Pareto fronts: metric vs parameters",
        "",
        "Non-dominated evaluated architectures of each task (higher metric, fewer parameters"
        + (f"; at most {s.max_params:,} parameters" if s.max_params is not None else "")
        + (f"; objectives: {', '.join(s.objectives)} (NSGA-II)" if len(s.objectives) > 1 else "")
        + ").",
    ]
    for task in s.tasks:
        metric = bench.task(task).metric
        rows = pareto_rows(report.result.records, task, bench) or []
        lines += [
            "",
            f"### {markdown_cell(task)}: {len(rows)} on the front",
            "",
            f"| architecture | {markdown_cell(metric)} | parameters |",
            "|---|---|---|",
        ]
        lines += [
            f"| {markdown_cell(r['arch'], code=True)} | {r['value']:.4g} | {r['params']:,} |"
            for r in rows
        ]
    lines += ["", "![Pareto fronts](pareto.png)"]
    return lines
