"""``retrain``: train the winning architecture from scratch and score it on the test split;
``retrain_baseline``: the same for a hand-designed network (``tasknas.nn.BASELINES``).
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from tasknas._progress import Progress
from tasknas._seeds import derive
from tasknas._validation import check_seed
from tasknas.nn import Baseline, get_baseline
from tasknas.oneshot.fuse._networks import as_genotype
from tasknas.oneshot.fuse._result import BaselineRecord
from tasknas.oneshot.fuse._seeds import INIT, RETRAIN
from tasknas.oneshot.fuse._settings import FuseSettings
from tasknas.tasks import mirror_invariant
from tasknas.training import (
    Callback,
    EarlyStopping,
    ProgressCallback,
    Trainer,
    final_augmentation,
    train_from_scratch,
)

if TYPE_CHECKING:
    from torch import nn

    from tasknas.spaces import DartsGenotype
    from tasknas.tasks import ImageTask

__all__ = ["retrain", "retrain_baseline", "retrain_network"]

_log = logging.getLogger(__name__)


def retrain(
    arch: DartsGenotype | str,
    task: ImageTask,
    *,
    settings: FuseSettings = FuseSettings(),  # noqa: B008  (frozen, so shared safely)
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[float, int, float]:
    """Train ``arch`` from scratch on ``task.train``; return its test error, size and val score.

    The network is a ``DartsNetwork`` of width ``settings.final_channels``, depth
    ``settings.layers`` and stem stride ``settings.final_stem_stride``, trained for
    ``settings.final_epochs`` epochs with Adam (``settings.lr``) and a cosine schedule; the
    last epoch's weights are scored. With ``settings.final_patience`` it is validated after
    every epoch, stopped early and the best epoch's weights are scored (of tied epochs,
    ``settings.final_ties``); with ``settings.final_shift`` the training images are
    randomly shifted (the ``tasknas final`` recipe, applied with FUSE's optimiser).
    ``task.train`` is all the retraining sees: pass a task with more training images
    (same validation and test splits) to retrain on them. ``progress`` is called after
    every epoch.

    Returns:
        ``(test_error, params, val_accuracy)``: % error on ``task.test``, trainable
        parameters, and validation accuracy (a fraction) of the trained network.
    """
    test_error, params, val_accuracy, _ = retrain_network(
        arch, task, settings=settings, seed=seed, progress=progress
    )
    return test_error, params, val_accuracy


def retrain_network(
    arch: DartsGenotype | str,
    task: ImageTask,
    *,
    settings: FuseSettings = FuseSettings(),  # noqa: B008  (frozen, so shared safely)
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[float, int, float, nn.Module]:
    """``retrain``, with the trained network (on the CPU) as a fourth value."""
    seed = check_seed(seed)  # before the architecture: a bad seed is named first
    genotype = as_genotype(arch)
    test_error, params, val_accuracy, _, network = _retrain(
        genotype, task, settings, seed, progress
    )
    return test_error, params, val_accuracy, network


def retrain_baseline(
    baseline: str | Baseline,
    task: ImageTask,
    *,
    settings: FuseSettings = FuseSettings(),  # noqa: B008  (frozen, so shared safely)
    seed: int = 0,
    progress: Progress | None = None,
) -> BaselineRecord:
    """Train the hand-designed ``baseline`` (a ``BASELINES`` name) on ``task`` exactly as
    ``retrain`` trains FUSE's winner with the same ``settings`` and ``seed`` (same data,
    optimiser, schedule, epochs and seeds; ``final_channels`` and ``layers`` do not change a
    baseline) and score it.

    Raises:
        UnknownNameError: an unknown baseline (the message lists the valid ones).
    """
    chosen = get_baseline(baseline) if isinstance(baseline, str) else baseline
    start = time.perf_counter()
    test_error, params, val_accuracy, _, _ = _retrain(chosen, task, settings, seed, progress)
    return BaselineRecord(
        name=chosen.name,
        test_error=test_error,
        params=params,
        val_accuracy=val_accuracy,
        seconds=time.perf_counter() - start,
    )


def _retrain(
    arch: Any,
    task: ImageTask,
    settings: FuseSettings,
    seed: int,
    progress: Progress | None,
) -> tuple[float, int, float, float, nn.Module]:
    """``(test_error, params, val_accuracy, train_seconds, network)`` of ``arch`` (a
    genotype or a ``Baseline``) retrained with ``settings``."""
    seed = check_seed(seed)
    callbacks: list[Callback] = []
    if progress is not None:
        callbacks.append(ProgressCallback(progress, "retrain", per="epoch"))
    stopper = None
    if settings.final_patience is not None:
        stopper = EarlyStopping(
            "val_accuracy",
            patience=settings.final_patience,
            mode="max",
            restore_best=True,
            ties=settings.final_ties,
        )
        callbacks.append(stopper)
    trainer = Trainer(
        epochs=settings.final_epochs,
        batch_size=settings.batch_size,
        lr=settings.lr,
        scheduler="cosine",
        device=settings.device,
        seed=derive(seed, RETRAIN),
        callbacks=callbacks,
        augment=final_augmentation(
            settings.final_shift, settings.final_mirror and mirror_invariant(task.name)
        ),
    )
    trained = train_from_scratch(
        arch,
        task,
        trainer,
        channels=settings.final_channels,
        layers=settings.layers,
        seed=derive(seed, RETRAIN, INIT),
        validate=stopper is not None,
        stem_stride=settings.final_stem_stride,
    )
    if stopper is not None:
        stopper.warn_if_early_epoch_kept(f"the retraining of {arch} on {task.name}", len(task.val))
        _log.info(
            "retraining of %s stopped after %s epochs, best epoch %s",
            arch,
            "all" if stopper.stopped_epoch is None else stopper.stopped_epoch + 1,
            None if stopper.best_epoch is None else stopper.best_epoch + 1,
        )
    val_accuracy, params = trained.accuracy["val"], trained.params
    test_error = 100.0 * (1.0 - trained.accuracy["test"])
    _log.info(
        "retrained %s on %s: test error %.2f%%, val accuracy %.4f, %d parameters",
        arch,
        task.name,
        test_error,
        val_accuracy,
        params,
    )
    return test_error, params, val_accuracy, trained.train_seconds, trained.network
