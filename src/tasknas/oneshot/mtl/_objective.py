"""Multi-task loss and accuracy on concatenated logits, as ``Trainer`` ``loss=``/``metric=``.

An ``MTLNetwork`` returns every task's logits side by side, ``(N, sum(num_classes))``, and
multi-task labels are ``(N, T)``: column ``t`` holds task ``t``'s class.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import torch
import torch.nn.functional as F

from tasknas.training import LossFn, Trainer

if TYPE_CHECKING:
    from tasknas.oneshot.mtl._settings import MTLSettings

__all__ = ["MultiTaskLoss", "MultiTaskMetric", "mtl_trainer", "task_accuracies"]


class MultiTaskLoss:
    """Sum over tasks of the cross-entropy of each task's logits (a ``Trainer`` ``loss``)."""

    def __init__(self, num_classes: Sequence[int]) -> None:
        self.num_classes = tuple(num_classes)

    def __call__(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        parts = torch.split(logits, self.num_classes, dim=1)
        return sum(F.cross_entropy(part, y[:, t]) for t, part in enumerate(parts))


class MultiTaskMetric:
    """Mean over tasks of each task's accuracy, a fraction (a ``Trainer`` ``metric``)."""

    def __init__(self, num_classes: Sequence[int]) -> None:
        self.num_classes = tuple(num_classes)

    def __call__(self, logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return (_n_correct(logits, y, self.num_classes).float() / len(y)).mean()


def task_accuracies(
    logits: torch.Tensor, y: torch.Tensor, num_classes: Sequence[int]
) -> list[float]:
    """Each task's accuracy in percent (from the exact count of correct rows: ``100 * 474 /
    500`` is ``94.8``, where a float32 mean would give ``94.80000138``)."""
    return [100.0 * int(n) / len(y) for n in _n_correct(logits, y, tuple(num_classes))]


def _n_correct(logits: torch.Tensor, y: torch.Tensor, num_classes: tuple[int, ...]) -> torch.Tensor:
    """Each task's number of rows whose arg-max is the task's label."""
    parts = torch.split(logits, num_classes, dim=1)
    return torch.stack([(part.argmax(dim=1) == y[:, t]).sum() for t, part in enumerate(parts)])


def mtl_trainer(
    num_classes: tuple[int, ...],
    settings: MTLSettings,
    seed: int,
    loss: LossFn | None = None,
    **options: Any,
) -> Trainer:
    """A trainer of multi-task networks; ``options`` are further ``Trainer`` settings."""
    return Trainer(
        batch_size=settings.batch_size,
        device=settings.device,
        seed=seed,
        loss=loss or MultiTaskLoss(num_classes),
        metric=MultiTaskMetric(num_classes),
        **options,
    )
