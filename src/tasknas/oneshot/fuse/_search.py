"""``fuse_search``: TA-NAS's FUSE (Le et al.), a one-shot search over a few candidates.

Each round mixes C candidate networks at the logit level (``Mixture``) and alternates
``stages`` times: fit the candidates' weights on the train split (mixture logits frozen),
then the mixture logits on the validation split (weights frozen). The candidate with the
largest logit wins the round; it keeps its trained weights into the next round, where
C-1 newly sampled candidates join it and the logits restart uniform. After the last round
the winner is retrained from scratch (``retrain``) and scored on the test split. Optional
deviations, off by default: ``warmup_epochs`` of weight steps before a round's first alpha
step, and the retraining options of ``FuseSettings`` (``final_patience``, ``final_shift``,
a ``retrain_task`` with more training images).

Both steps run the ONE ``Trainer`` in training mode, as DARTS does: BatchNorm layers use
batch statistics, and their running statistics (buffers, not parameters) also see the
validation batches of the alpha step. No network is evaluated in eval mode during the
search, and the winner is retrained from scratch, so this does not leak into the scores.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
from torch import nn

from tasknas._progress import Progress, Tracker
from tasknas._seeds import derive, seed_rng
from tasknas._torch import resolve_device
from tasknas._validation import check_seed
from tasknas.oneshot.fuse._mixture import Mixture
from tasknas.oneshot.fuse._networks import build_network, check_space, initial_archs, sample_new
from tasknas.oneshot.fuse._result import RoundRecord, SearchResult
from tasknas.oneshot.fuse._retrain import retrain_network
from tasknas.oneshot.fuse._seeds import INIT, SAMPLE, TRAIN_ALPHA, TRAIN_WEIGHTS, WARMUP
from tasknas.oneshot.fuse._settings import FuseSettings
from tasknas.training import Trainer

if TYPE_CHECKING:
    from tasknas.spaces import DartsGenotype, DartsSpace
    from tasknas.tasks import ImageTask

__all__ = ["fuse_search"]

_log = logging.getLogger(__name__)


def fuse_search(
    space: DartsSpace,
    task: ImageTask,
    *,
    settings: FuseSettings = FuseSettings(),  # noqa: B008  (frozen, so shared safely)
    seed: int = 0,
    initial: Iterable[DartsGenotype | str] = (),
    progress: Progress | None = None,
    retrain_task: ImageTask | None = None,
) -> SearchResult:
    """Search ``space`` for ``task`` with FUSE, then retrain the winner.

    Round 1's candidates are the distinct ``initial`` architectures (genotypes or canonical
    strings of ``space``, e.g. the closest tasks' best cells; at most C are used) topped up
    with samples of ``space``. Later rounds add samples not seen before (earlier losers
    return only when the space runs out). Same seed, same result (on the CPU).
    ``progress(message, done, total)`` is called after every inner stage and retraining epoch.
    The winner is retrained on ``retrain_task`` (default: ``task``), e.g. the same task with
    all its training images and the same validation and test splits (``retrain``).

    Raises:
        InvalidSettingError: ``space`` is not a ``DartsSpace``, a bad seed, or too few
            architectures in ``space`` for the candidates wanted.
        InvalidArchitectureError: an initial architecture is not in ``space``.
    """
    start = time.perf_counter()
    space, seed = check_space(space), check_seed(seed)
    count, device = settings.candidates, resolve_device(settings.device)
    rng = seed_rng(derive(seed, SAMPLE))
    archs = initial_archs(space, initial, count)
    archs += sample_new(space, rng, count - len(archs), exclude=[str(a) for a in archs])
    seen = {str(a) for a in archs}
    kept: list[nn.Module] = []
    records: list[RoundRecord] = []
    tracker = Tracker(progress, settings.rounds * settings.stages + settings.final_epochs)
    for r in range(settings.rounds):
        networks = kept + [
            build_network(
                arch,
                task,
                channels=settings.channels,
                layers=settings.layers,
                seed=derive(seed, INIT, r, i),
            )
            for i, arch in enumerate(archs[len(kept) :], start=len(kept))
        ]
        mixture = Mixture(networks).to(device)
        if settings.warmup_epochs:
            _trainer(settings, settings.lr, derive(seed, WARMUP, r)).fit(
                mixture, task.train, parameters=mixture.weights(), epochs=settings.warmup_epochs
            )
        for s in range(settings.stages):
            seeds = derive(seed, TRAIN_WEIGHTS, r, s), derive(seed, TRAIN_ALPHA, r, s)
            _alternate(mixture, task, settings, *seeds)
            tracker.step(f"FUSE round {r + 1}/{settings.rounds}, stage {s + 1}/{settings.stages}")
        weights = tuple(float(p) for p in mixture.probabilities())
        best = int(np.argmax(weights))
        champion = archs[best]
        records.append(RoundRecord(tuple(str(a) for a in archs), weights, str(champion)))
        _log.info(
            "FUSE round %d/%d on %s: winner %s (weight %.3f of %s)",
            r + 1,
            settings.rounds,
            task.name,
            champion,
            weights[best],
            ", ".join(f"{w:.3f}" for w in weights),
        )
        if r + 1 < settings.rounds:
            new = sample_new(space, rng, count - 1, exclude=[str(champion)], avoid=seen)
            seen.update(str(a) for a in new)
            archs, kept = [champion, *new], [networks[best]]
    test_error, params, val_accuracy, network = retrain_network(
        champion,
        task if retrain_task is None else retrain_task,
        settings=settings,
        seed=seed,
        progress=tracker.nested(),
    )
    return SearchResult(
        arch=str(champion),
        test_error=test_error,
        params=params,
        val_accuracy=val_accuracy,
        rounds=tuple(records),
        candidate_epochs=settings.candidate_epochs,
        seconds=time.perf_counter() - start,
        network=network,
        method="fuse",
    )


def _alternate(
    mixture: Mixture, task: ImageTask, settings: FuseSettings, weight_seed: int, alpha_seed: int
) -> None:
    """One inner stage: the weight step on the train split, then the alpha step on val."""
    weights = _trainer(settings, settings.lr, weight_seed).fit(
        mixture, task.train, parameters=mixture.weights(), epochs=settings.weight_epochs
    )
    alpha = _trainer(settings, settings.alpha_lr, alpha_seed).fit(
        mixture, task.val, parameters=[mixture.alpha], epochs=settings.alpha_epochs
    )
    _log.debug(
        "FUSE stage: train loss %.4f, val loss %.4f, weights %s",
        weights.last["train_loss"],
        alpha.last["train_loss"],
        mixture.probabilities().tolist(),
    )


def _trainer(settings: FuseSettings, lr: float, seed: int) -> Trainer:
    return Trainer(lr=lr, batch_size=settings.batch_size, device=settings.device, seed=seed)
