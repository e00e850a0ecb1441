"""``tasknas export``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from tasknas._validation import check_output_dir
from tasknas.cli._common import (
    ThreadsOption,
    VerboseOption,
    announce_written,
    err,
    files_in,
    handle_errors,
    print_json,
    set_threads,
    warn,
)
from tasknas.cli._train_options import RunDeviceOpt
from tasknas.errors import InvalidSettingError

_FORMATS = ("torchscript", "onnx", "state-dict")  # tasknas.export.FORMATS, without torch


#: The largest ``--input-shape`` (values per image) and ``--classes`` an export builds: the
#: check runs the network on an example batch, which must fit in memory.
MAX_INPUT_VALUES = 2**24
MAX_CLASSES = 100_000


def _shape(value: str | None) -> tuple[int, ...] | None:
    if value is None:
        return None
    try:
        shape = tuple(int(part) for part in value.split(","))
    except ValueError:
        shape = ()
    if len(shape) != 3 or min(shape) < 1:
        raise InvalidSettingError(
            f"--input-shape {value!r}: give channels,height,width, e.g. 3,32,32"
        )
    if math.prod(shape) > MAX_INPUT_VALUES:
        raise InvalidSettingError(
            f"--input-shape {value!r}: {math.prod(shape):,} values per image; at most "
            f"{MAX_INPUT_VALUES:,} (e.g. 3,2048,2048)"
        )
    return shape


@handle_errors
def export(
    run_dir: Annotated[
        Path,
        typer.Argument(
            help="A run directory of `tasknas search`, or the --out folder of `tasknas fuse` "
            "or `tasknas mtl`."
        ),
    ],
    task: Annotated[
        str | None, typer.Option(help="Export only this task's network. [default: every task]")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="torchscript (torch.jit.load), onnx (onnxruntime; pip install "
            "'tasknas[export]') or state-dict (weights and a one-file model definition that "
            "needs only torch).",
        ),
    ] = "torchscript",
    out_dir: Annotated[
        Path | None,
        typer.Option("--out", help="Folder to write into. [default: RUN_DIR/export]"),
    ] = None,
    quick: Annotated[
        bool,
        typer.Option(
            "--quick",
            help="A training run's retraining with `tasknas final --quick`'s settings: "
            "minutes, for tests, not for results.",
        ),
    ] = False,
    input_shape: Annotated[
        str | None,
        typer.Option(
            "--input-shape",
            help="channels,height,width of a tabular run's freshly initialised networks. "
            "[default: the benchmark task's (3,32,32; 3,16,16 for ImageNet16-120)]",
        ),
    ] = None,
    classes: Annotated[
        int | None,
        typer.Option(
            "--classes",
            help="Classes of a tabular run's freshly initialised networks. [default: the "
            "benchmark task's, else 10]",
        ),
    ] = None,
    device: RunDeviceOpt = None,
    threads: ThreadsOption = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of lines.")
    ] = False,
    verbose: VerboseOption = False,
) -> None:
    """Write the found network of each task so that it loads without tasknas.

    A training run's architectures are retrained first with `tasknas final`'s settings;
    a tabular run's cells are exported freshly initialised (untrained); a fuse or mtl result
    folder holds its trained network. Beside each network: a JSON card (architecture, task,
    input shape, normalisation, classes, test accuracy, format) and the check that the file
    predicts what the tasknas network predicts.
    """
    if fmt not in _FORMATS:
        raise InvalidSettingError(f"--format {fmt!r}: choose one of {', '.join(_FORMATS)}")
    shape = _shape(input_shape)
    if classes is not None and not 1 <= classes <= MAX_CLASSES:
        raise InvalidSettingError(f"--classes must be from 1 to {MAX_CLASSES:,}, got {classes}")
    if not run_dir.is_dir():
        raise InvalidSettingError(f"no folder {run_dir}")
    target = run_dir / "export" if out_dir is None else out_dir
    check_output_dir(target, "--out")
    set_threads(threads)
    from tasknas._torch import resolve_device
    from tasknas.export import export_folder

    if device is not None:
        resolve_device(device)  # an unknown or missing device, whatever the run's kind

    def on_task(name: str, arch: str) -> None:
        if not as_json:
            err.print(f"training {name}: {arch}", markup=False, soft_wrap=True)

    existed = files_in(target)
    written = export_folder(
        run_dir,
        fmt=fmt,
        out=target,
        task=task,
        quick=quick,
        input_shape=shape,
        num_classes=classes,
        overrides={} if device is None else {"device": device},
        on_task=on_task,
    )
    for item in written:
        if not item.card.trained:
            warn(
                f"{item.card.task}: a tabular run holds no trained weights; exported a freshly "
                f"initialised network of its cell for input {item.card.input_shape} and "
                f"{item.card.num_classes} classes"
            )
    paths = [p for item in written for p in item.files.values()]
    if as_json:
        print_json(
            {
                "run_dir": str(run_dir),
                "format": fmt,
                "out": str(target),
                "networks": [
                    {
                        **item.card.to_dict(),
                        "paths": {k: str(v) for k, v in item.files.items()},
                        "check": item.check,
                    }
                    for item in written
                ],
            }
        )
    else:
        for item in written:
            check = item.check
            text = (
                "not checked (no onnxruntime)"
                if check is None
                else f"max |Δlogit| {check['max_abs_diff']:.2g}, "
                f"{100 * check['same_predictions']:.1f}% same predictions on "
                f"{check['images']} {check['on']}"
            )
            err.print(f"{item.card.task}: {text}", markup=False, soft_wrap=True)
    announce_written(paths, existed, as_json=as_json)
