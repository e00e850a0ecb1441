"""``tasknas query``: look an architecture up in a tabular benchmark."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from tasknas._validation import check_distinct_tasks
from tasknas.benchmarks import get_benchmark
from tasknas.cli._common import (
    VerboseOption,
    handle_errors,
    out,
    print_json,
    task_names,
)


@handle_errors
def query(
    arch: Annotated[
        str,
        typer.Argument(
            help="Architecture string, e.g. '|nor_conv_3x3~0|+|...|' or '64-41414-3_33_333'."
        ),
    ],
    benchmark: Annotated[str, typer.Option(help="Benchmark name (see `tasknas info`).")] = "nb201",
    tasks: Annotated[
        str | None, typer.Option(help="Comma-separated task names. [default: all]")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """Show an architecture's recorded metrics, rank and percentile on each task."""
    bench = get_benchmark(benchmark)
    genotype = bench.space.parse(arch)
    names = check_distinct_tasks(task_names(tasks) or tuple(bench.tasks))
    rows: dict[str, dict[str, Any]] = {}
    for name in names:
        result = bench.evaluate(genotype, name)
        rows[name] = {
            "objective": result.objective,
            "metrics": dict(result.metrics),
            "rank": bench.rank(genotype, name),
            "percentile": bench.percentile(genotype, name),
        }
    if as_json:
        print_json({"benchmark": benchmark, "arch": str(genotype), "tasks": rows})
        return
    table = Table(title=f"{genotype} on {benchmark}")
    for column in ("task", "metrics", "rank", "percentile (%)"):
        table.add_column(column)
    for name, row in rows.items():
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in row["metrics"].items())
        table.add_row(
            name, metrics, f"{row['rank']} / {bench.space.size}", f"{row['percentile']:.3g}"
        )
    out.print(table)
