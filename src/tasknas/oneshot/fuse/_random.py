"""``random_search``: the random-search baseline of FUSE at equal compute.

FUSE spends ``rounds x candidates x (warmup_epochs + stages x weight_epochs)``
candidate-epochs on the train split. Random search spends the same: it samples
``rounds x candidates`` distinct architectures and trains each on its own for
``warmup_epochs + stages x weight_epochs`` epochs (the same
network width and optimiser as FUSE's candidates), keeps the one with the best validation
accuracy and retrains it like FUSE. Validation passes are not counted, as for FUSE's alpha
steps.

Before a candidate is scored, its BatchNorm running statistics are recomputed over the
training split with the trained weights (``recalibrate_batch_norm``; forward passes only, as
one-shot NAS does for subnetworks). After the 2 epochs of the default settings the running
averages still lag the weights: on ``quickdraw4:cat`` 17 of 18 candidates then scored
0.50 ± 0.01 (one class predicted for nearly every validation image), so the "best" one was a
near-tie broken by noise or sampling order (BENCHMARKS.md, TA-NAS). Recalibrated, six of
them scored 0.76-0.87, in the order of their retrained test errors but one.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from tasknas._progress import Progress, Tracker
from tasknas._seeds import derive, seed_rng
from tasknas._torch import resolve_device
from tasknas._validation import check_seed
from tasknas.oneshot.fuse._networks import check_space, sample_new
from tasknas.oneshot.fuse._result import RoundRecord, SearchResult
from tasknas.oneshot.fuse._retrain import retrain_network
from tasknas.oneshot.fuse._seeds import INIT, SAMPLE, TRAIN_WEIGHTS
from tasknas.oneshot.fuse._settings import FuseSettings
from tasknas.training import Trainer, train_from_scratch

if TYPE_CHECKING:
    from tasknas.spaces import DartsSpace
    from tasknas.tasks import ImageTask, TensorData

__all__ = ["random_search", "recalibrate_batch_norm"]

_log = logging.getLogger(__name__)


def random_search(
    space: DartsSpace,
    task: ImageTask,
    *,
    settings: FuseSettings = FuseSettings(),  # noqa: B008  (frozen, so shared safely)
    seed: int = 0,
    progress: Progress | None = None,
    retrain_task: ImageTask | None = None,
) -> SearchResult:
    """Train ``rounds x candidates`` random architectures, retrain the best on validation.

    ``rounds`` of the result holds one record per batch of ``candidates`` architectures,
    with their validation accuracies as ``weights``; the overall winner is the most
    accurate of all (the earliest one on ties). ``progress`` is called after every
    architecture and every retraining epoch. The winner is retrained like FUSE's, on
    ``retrain_task`` (default: ``task``).

    Raises:
        InvalidSettingError: ``space`` is not a ``DartsSpace``, a bad seed, or fewer than
            ``rounds x candidates`` architectures in ``space``.
    """
    start = time.perf_counter()
    space, seed = check_space(space), check_seed(seed)
    count, epochs = settings.candidates, settings.epochs_per_round
    total = settings.rounds * count
    archs = sample_new(space, seed_rng(derive(seed, SAMPLE)), total)
    tracker = Tracker(progress, total + settings.final_epochs)
    records: list[RoundRecord] = []
    best_arch, best_accuracy = "", -1.0
    for r in range(settings.rounds):
        batch = archs[r * count : (r + 1) * count]
        accuracies = []
        for i, arch in enumerate(batch):
            trainer = Trainer(
                epochs=epochs,
                batch_size=settings.batch_size,
                lr=settings.lr,
                device=settings.device,
                seed=derive(seed, TRAIN_WEIGHTS, r, i),
            )
            trained = train_from_scratch(
                arch,
                task,
                trainer,
                channels=settings.channels,
                layers=settings.layers,
                seed=derive(seed, INIT, r, i),
                splits=(),
            )
            recalibrate_batch_norm(
                trained.network, task.train, batch_size=settings.batch_size, device=settings.device
            )
            accuracies.append(trainer.evaluate(trained.network, task.val)["accuracy"])
            tracker.step(f"random search: architecture {r * count + i + 1}/{total}")
        winner = int(np.argmax(accuracies))
        records.append(RoundRecord(tuple(map(str, batch)), tuple(accuracies), str(batch[winner])))
        if accuracies[winner] > best_accuracy:
            best_arch, best_accuracy = str(batch[winner]), accuracies[winner]
        _log.info(
            "random search batch %d/%d on %s: best %s (val accuracy %.4f; overall %.4f)",
            r + 1,
            settings.rounds,
            task.name,
            batch[winner],
            accuracies[winner],
            best_accuracy,
        )
    test_error, params, val_accuracy, network = retrain_network(
        best_arch,
        task if retrain_task is None else retrain_task,
        settings=settings,
        seed=seed,
        progress=tracker.nested(),
    )
    return SearchResult(
        arch=best_arch,
        test_error=test_error,
        params=params,
        val_accuracy=val_accuracy,
        rounds=tuple(records),
        candidate_epochs=total * epochs,
        seconds=time.perf_counter() - start,
        network=network,
        method="random",
    )


def recalibrate_batch_norm(
    network: nn.Module, data: TensorData, *, batch_size: int = 64, device: str = "cpu"
) -> None:
    """Replace the running statistics of every BatchNorm layer of ``network`` by the exact
    average of its batch statistics over ``data`` (in order, batches of ``batch_size``),
    with the weights as they are; nothing else changes (no gradients, same mode after)."""
    norms = [m for m in network.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms or len(data) == 0:
        return
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a cumulative average over the batches
    was_training = network.training
    target = resolve_device(device)
    network.to(target).train()
    try:
        with torch.no_grad():
            for begin in range(0, len(data), batch_size):
                network(data.x[begin : begin + batch_size].to(target))
    finally:
        for m, momentum in zip(norms, momenta, strict=True):
            m.momentum = momentum
        network.train(was_training)
