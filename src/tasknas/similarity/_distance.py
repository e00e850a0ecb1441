"""The Fisher task distance between two tasks (Le et al., research notes §4.2)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import nn

from tasknas.errors import InvalidSettingError
from tasknas.similarity._fisher import diagonal_fisher

if TYPE_CHECKING:
    from tasknas.tasks import TensorData

__all__ = ["fisher_distance", "task_distance"]


def _vector(values: torch.Tensor | np.ndarray, name: str) -> torch.Tensor:
    vector = torch.as_tensor(values).detach().to("cpu", torch.float64)
    if vector.ndim != 1:
        shape = tuple(vector.shape)
        raise InvalidSettingError(f"{name} must be one-dimensional, got shape {shape}")
    if bool((vector < 0).any()) or not bool(torch.isfinite(vector).all()):
        raise InvalidSettingError(f"{name} must be finite and non-negative (a Fisher diagonal)")
    return vector


def fisher_distance(
    f_base: torch.Tensor | np.ndarray, f_target: torch.Tensor | np.ndarray
) -> float:
    """(1/√2)·‖√F_base − √F_target‖₂ for two diagonal Fisher informations.

    This is the Fréchet distance between the diagonal Fishers; for unit-trace diagonals (as
    ``diagonal_fisher`` returns) it lies in [0, 1].

    Raises:
        InvalidSettingError: the diagonals differ in length (different architectures), are
            not one-dimensional, or hold negative or non-finite values.
    """
    base, target = _vector(f_base, "f_base"), _vector(f_target, "f_target")
    if base.shape != target.shape:
        raise InvalidSettingError(
            f"Fisher diagonals differ in length: f_base has {base.numel()} entries, f_target "
            f"{target.numel()}; compute both on networks of the same architecture"
        )
    return float(torch.linalg.vector_norm(base.sqrt() - target.sqrt())) / math.sqrt(2.0)


def task_distance(
    base_model: nn.Module,
    target_model: nn.Module,
    target_data: TensorData,
    *,
    batch_size: int = 64,
    max_samples: int | None = None,
    device: str = "cpu",
) -> float:
    """The Fisher task distance from a base task to a target task.

    ``fisher_distance(F(base_model on target_data), F(target_model on target_data))``, where
    each network was trained on its own task. Asymmetric by construction: only the target's
    data is used. The keywords go to ``diagonal_fisher``.

    The two networks must share an architecture. A diagonal Fisher is not invariant to
    permuting hidden units, so train the task networks from one shared initialisation (e.g.
    built under the same ``seeded(seed)``); networks from different random initialisations
    look far apart even when trained on the same task.
    """
    options = {"batch_size": batch_size, "max_samples": max_samples, "device": device}
    f_base = diagonal_fisher(base_model, target_data, **options)
    f_target = diagonal_fisher(target_model, target_data, **options)
    return fisher_distance(f_base, f_target)
