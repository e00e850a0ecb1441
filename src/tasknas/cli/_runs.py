"""``tasknas runs``: the run directories of a folder and how far each search got."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from tasknas.cli._common import VerboseOption, handle_errors, out, print_json
from tasknas.errors import RunStoreError, TasknasError
from tasknas.experiment import RUNS_ENV, load_settings
from tasknas.storage import STORE_FILE, SQLiteStore


def _describe(run_dir: Path) -> dict[str, Any]:
    """One run directory: its settings and progress, or the one-line error of its store.

    The store is only read: ``SQLiteStore`` never creates tables in an existing file.
    """
    row: dict[str, Any] = {
        "run_dir": str(run_dir),
        "benchmark": None,
        "strategy": None,
        "tasks": [],
        "seed": None,
        "budget": None,
        "trials": None,
        "total": None,
        "finished": None,
        "error": None,
    }
    try:
        try:
            settings = load_settings(run_dir)
        except (TypeError, ValueError) as exc:  # settings JSON of a shape tasknas never wrote
            raise RunStoreError(
                f"run store {run_dir / STORE_FILE} is corrupted: malformed run settings ({exc})"
            ) from None
        if isinstance(settings.budget, bool) or not isinstance(settings.budget, int):
            raise RunStoreError(
                f"run store {run_dir / STORE_FILE} is corrupted: budget {settings.budget!r} "
                "is not an integer"
            )
        with SQLiteStore(run_dir / STORE_FILE) as store:
            done = Counter(record.task for record in store.records())
    except TasknasError as exc:
        row["error"] = row["state"] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return row
    tasks = [str(task) for task in settings.tasks] or sorted(done)
    trials = sum(min(done[task], settings.budget) for task in tasks)
    total = settings.budget * len(tasks)
    finished = bool(tasks) and trials >= total
    row.update(
        benchmark=settings.benchmark,
        strategy=settings.strategy,
        tasks=tasks,
        seed=settings.seed,
        budget=settings.budget,
        trials=trials,
        total=total,
        finished=finished,
        state=f"{trials} / {total} {'finished' if finished else 'unfinished'}",
    )
    return row


@handle_errors
def runs(
    runs_dir: Annotated[
        Path | None,
        typer.Argument(
            help="Folder holding the run directories. [default: $TASKNAS_RUNS_DIR or ./runs]",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    verbose: VerboseOption = False,
) -> None:
    """List the runs under a folder: settings and state (trials done / budget × tasks).

    A run is a folder holding the run.sqlite of `tasknas search`; a store that cannot be read
    is listed with its error as its state.
    """
    root = runs_dir if runs_dir is not None else Path(os.environ.get(RUNS_ENV) or "runs")
    if not root.is_dir():
        raise RunStoreError(f"no runs folder at {root}")
    rows = [
        _describe(child)
        for child in sorted(root.iterdir())
        if child.is_dir() and (child / STORE_FILE).exists()
    ]
    if as_json:
        print_json({"runs_dir": str(root), "runs": rows})
        return
    if not rows:
        out.print(f"no runs in {root}", markup=False)
        return
    table = Table(title=f"runs in {root}")
    for column in ("run", "benchmark", "strategy", "tasks", "seed", "budget", "state"):
        table.add_column(column, overflow="fold")
    for row in rows:
        cells = [
            Path(row["run_dir"]).name,
            row["benchmark"],
            row["strategy"],
            ", ".join(row["tasks"]) or None,
            row["seed"],
            row["budget"],
            row["state"],
        ]
        table.add_row(*("–" if cell is None else escape(str(cell)) for cell in cells))
    out.print(table)
