"""``tasknas report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from tasknas._validation import check_output_dir
from tasknas.cli._common import (
    VerboseOption,
    announce_written,
    files_in,
    handle_errors,
)
from tasknas.errors import RunStoreError
from tasknas.report import write_report
from tasknas.storage import STORE_FILE


@handle_errors
def report(
    run_dir: Annotated[Path, typer.Argument(help="A run directory written by `tasknas search`.")],
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where to write. [default: RUN_DIR]")
    ] = None,
    verbose: VerboseOption = False,
) -> None:
    """Write a convergence plot, the best cell of each task (PNGs) and a markdown summary of a
    run."""
    if not (run_dir / STORE_FILE).is_file():
        raise RunStoreError(f"no run store at {run_dir / STORE_FILE}")
    target = check_output_dir(run_dir if out_dir is None else out_dir)
    existed = files_in(target)
    announce_written(write_report(run_dir, out_dir), existed)
