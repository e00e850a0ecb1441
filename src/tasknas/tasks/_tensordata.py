"""``TensorData``: one split of a task held in memory as a pair of tensors."""

from __future__ import annotations

from dataclasses import dataclass

import torch

__all__ = ["TensorData"]


@dataclass(frozen=True, eq=False)
class TensorData:
    """Inputs ``x`` and integer targets ``y`` of one split, with one row of each per example.

    For image tasks ``x`` is float32 ``(N, C, H, W)`` with values in ``[0, 1]`` and ``y`` is
    int64 holding class indices: ``(N,)`` for one task, or ``(N, T)`` with one column per
    task for a multi-task set (``MultiTaskSet``).

    Raises:
        ValueError: ``y`` is neither 1-D nor 2-D, or ``x`` and ``y`` differ in rows.
    """

    x: torch.Tensor
    y: torch.Tensor

    def __post_init__(self) -> None:
        if self.y.ndim not in (1, 2):
            raise ValueError(
                f"TensorData.y must be 1-D (one task) or 2-D (one column per task), "
                f"got shape {tuple(self.y.shape)}"
            )
        if self.x.shape[0] != self.y.shape[0]:
            raise ValueError(f"TensorData.x has {self.x.shape[0]} rows but y has {self.y.shape[0]}")

    def __len__(self) -> int:
        return int(self.y.shape[0])
