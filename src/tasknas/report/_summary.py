"""Markdown summary of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasknas.report._markdown import markdown_cell

if TYPE_CHECKING:
    from tasknas.report._run import RunReport


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def markdown_summary(report: RunReport, *, top: int = 5) -> str:
    """The run's settings, the best architecture per task and each task's top ``top``.

    Every value is in its metric's own units (a loss is shown as a loss). The "evaluation"
    of a top-``top`` row is its number within its task (1 .. the task's evaluations, the
    x axis of the convergence plot), not the run's global trial number.
    """
    from tasknas.report._cells import cells_markdown
    from tasknas.report._pareto import pareto_markdown
    from tasknas.report._run import task_rows
    from tasknas.runner import ranked_records

    s = report.settings
    lines = [
        f"# tasknas run `{report.run_dir.name}`",
        "",
        f"- benchmark: `{s.benchmark}`; tasks: {', '.join(f'`{t}`' for t in s.tasks)}",
        f"- strategy: `{s.strategy}`; seed: {s.seed}; budget: {s.budget} distinct "
        "evaluations per task",
        f"- evaluations recorded: {len(report.result.records)}",
        "",
        "| task | best architecture | metric | value | test | rank | percentile (%) | evals |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = task_rows(report.result, report.benchmark)
    for name, row in rows.items():
        task = report.benchmark.task(name)
        value = row["metrics"].get(task.metric)
        test = row["metrics"].get(task.test_metric) if task.test_metric else None
        arch = "–" if row["best_arch"] is None else markdown_cell(row["best_arch"], code=True)
        lines.append(
            f"| {markdown_cell(name)} | {arch} | {markdown_cell(task.metric)} | {_fmt(value)} | "
            f"{_fmt(test)} | {row['rank'] or '–'} | {_fmt(row['percentile'])} | "
            f"{row['evaluations']} |"
        )
    for name in rows:
        task = report.benchmark.task(name)
        # numbered as on the plot's x axis, which counts every record of the task
        ranked = ranked_records(report.result.records, name)
        lines += [
            "",
            f"## {name}: top {min(top, len(ranked))}",
            "",
            f"| # | evaluation | architecture | {markdown_cell(task.metric)} |",
            "|---|---|---|---|",
        ]
        for place, (evaluation, r) in enumerate(ranked[:top], start=1):
            lines.append(
                f"| {place} | {evaluation} | {markdown_cell(r.arch, code=True)} | "
                f"{_fmt(r.result.metrics[task.metric])} |"
            )
    lines += ["", "![convergence](convergence.png)"]
    lines += cells_markdown(report)
    lines += [*pareto_markdown(report), ""]
    return "\n".join(lines)
