"""``tasknas compare``."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tasknas._validation import check_output_dir
from tasknas.benchmarks import TabularBenchmark, get_benchmark
from tasknas.cli._common import (
    AddressOption,
    ExecutorOption,
    VerboseOption,
    WorkersOption,
    announce_written,
    files_in,
    handle_errors,
    out,
    print_json,
    progress_bar,
    split_names,
    task_names,
)
from tasknas.compare import CompareResult, TaskSummary, compare_strategies, paired_summaries
from tasknas.errors import InvalidSettingError
from tasknas.execution import make_executor


def _fmt(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _evals_cell(summary: TaskSummary) -> str:
    """Mean ± std of the evaluations to the optimum over the seeds that found it; the spread
    of a single seed is undefined and shown as ``–`` with its ``n``."""
    if summary.evals_to_optimum_mean is None:
        return "–"
    n = summary.found_optimum
    spread = "–" if summary.evals_to_optimum_std is None else f"{summary.evals_to_optimum_std:.1f}"
    return f"{summary.evals_to_optimum_mean:.1f} ± {spread}" + (" (n=1)" if n < 2 else "")


def _paired_table(result: CompareResult, baseline: str) -> Table:
    table = Table(
        title=f"paired difference vs {baseline} (strategy - {baseline}, mean [95% CI], "
        "* = CI excludes 0; best value in the metric's own units)"
    )
    for column in ("strategy", "task"):
        table.add_column(column, no_wrap=True)
    for column in ("percentile (pp)", "best value", "evals to optimum (cap = budget)"):
        table.add_column(column)
    for strategy, per_task in paired_summaries(result, baseline).items():
        for task, d in per_task.items():
            table.add_row(
                strategy,
                task,
                d["percentile"].format(),
                d["best_value"].format(),
                d["evals_to_optimum"].format(),
            )
    return table


@handle_errors
def compare(
    strategies: Annotated[
        str, typer.Option(help="Comma-separated strategy names (see `tasknas info`).")
    ],
    benchmark: Annotated[str, typer.Option(help="Benchmark name.")] = "nb201",
    tasks: Annotated[
        str | None, typer.Option(help="Comma-separated task names. [default: all]")
    ] = None,
    seeds: Annotated[int, typer.Option(help="Number of seeds (0 .. N-1) per strategy.")] = 10,
    budget: Annotated[
        int,
        typer.Option(
            help="Distinct evaluations per task and run (capped at a finite space's size, with a warning)."
        ),
    ] = 200,
    plots: Annotated[
        Path | None,
        typer.Option(
            help="Folder for the figures (convergence bands, positive transfers, task correlations)."
        ),
    ] = None,
    executor: ExecutorOption = None,
    workers: WorkersOption = None,
    address: AddressOption = None,
    baseline: Annotated[
        str | None,
        typer.Option(
            help="Strategy to compare every other with, seed by seed: the paired difference "
            "(strategy - baseline) with its 95% confidence interval, in a second table and "
            'under "paired" in --json. Added to the run if not among --strategies.'
        ),
    ] = None,
    until_optimum: Annotated[
        bool,
        typer.Option(
            "--until-optimum",
            help="Stop each task once its validation optimum is evaluated (--budget is then "
            "the cap): evaluations to the optimum, at a fraction of the time. Percentiles and "
            "best values then describe the stopped runs, and a multi-task strategy's other "
            "tasks get no new results from a stopped task.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """Run strategies over seeds and compare evaluations-to-optimum, best values and percentiles.

    Each run (strategy, seed) is one job of --executor; the numbers do not depend on it.
    """
    names = split_names(strategies)
    if not names:
        raise InvalidSettingError("--strategies needs at least one strategy name")
    if baseline is not None and baseline not in names:
        names = (*names, baseline)
    if seeds < 1:
        raise InvalidSettingError(f"--seeds must be >= 1, got {seeds}")
    if plots is not None:
        check_output_dir(plots, "--plots")  # before the runs, not after
    bench = get_benchmark(benchmark)
    runner = make_executor(executor, workers=workers, address=address)  # before the bar
    # stdout holds only the table or the JSON: Ray's messages about dead workers go to stderr
    with runner, contextlib.redirect_stdout(sys.stderr), progress_bar(as_json) as report:
        report(f"compare on {benchmark}", 0, len(names) * seeds)
        result = compare_strategies(
            benchmark,
            names,
            tasks=task_names(tasks),
            seeds=seeds,
            budget=budget,
            progress=report,
            executor=runner,
            until_optimum=until_optimum,
        )
    existed = set() if plots is None else files_in(plots)
    if as_json:
        print_json(result.to_json(baseline))
        announce_written(_write_plots(result, bench, plots), existed, as_json=True)
        return
    stop = ", each task stopped at its optimum" if until_optimum else ""
    table = Table(title=f"{benchmark}: {seeds} seeds, budget {result.budget} per task{stop}")
    for column in ("strategy", "task"):
        table.add_column(column, no_wrap=True)
    for column in ("evals to optimum", "found", "best value", "test", "percentile (%)"):
        table.add_column(column)
    for strategy, per_task in result.summaries.items():
        for task, s in per_task.items():
            table.add_row(
                strategy,
                task,
                _evals_cell(s),
                f"{s.found_optimum}/{s.seeds}",
                _fmt(s.best_value_mean),
                _fmt(s.test_metric_mean),
                _fmt(s.percentile_mean, 3),
            )
    out.print(table)
    if baseline is not None:
        out.print(_paired_table(result, baseline))
    announce_written(_write_plots(result, bench, plots), existed)


def _write_plots(result: CompareResult, bench: TabularBenchmark, plots: Path | None) -> list[Path]:
    """The figures of ``--plots``, written after the results are printed (so a figure that
    cannot be written loses none of them)."""
    if plots is None:
        return []
    from tasknas.report import (
        plot_convergence_bands,
        plot_positive_transfer,
        plot_task_correlations,
    )

    written = [plot_convergence_bands(result, bench, plots / "convergence.png")]
    positive = plot_positive_transfer(result, plots / "positive_transfer.png")
    if positive is not None:
        written.append(positive)
    written.append(plot_task_correlations(bench, plots / "task_correlations.png"))
    return written
