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
from tasknas.cli._train_options import ChannelsOpt, RunDeviceOpt
from tasknas.errors import RunStoreError
from tasknas.final import (
    FINAL_EPOCHS,
    FINAL_PATIENCE,
    QUICK_EPOCHS,
    final_json,
    finalize_run,
    write_final_report,
)
from tasknas.storage import STORE_FILE

BaselinesOpt = Annotated[
    str | None,
    typer.Option(
        "--baselines",
        help="Hand-designed networks to train beside the searched ones with the same data, "
        "schedule, epochs and seed, comma-separated: cnn (~100k parameters), resnet "
        "(ResNet-8, ~78k); NAME:WIDTH sets another width (resnet:14, ~60k, about a default "
        "searched network's size). [default: none]",
    ),
]


@handle_errors
def final(
    run_dir: Annotated[
        Path, typer.Argument(help="A run directory of `tasknas search --benchmark train`.")
    ],
    epochs: Annotated[
        int | None,
        typer.Option(
            help=f"Most training epochs of each final network. "
            f"[default: {FINAL_EPOCHS}; {QUICK_EPOCHS} with --quick]",
        ),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help=f"The search's training and test images, {QUICK_EPOCHS} epochs, no early "
            "stopping, no augmentation: minutes, for tests and CI, not for results.",
        ),
    ] = False,
    baselines: BaselinesOpt = None,
    channels: ChannelsOpt = None,
    stem_stride: Annotated[
        int | None,
        typer.Option(
            "--stem-stride",
            help="Stride of the searched networks' stem (DARTS spaces): 1 keeps the image's "
            "resolution in the first cell, as the ResNet baseline does (about 4x the CPU "
            "training time on 28x28 images); 2 halves it. Baselines are unchanged. "
            "[default: the run's, else 1; --quick: the run's, else 2]",
        ),
    ] = None,
    n_train: Annotated[
        int | None,
        typer.Option(
            "--n-train",
            help="Training images per task. [default: all of the task's training split; "
            "the search's with --quick]",
        ),
    ] = None,
    device: RunDeviceOpt = None,
    top: Annotated[
        int,
        typer.Option(
            "--top",
            help="Retrain each task's K best architectures of the search and keep the one "
            "with the best validation accuracy (K times the training; the test split plays "
            "no part). Worth it where the search ranks poorly, as on small training sets.",
            metavar="K",
        ),
    ] = 1,
    mirror: Annotated[
        bool,
        typer.Option(
            "--mirror",
            help="Also mirror training images left to right (each with probability one half) "
            "on tasks whose labels survive it: fashion_mnist, quickdraw4 and the MedMNIST "
            "sets, not mnist, omniglot or .npz files; searched networks and baselines alike. "
            "Refused with --quick.",
        ),
    ] = False,
    patience: Annotated[
        int | None,
        typer.Option(
            "--patience",
            help="Epochs without a better validation accuracy after which a training stops "
            "(searched networks and baselines alike; the best epoch is kept). A patience of "
            "at least --epochs trains every epoch of the schedule. Refused with --quick. "
            f"[default: {FINAL_PATIENCE}]",
        ),
    ] = None,
    threads: ThreadsOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Retrain the best architecture of each task of a run; report test accuracy.

    Uses the run's network settings and data split (flags override them), every training
    image, up to 30 epochs with early stopping on the validation accuracy (patience 10,
    --patience; best epoch kept) and random ±2 pixel shifts (--mirror adds mirror images where the labels
    allow); --quick is the short setting. With --top K,
    the K best architectures of each task are retrained and the best by validation
    accuracy is kept. Writes final.md and final.json into RUN_DIR.
    """
    from tasknas.nn import parse_baselines

    names = parse_baselines(baselines)  # an unknown name fails before anything loads
    if not (run_dir / STORE_FILE).is_file():
        raise RunStoreError(f"no run store at {run_dir / STORE_FILE}")
    set_threads(threads)
    overrides = {
        name: value
        for name, value in {
            "channels": channels,
            "stem_stride": stem_stride,
            "n_train": n_train,
            "device": device,
        }.items()
        if value is not None
    }
    most = (QUICK_EPOCHS if quick else FINAL_EPOCHS) if epochs is None else epochs

    def on_task(task: str, arch: str) -> None:
        if not as_json:
            err.print(f"training {task}: {arch} (up to {most} epochs)", markup=False)

    settings, results = finalize_run(
        run_dir,
        epochs=most,
        quick=quick,
        baselines=names,
        overrides=overrides,
        on_task=on_task,
        top=top,
        mirror=mirror,
        patience=patience,
    )
    existed = files_in(run_dir)
    paths = write_final_report(run_dir, settings, results)
    if as_json:
        print_json({**final_json(run_dir, results), "epochs": most, "report": str(paths[0])})
        announce_written(paths, existed, as_json=True)
        return
    table = Table(title=f"final training (up to {most} epochs)")
    columns = ("task", "architecture", "validation (%)", "test (%)", "parameters", "epochs", "s")
    for column in columns:
        table.add_column(column, overflow="fold")
    for r in results:
        others = [(f"candidate: {c.arch}", c) for c in r.candidates if c.arch != r.arch]
        rows = [
            (r.arch, r),
            *others,
            *((f"baseline: {name}", b) for name, b in r.baselines.items()),
        ]
        for label, row in rows:
            table.add_row(
                r.task,
                label,
                f"{row.val_acc:.2f}",
                f"{row.test_acc:.2f}",
                f"{row.params:,}",
                str(row.epochs_run)
                if row.best_epoch is None
                else f"{row.epochs_run} (best {row.best_epoch})",
                f"{row.seconds:.1f}",
            )
    out.print(table)
    announce_written(paths, existed)
