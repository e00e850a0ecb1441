"""Progress reporting: ``progress(message, done, total)`` calls, e.g. for a progress bar."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from tasknas.training import Callback

if TYPE_CHECKING:
    from torch import nn

    from tasknas.training import Trainer

__all__ = ["EpochProgress", "Progress", "Tracker"]

#: ``progress(message, done, total)``: ``done`` of ``total`` units of work are finished.
Progress = Callable[[str, int, int], object]


class Tracker:
    """Counts finished units of a ``total`` and reports each one to ``progress`` (if any)."""

    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.total = total
        self.done = 0

    def step(self, message: str) -> None:
        """One more unit is finished."""
        self.done += 1
        if self.progress is not None:
            self.progress(message, self.done, self.total)

    def nested(self) -> Progress | None:
        """A ``Progress`` for a sub-task whose units continue this tracker's count."""
        if self.progress is None:
            return None
        outer, base, total = self.progress, self.done, self.total

        def report(message: str, done: int, _total: int) -> None:
            outer(message, base + done, total)

        return report


class EpochProgress(Callback):
    """A trainer callback: ``progress(f"{label} epoch e/E", e, E)`` after every epoch."""

    def __init__(self, progress: Progress, label: str) -> None:
        self.progress = progress
        self.label = label
        self._epochs = 0

    def on_fit_start(self, trainer: Trainer, model: nn.Module) -> None:
        self._epochs = trainer.fit_info.epochs if trainer.fit_info else 0

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        done = epoch + 1
        self.progress(f"{self.label} epoch {done}/{self._epochs}", done, self._epochs)
