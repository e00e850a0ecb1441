"""``final_train``: retrain one architecture from scratch, longer, and score it on the test set;
``train_baseline``: the same for a hand-designed network (``tasknas.nn.BASELINES``).

The last stage of a search on the ``train`` benchmark: the best architecture found for a task
is trained for more epochs (the search scores candidates after brief training or with shared
weights) and its test accuracy is what a comparison of search strategies reports. A baseline
trained by ``train_baseline`` with the same settings gets the same data, schedule, epochs,
augmentation and seeds, so the two test accuracies compare like with like.

Final-training defaults (``tasknas.final``): every training image of the task (``n_train``
left out), up to ``FINAL_EPOCHS`` epochs with early stopping on the validation accuracy
(``FINAL_PATIENCE``; the best epoch's weights are kept, the last of epochs tied at the best
validation accuracy) and random ±``FINAL_SHIFT`` pixel
shifts of the training images; the test accuracy is measured on every image of the task's
test split (``n_test`` left out; a search's default caps it at 1,000, whose binomial
standard error is three times that of Fashion-MNIST's whole 10,000-image test split).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

from tasknas._torch import resolve_device
from tasknas._validation import optional_positive_int, positive_int
from tasknas.benchmarks.train._evaluator import _INIT, _TRAIN, TrainingEvaluator
from tasknas.benchmarks.train._image_evaluator import DEFAULT_SIZES, split_sizes
from tasknas.final import FINAL_EPOCHS, FINAL_PATIENCE, FINAL_SHIFT
from tasknas.nn import Baseline, get_baseline
from tasknas.spaces import SearchSpace, get_space
from tasknas.training import EarlyStopping, final_augmentation, train_from_scratch

if TYPE_CHECKING:
    from tasknas.tasks import ImageTask

__all__ = ["FinalResult", "check_final_data", "final_train", "train_baseline"]

_log = logging.getLogger(__name__)

# Keywords of ``final_train`` that are not evaluator settings.
_FIT_KEYS = ("epochs", "patience", "augment", "mirror")


@dataclass(frozen=True)
class FinalResult:
    """The outcome of a final training: accuracies in %, trainable parameters, seconds.

    Attributes:
        task, arch: the task and the architecture (a baseline's name for a baseline).
        epochs: the most epochs of the training (its schedule's length).
        val_acc, test_acc: validation and test accuracy (%) of the weights kept.
        params: trainable parameters.
        seconds: training and scoring time (data loading excluded).
        n_train: training images.
        n_test: test images the test accuracy was measured on.
        epochs_run: epochs trained (fewer than ``epochs`` when stopped early).
        best_epoch: the epoch (1-based) whose weights were kept; ``None`` without early
            stopping (the last epoch's).
        patience: the early-stopping patience (epochs); ``None``: no early stopping.
        max_shift: the augmentation's largest shift in pixels; 0: no augmentation.
        mirror: whether each training image was also mirrored left to right with
            probability one half (asked for with ``mirror``, and done only on a task whose
            labels survive it: ``tasknas.tasks.mirror_invariant``).
        stem_stride: the stride of a DARTS network's stem, where one was asked for (1: the
            first cell at the image's resolution); ``None``: the network's default (2 for
            DARTS networks), and always for a baseline.
        device: the kind of device it trained on (``cpu``, ``cuda``, ``mps``; ``auto``
            resolved). A seeded training repeats exactly on the CPU only.
        baselines: baseline name -> its ``FinalResult`` on the same task and settings.
        candidates: with ``tasknas final --top K``, every architecture retrained for the
            task, in the search's order (best first, this one among them); this one is
            the candidate with the best validation accuracy. Empty otherwise.
        network: the trained network (on the CPU), kept only when asked for
            (``keep_network``); never in ``to_dict``.
        data: the task's splits the network was trained and scored on, kept with
            ``network``.
    """

    task: str
    arch: str
    epochs: int
    val_acc: float
    test_acc: float
    params: int
    seconds: float
    n_train: int = 0
    n_test: int = 0
    epochs_run: int = 0
    best_epoch: int | None = None
    patience: int | None = None
    max_shift: int = 0
    mirror: bool = False
    stem_stride: int | None = None
    device: str = "cpu"
    baselines: Mapping[str, FinalResult] = field(default_factory=dict)
    candidates: tuple[FinalResult, ...] = ()
    network: Any = field(default=None, repr=False, compare=False)
    data: ImageTask | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The result as JSON-ready plain values (``baselines`` as name -> dict,
        ``candidates`` as a list of dicts without their own baselines and candidates)."""
        kept = ("baselines", "candidates", "network", "data")
        values = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in kept}
        values["baselines"] = {name: b.to_dict() for name, b in self.baselines.items()}
        values["candidates"] = [
            {k: v for k, v in c.to_dict().items() if k not in ("baselines", "candidates")}
            for c in self.candidates
        ]
        return values


def _final_data(evaluator: TrainingEvaluator, task: str) -> ImageTask:
    """The splits of ``task`` a final training uses: the evaluator's sizes where they were
    given; left out, the whole training split, the whole test split and ``DEFAULT_SIZES``'s
    cap of the validation split (a search's defaults cap every split)."""
    from tasknas.tasks import load_image_task

    given = {"n_train": evaluator.n_train, "n_val": evaluator.n_val, "n_test": evaluator.n_test}
    sizes, strict = split_sizes(given, {"n_val": DEFAULT_SIZES["n_val"]})
    return load_image_task(
        evaluator.task(task).name, seed=evaluator.data_seed, strict=strict, **sizes
    )


def check_final_data(
    tasks: Sequence[str],
    *,
    space: str | SearchSpace[Any] = "darts-emtnas",
    **settings: Any,
) -> None:
    """Load the splits of every task with ``settings`` (those of ``final_train``), so that a
    bad setting (a size above a task's split, a missing file) fails before any training.

    Raises:
        InvalidSettingError, UnknownNameError, DataFileError: see ``TrainingEvaluator``.
    """
    settings = {key: value for key, value in settings.items() if key not in _FIT_KEYS}
    evaluator = TrainingEvaluator(space, list(tasks), **settings)
    resolve_device(evaluator.device)  # a device this machine lacks: before data or training
    for task in evaluator.tasks:
        _final_data(evaluator, task)


def _final_fit(
    arch: Any,
    task: str,
    evaluator: TrainingEvaluator,
    *,
    epochs: int,
    patience: int | None,
    augment: bool,
    mirror: bool = False,
    keep_network: bool = False,
) -> FinalResult:
    """Train ``arch`` (a genotype or a ``Baseline``) with the final-training settings; with
    ``keep_network`` the result holds the trained network and the task's splits."""
    from tasknas.tasks import mirror_invariant

    epochs = positive_int("epochs", epochs)
    patience = optional_positive_int("patience", patience)
    name = evaluator.task(task).name
    data = _final_data(evaluator, name)
    stopper = (
        None
        if patience is None
        else EarlyStopping(
            "val_accuracy", patience=patience, mode="max", restore_best=True, ties="last"
        )
    )
    shift = FINAL_SHIFT if augment else 0
    mirror = bool(augment and mirror and mirror_invariant(name))
    trainer = evaluator.trainer(
        epochs=epochs,
        seed=evaluator.task_seed(name, _TRAIN),
        scheduler="cosine",
        callbacks=() if stopper is None else (stopper,),
        augment=final_augmentation(shift, mirror),
    )
    start = time.perf_counter()
    trained = train_from_scratch(
        arch,
        data,
        trainer,
        seed=evaluator.task_seed(name, _INIT),
        validate=stopper is not None,
        **evaluator.network_options(),
    )
    seconds = time.perf_counter() - start
    stopped = None if stopper is None else stopper.stopped_epoch
    best = None if stopper is None or stopper.best_epoch is None else stopper.best_epoch + 1
    result = FinalResult(
        task=name,
        arch=str(arch),
        epochs=epochs,
        val_acc=100.0 * trained.accuracy["val"],
        test_acc=100.0 * trained.accuracy["test"],
        params=trained.params,
        seconds=seconds,
        n_train=len(data.train),
        n_test=len(data.test),
        epochs_run=epochs if stopped is None else stopped + 1,
        best_epoch=best,
        patience=patience,
        max_shift=shift,
        mirror=mirror,
        stem_stride=None if isinstance(arch, Baseline) else evaluator.stem_stride,
        device=resolve_device(evaluator.device).type,
        network=trained.network if keep_network else None,
        data=data if keep_network else None,
    )
    if stopper is not None:
        what = f"the baseline {result.arch}" if isinstance(arch, Baseline) else "the network"
        stopper.warn_if_early_epoch_kept(f"{what} on {name}", len(data.val))
    _log.info(
        "final training of %s on %s: test %.2f%% (%d/%d epochs, %.1f s)",
        result.arch,
        name,
        result.test_acc,
        result.epochs_run,
        epochs,
        seconds,
    )
    return result


def final_train(
    arch: Any,
    task: str,
    *,
    space: str | SearchSpace[Any] = "darts-emtnas",
    epochs: int = FINAL_EPOCHS,
    patience: int | None = FINAL_PATIENCE,
    augment: bool = True,
    mirror: bool = False,
    n_train: int | None = None,
    keep_network: bool = False,
    **settings: Any,
) -> FinalResult:
    """Train ``arch`` (a genotype or its string in ``space``) on the image task ``task``.

    ``settings`` are ``TrainingEvaluator`` settings (``channels``, ``layers``, ``n_val``,
    ``seed``, ``device``, ...); with the same settings as a standalone search, the network,
    initialisation and data order are the search's. The network is trained on ``n_train`` images
    of the training split (``None``: all of them) with SGD and a cosine schedule over
    ``epochs``; with ``patience`` it is validated after every epoch and training stops when the
    validation accuracy has not improved for ``patience`` epochs, keeping the best epoch's
    weights (the last of tied epochs: ``EarlyStopping(ties="last")``); with ``augment`` every
    training batch is randomly shifted by up to ``FINAL_SHIFT`` pixels, and with ``augment`` and
    ``mirror`` each image is also mirrored left to right with probability one half when the
    task's labels survive that (``tasknas.tasks.mirror_invariant``; on other tasks ``mirror``
    changes nothing). It is then scored on the validation split (``n_val``; left out, a cap of
    500 images) and the test split (``n_test``; left out, all of it). ``epochs=5, patience=None,
    augment=False, n_train=<the search's>, n_test=<the search's>`` is the quick setting
    (``tasknas final --quick``). With ``keep_network`` the result also holds the trained network
    and the task's splits (``FinalResult.network``, ``.data``).

    Raises:
        InvalidArchitectureError: ``arch`` is not in ``space``.
        InvalidSettingError, UnknownNameError, DataFileError: see ``TrainingEvaluator``.
    """
    space = get_space(space) if isinstance(space, str) else space
    genotype = space.parse(arch) if isinstance(arch, str) else arch
    evaluator = TrainingEvaluator(space, [task], n_train=n_train, **settings)
    return _final_fit(
        genotype,
        task,
        evaluator,
        epochs=epochs,
        patience=patience,
        augment=augment,
        mirror=mirror,
        keep_network=keep_network,
    )


def train_baseline(
    baseline: str | Baseline,
    task: str,
    *,
    epochs: int = FINAL_EPOCHS,
    patience: int | None = FINAL_PATIENCE,
    augment: bool = True,
    mirror: bool = False,
    n_train: int | None = None,
    **settings: Any,
) -> FinalResult:
    """Train the hand-designed ``baseline`` (a ``BASELINES`` name) on ``task`` exactly as
    ``final_train`` trains an architecture with the same arguments: same data, optimiser,
    schedule, epochs, early stopping, augmentation and seeds. ``settings`` are those of
    ``final_train``; ``channels``, ``layers`` and ``space`` do not change a baseline.

    Raises:
        UnknownNameError: an unknown baseline or task (the message lists the valid ones).
        InvalidSettingError, DataFileError: see ``TrainingEvaluator``.
    """
    chosen = get_baseline(baseline) if isinstance(baseline, str) else baseline
    space = settings.pop("space", "darts-emtnas")
    evaluator = TrainingEvaluator(space, [task], n_train=n_train, **settings)
    return _final_fit(
        chosen,
        task,
        evaluator,
        epochs=epochs,
        patience=patience,
        augment=augment,
        mirror=mirror,
    )
