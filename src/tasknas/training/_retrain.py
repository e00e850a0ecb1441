"""``train_from_scratch``: the one way to build an architecture's network, train it from
scratch on a task's training split and score it.

The training evaluator, final training, FUSE's retraining of its winner and the
random-search baseline all call it, each with its own ``Trainer`` (optimiser, epochs,
schedule, callbacks and seed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from torch import nn

from tasknas._validation import check_choice
from tasknas.nn import Baseline, build_network, count_parameters
from tasknas.training._trainer import Trainer

if TYPE_CHECKING:
    from tasknas.tasks import ImageTask

__all__ = ["Retrained", "network_for_task", "train_from_scratch"]

_log = logging.getLogger(__name__)

_SPLITS = ("train", "val", "test")


def network_for_task(
    arch: Any,
    task: ImageTask,
    *,
    channels: int,
    layers: int,
    seed: int,
    stem_stride: int | None = None,
) -> nn.Module:
    """The network of ``arch`` sized for ``task``'s images and classes, initialised under
    ``seed`` (any genotype of the ``nn.BUILDERS`` table, or a hand-designed
    ``nn.Baseline``, which has its own fixed size and ignores ``channels``, ``layers`` and
    ``stem_stride``). ``stem_stride`` (DARTS networks; ``None``: the network's default, 2)
    is the stride of the stem: 1 keeps the image's resolution in the first cell."""
    if isinstance(arch, Baseline):
        return arch.network(
            in_channels=task.in_channels,
            num_classes=task.num_classes,
            image_size=task.image_size,
            seed=seed,
        )
    extra = {} if stem_stride is None else {"stem_stride": stem_stride}
    return build_network(
        arch,
        in_channels=task.in_channels,
        num_classes=task.num_classes,
        channels=channels,
        layers=layers,
        seed=seed,
        **extra,
    )


@dataclass(frozen=True)
class Retrained:
    """A network trained from scratch and its scores.

    Attributes:
        network: the trained network, moved back to the CPU.
        accuracy: split name (``val``, ``test``) -> accuracy (a fraction) on that split.
        params: trainable parameters.
        train_seconds: seconds of the fit alone.
    """

    network: nn.Module
    accuracy: Mapping[str, float]
    params: int
    train_seconds: float


def train_from_scratch(
    arch: Any,
    task: ImageTask,
    trainer: Trainer,
    *,
    channels: int,
    layers: int,
    seed: int,
    splits: Sequence[str] = ("val", "test"),
    validate: bool = False,
    stem_stride: int | None = None,
) -> Retrained:
    """Build ``arch``'s network for ``task`` (``channels`` wide, ``layers`` deep, initialised
    from ``seed``; ``stem_stride``: see ``network_for_task``), fit it with ``trainer`` (its
    epochs) on ``task.train`` and score it on the ``splits`` of ``task``, in that order.
    With ``validate`` the fit scores ``task.val`` after every epoch (for the trainer's
    callbacks, e.g. ``EarlyStopping``).

    Raises:
        InvalidArchitectureError: no network is known for ``type(arch)``.
        InvalidSettingError: a split is not ``train``, ``val`` or ``test``.
    """
    for split in splits:
        check_choice("split", split, _SPLITS)
    network = network_for_task(
        arch, task, channels=channels, layers=layers, seed=seed, stem_stride=stem_stride
    )
    start = time.perf_counter()
    trainer.fit(network, task.train, task.val if validate else None)
    seconds = time.perf_counter() - start
    accuracy = {
        split: trainer.evaluate(network, getattr(task, split))["accuracy"] for split in splits
    }
    network.cpu()
    _log.debug("trained %s from scratch on %s for %d epochs", arch, task.name, trainer.epochs)
    return Retrained(network, accuracy, count_parameters(network), seconds)
