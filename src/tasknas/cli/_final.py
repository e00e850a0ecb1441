"""``tasknas final``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tasknas.cli._common import (
    ThreadsOption,
    VerboseOption,
    announce_written,
    err,
    files_in,
    handle_errors,
    out,
    print_json,
    set_threads,
)
from tasknas.cli._train_options import ChannelsOpt, DeviceOpt, NTrainOpt
from tasknas.errors import RunStoreError
from tasknas.final import FINAL_EPOCHS, finalize_run, write_final_report
from tasknas.storage import STORE_FILE


@handle_errors
def final(
    run_dir: Annotated[
        Path, typer.Argument(help="A run directory of `tasknas search --benchmark train`.")
    ],
    epochs: Annotated[
        int, typer.Option(help="Training epochs of each final network.", min=1)
    ] = FINAL_EPOCHS,
    channels: ChannelsOpt = None,
    n_train: NTrainOpt = None,
    device: DeviceOpt = None,
    threads: ThreadsOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Retrain the best architecture of each task of a run; report test accuracy.

    Uses the run's data and network settings (flags override them) and writes final.md and
    final.json into RUN_DIR.
    """
    if not (run_dir / STORE_FILE).is_file():
        raise RunStoreError(f"no run store at {run_dir / STORE_FILE}")
    set_threads(threads)
    overrides = {
        name: value
        for name, value in {"channels": channels, "n_train": n_train, "device": device}.items()
        if value is not None
    }

    def on_task(task: str, arch: str) -> None:
        if not as_json:
            err.print(f"training {task}: {arch} ({epochs} epochs)", markup=False)

    settings, results = finalize_run(run_dir, epochs=epochs, overrides=overrides, on_task=on_task)
    existed = files_in(run_dir)
    paths = write_final_report(run_dir, settings, results)
    if as_json:
        print_json(
            {
                "run_dir": str(run_dir),
                "epochs": epochs,
                "tasks": {r.task: r.to_dict() for r in results},
                "report": str(paths[0]),
            }
        )
        announce_written(paths, existed, as_json=True)
        return
    table = Table(title=f"final training ({epochs} epochs)")
    for column in ("task", "architecture", "validation (%)", "test (%)", "parameters", "s"):
        table.add_column(column, overflow="fold")
    for r in results:
        table.add_row(
            r.task,
            r.arch,
            f"{r.val_acc:.2f}",
            f"{r.test_acc:.2f}",
            f"{r.params:,}",
            f"{r.seconds:.1f}",
        )
    out.print(table)
    announce_written(paths, existed)
