"""Reports of finished runs: tables, markdown and plots."""

from tasknas.report._convergence import plot_convergence
from tasknas.report._figures import (
    plot_convergence_bands,
    plot_positive_transfer,
    plot_task_correlations,
    task_correlations,
)
from tasknas.report._run import RunReport, load_run, task_rows, write_report
from tasknas.report._summary import markdown_summary

__all__ = [
    "RunReport",
    "load_run",
    "markdown_summary",
    "plot_convergence",
    "plot_convergence_bands",
    "plot_positive_transfer",
    "plot_task_correlations",
    "task_correlations",
    "task_rows",
    "write_report",
]
