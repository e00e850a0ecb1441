"""Optimiser and learning-rate schedule factories for the ``Trainer``, by name."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from tasknas._validation import check_choice

__all__ = ["OPTIMIZERS", "SCHEDULERS", "build_optimizer", "build_scheduler"]

OPTIMIZERS = ("adam", "sgd")
SCHEDULERS = ("cosine",)


def build_optimizer(
    name: str,
    parameters: Sequence[torch.Tensor],
    *,
    lr: float,
    momentum: float,
    weight_decay: float,
    nesterov: bool,
) -> torch.optim.Optimizer:
    """A fresh optimiser called ``name`` over ``parameters``.

    ``momentum`` and ``nesterov`` apply to SGD only; Adam uses its default betas.
    """
    check_choice("optimizer", name, OPTIMIZERS)
    if name == "adam":
        return torch.optim.Adam(parameters, lr=lr, weight_decay=weight_decay)
    return torch.optim.SGD(
        parameters, lr=lr, momentum=momentum, weight_decay=weight_decay, nesterov=nesterov
    )


def build_scheduler(
    name: str | None, optimizer: torch.optim.Optimizer, *, epochs: int
) -> torch.optim.lr_scheduler.LRScheduler | None:
    """The per-epoch schedule called ``name`` (``None``: a constant learning rate).

    ``cosine`` anneals from the initial rate towards 0 over ``epochs`` epochs.
    """
    check_choice("scheduler", name, SCHEDULERS, optional=True)
    if name is None:
        return None
    return torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=epochs)
