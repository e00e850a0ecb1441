"""Markdown summary of a run."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tasknas.report._run import RunReport


def _fmt(value: float | None) -> str:
    return "–" if value is None else f"{value:.4g}"


def markdown_summary(report: RunReport, *, top: int = 5) -> str:
    """The run's settings, the best architecture per task and each task's top ``top``."""
    from tasknas.report._run import task_rows

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
        lines.append(
            f"| {name} | `{row['best_arch']}` | {task.metric} | {_fmt(value)} | {_fmt(test)} | "
            f"{row['rank'] or '–'} | {_fmt(row['percentile'])} | {row['evaluations']} |"
        )
    for name in rows:
        task = report.benchmark.task(name)
        own = [r for r in report.result.records if r.task == name and r.result.ok]
        own.sort(key=lambda r: (-r.result.objective, r.number))
        lines += [
            "",
            f"## {name}: top {min(top, len(own))}",
            "",
            f"| # | evaluation | architecture | {task.metric} |",
            "|---|---|---|---|",
        ]
        for i, r in enumerate(own[:top], start=1):
            lines.append(
                f"| {i} | {r.number} | `{r.arch}` | {_fmt(r.result.metrics[task.metric])} |"
            )
    lines += ["", "![convergence](convergence.png)", ""]
    return "\n".join(lines)
