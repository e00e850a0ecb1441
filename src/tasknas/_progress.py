"""Progress reporting: the one callback shape of every long-running tasknas call.

A long call (``fuse_search``, ``mtl_search``, ``TaskDictionary.build``, ``target_distances``,
``compare_strategies``, ...) takes ``progress: Progress | None`` and calls
``progress(message, done, total)`` after each finished unit of work: ``done`` of ``total``
units are finished and ``message`` says what the last one was. The return value is ignored.
The CLI's progress bar (``tasknas.cli._common.progress_bar``) is such a callback; so is
``lambda message, done, total: print(message)``. Trainer fits report through the training
callback ``tasknas.training.ProgressCallback``, which wraps a ``Progress``.

This module imports nothing heavy (no torch), so the CLI can use it at startup.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["Progress", "Tracker", "prefixed"]

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


def prefixed(progress: Progress | None, prefix: str) -> Progress | None:
    """``progress`` with ``prefix`` put before every message (``None`` stays ``None``)."""
    if progress is None:
        return None
    outer = progress

    def report(message: str, done: int, total: int) -> None:
        outer(prefix + message, done, total)

    return report
