"""Batch augmentations for ``Trainer(augment=...)``: seeded, no global random state.

An augmentation is a callable ``augment(x, generator) -> x`` applied to every training batch
``x`` (``(N, C, H, W)``) before the forward pass; it draws its randomness from ``generator``
(a CPU ``torch.Generator`` the trainer seeds from its seed and the epoch), so a fit stays
reproducible. Evaluation and prediction never augment.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from tasknas._validation import non_negative
from tasknas.errors import InvalidSettingError

__all__ = ["Compose", "RandomMirror", "RandomShift", "final_augmentation"]


class RandomShift:
    """Shift each image by a random whole number of pixels in ``[-max_shift, max_shift]``
    along each axis (independently per image), filling the uncovered border with zeros:
    the batch is zero-padded by ``max_shift`` on every side and each image cropped back to
    its size at a random offset. ``max_shift=0`` leaves batches unchanged.
    """

    def __init__(self, max_shift: int = 2) -> None:
        if isinstance(max_shift, bool) or not isinstance(max_shift, int):
            raise InvalidSettingError(f"max_shift must be an integer >= 0, got {max_shift!r}")
        self.max_shift = int(non_negative("max_shift", max_shift))

    def __repr__(self) -> str:
        return f"RandomShift(max_shift={self.max_shift})"

    def shifts(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``(n, 2)`` integer shifts (rows, columns) in ``[-max_shift, max_shift]``."""
        return torch.randint(-self.max_shift, self.max_shift + 1, (n, 2), generator=generator)

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.max_shift == 0 or len(x) == 0:
            return x
        pad = self.max_shift
        n, _, height, width = x.shape
        # top-left corner of each crop in the padded batch: pad - shift
        corner = (pad - self.shifts(n, generator)).to(x.device)
        padded = F.pad(x, (pad, pad, pad, pad))
        rows = corner[:, 0, None] + torch.arange(height, device=x.device)  # (N, H)
        cols = corner[:, 1, None] + torch.arange(width, device=x.device)  # (N, W)
        batch = torch.arange(n, device=x.device)[:, None, None, None]
        channel = torch.arange(x.shape[1], device=x.device)[None, :, None, None]
        return padded[batch, channel, rows[:, None, :, None], cols[:, None, None, :]]


class RandomMirror:
    """Mirror each image left to right with probability ``p`` (independently per image).

    Only for data whose labels survive a mirror image (clothing, sketches, tissue); a
    digit or a letter does not (``tasknas.tasks.mirror_invariant`` says which shipped data
    sets do).
    """

    def __init__(self, p: float = 0.5) -> None:
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            raise InvalidSettingError(f"p must be a probability in [0, 1], got {p!r}")
        self.p = float(p)

    def __repr__(self) -> str:
        return f"RandomMirror(p={self.p})"

    def chosen(self, n: int, generator: torch.Generator) -> torch.Tensor:
        """``(n,)`` booleans: which images of a batch of ``n`` are mirrored."""
        return torch.rand(n, generator=generator) < self.p

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        if self.p == 0 or len(x) == 0:
            return x
        flip = self.chosen(len(x), generator).to(x.device)[:, None, None, None]
        return torch.where(flip, x.flip(-1), x)


class Compose:
    """Apply ``augmentations`` in order, each drawing from the same generator."""

    def __init__(self, *augmentations: RandomShift | RandomMirror) -> None:
        self.augmentations = augmentations

    def __repr__(self) -> str:
        return f"Compose({', '.join(map(repr, self.augmentations))})"

    def __call__(self, x: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        for augment in self.augmentations:
            x = augment(x, generator)
        return x


def final_augmentation(max_shift: int, mirror: bool) -> RandomShift | RandomMirror | Compose | None:
    """The augmentation of a retraining: random ±``max_shift`` pixel shifts, then, with
    ``mirror``, each image mirrored left to right with probability one half; ``None`` when
    neither. Without ``mirror`` it is ``RandomShift(max_shift)`` itself, so the shifts drawn
    are those of trainings before mirror images existed."""
    shift = RandomShift(max_shift)
    parts = [*([shift] if shift.max_shift else []), *([RandomMirror()] if mirror else [])]
    return Compose(*parts) if len(parts) > 1 else (parts[0] if parts else None)
