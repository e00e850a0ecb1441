"""``tasknas draw``: an architecture's cells, or the best cell of each task of a run, as a
figure."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from tasknas.cli._common import (
    VerboseOption,
    check_plot_path,
    handle_errors,
    print_json,
    save_plot,
)
from tasknas.errors import InvalidSettingError, RunStoreError
from tasknas.storage import STORE_FILE


def _cells_json(graphs: dict[str, Any]) -> dict[str, Any]:
    """The drawn graphs as JSON: nodes in order, edges ``[source, target, op]``."""
    return {
        kind: {
            "nodes": list(graph.nodes),
            "edges": [[s, d, op] for s, d, op in graph.edges(data="op")],
        }
        for kind, graph in graphs.items()
    }


def _is_dir(path: Path) -> bool:
    """Whether ``path`` is a folder (``False`` for a string too long to be a path, such as a
    DARTS architecture)."""
    try:
        return path.is_dir()
    except OSError:
        return False


@handle_errors
def draw(
    target: Annotated[
        str,
        typer.Argument(
            metavar="ARCH|RUN_DIR",
            help="An architecture string (NB201 '|nor_conv_3x3~0|+|...|', TransNAS "
            "'64-41414-3_33_333', DARTS 'normal=...;reduce=...') or a run directory written "
            "by `tasknas search` (draws the best cell of each task).",
        ),
    ],
    space: Annotated[
        str | None,
        typer.Option(
            help="Space of ARCH: nb201, transnas-micro, darts-tanas, darts-emtnas or "
            "darts-emtnas-conv. "
            "[default: the one space that parses ARCH]"
        ),
    ] = None,
    out_path: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Figure to write; its suffix picks the format (.png, .pdf, .svg). "
            "[default: RUN_DIR/cells.png for a run, else cell-SPACE-HASH.png here]",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object (the drawn graphs).")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Draw cells as graphs with their operations on the edges."""
    from tasknas.report._cells import (
        CELLS_FILE,
        cell_graphs,
        default_cell_path,
        draw_cells,
        draw_run_cells,
        parse_any,
    )

    run_dir = Path(target)
    if _is_dir(run_dir):
        if not (run_dir / STORE_FILE).is_file():
            raise RunStoreError(f"no run store at {run_dir / STORE_FILE}")
        path = run_dir / CELLS_FILE if out_path is None else out_path
        existed = check_plot_path(path, "--out")
        from tasknas.report import load_run, task_rows

        report = load_run(run_dir)
        arch_space = report.benchmark.space
        if space is not None and space != arch_space.name:
            raise InvalidSettingError(
                f"--space {space} does not match the run's space {arch_space.name}; "
                "leave --space out for a run directory"
            )
        rows = task_rows(report.result, report.benchmark)
        bests = {task: row["best_arch"] for task, row in rows.items() if row["best_arch"]}
        if not bests:
            raise RunStoreError(f"run {run_dir} has no evaluated architecture to draw yet")
        graphs = {
            task: cell_graphs(arch_space, arch_space.parse(arch)) for task, arch in bests.items()
        }
        save_plot(lambda p: draw_run_cells(report, p), path, existed, as_json)
        if as_json:
            print_json(
                {
                    "run_dir": str(run_dir),
                    "space": arch_space.name,
                    "out": str(path),
                    "tasks": {
                        task: {"arch": bests[task], "cells": _cells_json(g)}
                        for task, g in graphs.items()
                    },
                }
            )
        return
    arch_space, arch = parse_any(target, space)
    path = default_cell_path(arch_space, arch) if out_path is None else out_path
    existed = check_plot_path(path, "--out")
    graphs = cell_graphs(arch_space, arch)
    save_plot(lambda p: draw_cells(arch_space, arch, p), path, existed, as_json)
    if as_json:
        print_json(
            {
                "space": arch_space.name,
                "arch": arch_space.format(arch),
                "out": str(path),
                "cells": _cells_json(graphs),
            }
        )
