"""Reports of finished runs: tables, markdown and plots."""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.report._cells import cell_graphs, draw_cells, draw_run_cells
    from tasknas.report._convergence import plot_convergence
    from tasknas.report._figures import (
        plot_convergence_bands,
        plot_positive_transfer,
        plot_task_correlations,
        task_correlations,
    )
    from tasknas.report._markdown import markdown_cell
    from tasknas.report._run import RunReport, load_run, task_rows, write_report
    from tasknas.report._summary import markdown_summary

__all__ = [
    "RunReport",
    "cell_graphs",
    "draw_cells",
    "draw_run_cells",
    "load_run",
    "markdown_cell",
    "markdown_summary",
    "plot_convergence",
    "plot_convergence_bands",
    "plot_positive_transfer",
    "plot_task_correlations",
    "task_correlations",
    "task_rows",
    "write_report",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "cell_graphs": "tasknas.report._cells",
        "draw_cells": "tasknas.report._cells",
        "draw_run_cells": "tasknas.report._cells",
        "plot_convergence": "tasknas.report._convergence",
        "plot_convergence_bands": "tasknas.report._figures",
        "plot_positive_transfer": "tasknas.report._figures",
        "plot_task_correlations": "tasknas.report._figures",
        "task_correlations": "tasknas.report._figures",
        "RunReport": "tasknas.report._run",
        "load_run": "tasknas.report._run",
        "task_rows": "tasknas.report._run",
        "write_report": "tasknas.report._run",
        "markdown_summary": "tasknas.report._summary",
        "markdown_cell": "tasknas.report._markdown",
    },
)
