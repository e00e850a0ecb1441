"""``exportables``: the networks ``tasknas export`` writes for a folder, with their cards.

A folder is one of:

- a run of a training benchmark (``--benchmark train``): the run holds architectures only,
  so each task's best one is retrained with ``tasknas final``'s settings
  (``tasknas.final.finalize_run``, ``quick`` for its short setting);
- a run of a tabular benchmark (``nb201``, ``transnas-micro``, ...): no network was ever
  trained, so the found cell's network is built freshly initialised for a given input shape
  and class count (``trained: false`` in the card);
- a result folder of ``tasknas fuse`` or ``tasknas mtl``: the trained network they kept
  (``tasknas.export.load_trained``).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasknas.errors import InvalidSettingError, RunStoreError, UnknownNameError
from tasknas.export._card import PIXELS, ExportCard
from tasknas.export._saved import NETWORK_JSON

if TYPE_CHECKING:
    from torch import nn

    from tasknas.tasks import TensorData

__all__ = ["TABULAR_SHAPES", "Exportable", "exportables", "file_stem"]

_log = logging.getLogger(__name__)

#: Input shape and classes of the tabular benchmarks' own tasks, the default of their
#: freshly initialised networks (other tasks: (3, 32, 32) and 10 classes).
TABULAR_SHAPES: dict[str, tuple[tuple[int, int, int], int]] = {
    "cifar10": ((3, 32, 32), 10),
    "cifar10-valid": ((3, 32, 32), 10),
    "cifar100": ((3, 32, 32), 100),
    "ImageNet16-120": ((3, 16, 16), 120),
}
_DEFAULT_SHAPE: tuple[tuple[int, int, int], int] = ((3, 32, 32), 10)


@dataclass(frozen=True)
class Exportable:
    """A network to export, its card, a file stem, and its test split where known.

    ``test`` (the split the test accuracy was measured on) lets a caller check that the
    exported file predicts what the network predicts.
    """

    network: nn.Module
    card: ExportCard
    stem: str
    test: TensorData | None = None


def file_stem(name: str) -> str:
    """``quickdraw4:cat`` -> ``quickdraw4_cat``: a task name as a file name and a Python
    module name (letters, digits and ``_``, not starting with a digit)."""
    stem = re.sub(r"\W+", "_", Path(name).name if name.endswith(".npz") else name).strip("_")
    stem = stem or "network"
    return f"n_{stem}" if stem[0].isdigit() else stem


def exportables(
    folder: str | Path,
    *,
    task: str | None = None,
    quick: bool = False,
    input_shape: tuple[int, ...] | None = None,
    num_classes: int | None = None,
    overrides: dict[str, Any] | None = None,
    on_task: Callable[[str, str], None] | None = None,
) -> list[Exportable]:
    """The networks to export from ``folder`` (module docstring), only ``task``'s if given.

    ``quick`` retrains a training run's architectures with ``tasknas final --quick``'s
    settings; ``overrides`` replace its network and data settings (``channels``,
    ``device``, ...). ``input_shape`` (channels, height, width) and ``num_classes`` size
    a tabular run's networks. ``on_task(task, arch)`` is called before each retraining.

    Raises:
        RunStoreError: neither a run nor a kept network in ``folder``.
        UnknownNameError: ``task`` is not a task of the folder.
        InvalidSettingError: a shape or class count given for a folder whose networks have
            their own, or a bad one.
    """
    folder = Path(folder)
    if (folder / NETWORK_JSON).is_file():
        _sized_by_data(input_shape, num_classes, "a fuse or mtl result")
        return [_kept(folder, task)]
    from tasknas.storage import STORE_FILE

    if not (folder / STORE_FILE).is_file():
        raise RunStoreError(
            f"no run store ({STORE_FILE}) and no kept network ({NETWORK_JSON}) in {folder}"
        )
    from tasknas.benchmarks.train import ImageEvaluator
    from tasknas.report import load_run

    report = load_run(folder)
    found = report.best_tasks()
    if task is not None and task not in report.result.tasks:
        raise UnknownNameError("task", task, list(report.result.tasks))
    if task is not None and task not in found:
        raise InvalidSettingError(f"task {task!r} of {folder} has no best architecture")
    chosen = found if task is None else [task]
    if isinstance(report.benchmark, ImageEvaluator):
        _sized_by_data(input_shape, num_classes, "a training run")
        space = report.benchmark.space.name
        return _retrained(folder, space, chosen, quick, overrides or {}, on_task)
    return [
        _fresh(
            report.benchmark.space,
            report.settings.benchmark,
            t,
            report.result.tasks[t].best_arch,
            input_shape,
            num_classes,
        )
        for t in chosen
    ]


def _sized_by_data(shape: object, classes: object, what: str) -> None:
    if shape is not None or classes is not None:
        raise InvalidSettingError(
            f"--input-shape and --classes size a tabular run's networks; {what} has its own"
        )


def _version() -> str:
    from tasknas import __version__

    return __version__


def _retrained(
    folder: Path,
    space: str,
    tasks: Sequence[str],
    quick: bool,
    overrides: dict[str, Any],
    on_task: Callable[[str, str], None] | None,
) -> list[Exportable]:
    from tasknas.final import finalize_run

    _, results = finalize_run(
        folder, quick=quick, overrides=overrides, on_task=on_task, tasks=tasks, keep_networks=True
    )
    found = []
    for r in results:
        data = r.data
        assert data is not None and r.network is not None  # kept: keep_networks=True
        card = ExportCard(
            arch=r.arch,
            space=space,
            task=r.task,
            input_shape=(data.in_channels, *data.image_size),
            num_classes=data.num_classes,
            class_names=list(data.classes),
            normalisation=PIXELS,
            trained=True,
            test_accuracy=r.test_acc,
            source="train",
            extra={
                "val_accuracy": r.val_acc,
                "params": r.params,
                "epochs": r.epochs,
                "epochs_run": r.epochs_run,
                "n_train": r.n_train,
                "stem_stride": r.stem_stride,
                "quick": quick,
            },
        )
        found.append(Exportable(r.network.eval(), card, file_stem(r.task), data.test))
    return found


def _fresh(
    space: Any,
    benchmark: str,
    task: str,
    arch: str | None,
    input_shape: tuple[int, ...] | None,
    num_classes: int | None,
) -> Exportable:
    """A freshly initialised network of ``arch`` (seed 0), sized for the task."""
    from tasknas.nn import build_network

    default_shape, default_classes = TABULAR_SHAPES.get(task, _DEFAULT_SHAPE)
    shape = tuple(default_shape if input_shape is None else input_shape)
    classes = default_classes if num_classes is None else num_classes
    if len(shape) != 3 or min(shape) < 1 or classes < 1:
        raise InvalidSettingError(
            f"input shape must be channels,height,width >= 1 and classes >= 1; got "
            f"{','.join(map(str, shape))} and {classes}"
        )
    assert arch is not None
    network = build_network(space.parse(arch), in_channels=shape[0], num_classes=classes, seed=0)
    card = ExportCard(
        arch=arch,
        space=getattr(space, "name", benchmark),
        task=task,
        input_shape=shape,
        num_classes=classes,
        class_names=None,
        normalisation=PIXELS,
        trained=False,
        test_accuracy=None,
        source="tabular",
        extra={"benchmark": benchmark, "init_seed": 0},
    )
    return Exportable(network.eval(), card, file_stem(task))


def _kept(folder: Path, task: str | None) -> Exportable:
    from tasknas.export._saved import load_trained

    network, meta = load_trained(folder)
    tasks = meta["tasks"] if meta["kind"] == "mtl" else [meta["task"]]
    if task is not None and task not in tasks:
        raise UnknownNameError("task", task, tasks)
    if task is not None and meta["kind"] == "mtl":
        raise InvalidSettingError(
            f"an mtl result is one network for all its tasks ({', '.join(tasks)}); leave --task out"
        )
    try:
        card = _kept_card(meta, tasks)
    except KeyError as missing:
        raise RunStoreError(
            f"cannot read the kept network in {folder}: {NETWORK_JSON} lacks {missing}"
        ) from None
    stem = file_stem(meta.get("dataset", "mtl") if meta["kind"] == "mtl" else meta["task"])
    return Exportable(network, card, stem)


def _kept_card(meta: dict[str, Any], tasks: list[str]) -> ExportCard:
    return ExportCard(
        arch=meta["arch"],
        space=meta["space"],
        task=",".join(tasks),
        input_shape=tuple(meta["input_shape"]),
        num_classes=meta["num_classes"],
        class_names=meta.get("class_names"),
        normalisation=PIXELS,
        trained=True,
        test_accuracy=meta.get("test_accuracy"),
        source=meta["source"],
        extra=dict(meta.get("extra", {})),
    )
