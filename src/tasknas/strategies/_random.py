"""Random search: uniform samples, without repeating an architecture on a task."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from tasknas.errors import InvalidSettingError
from tasknas.spaces import SearchSpace
from tasknas.strategies._base import Strategy, draw_unseen
from tasknas.trial import Result, Trial


class RandomSearch(Strategy):
    """Uniform random sampling per task.

    An architecture already proposed for a task is re-drawn (up to ``max_redraws`` times), so
    under a budget of distinct evaluations this is sampling without replacement.

    Args:
        space: the search space.
        tasks: task names.
        batch_size: trials per task in each ``ask``.
        max_redraws: draws tried per proposal before a repeat is accepted.
        seed: seed of the per-task generators.
    """

    name: ClassVar[str] = "random"

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        batch_size: int = 1,
        max_redraws: int = 64,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, tasks, seed=seed)
        if batch_size < 1:
            raise InvalidSettingError(f"batch_size must be >= 1, got {batch_size}")
        self.batch_size = batch_size
        self.max_redraws = max_redraws
        self._seen: dict[str, set[str]] = {t: set() for t in self.tasks}

    def _draw(self, task: str) -> Any:
        arch = draw_unseen(self.space, self.rngs[task], self._seen[task], self.max_redraws)
        self._seen[task].add(str(arch))
        return arch

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        return [
            Trial(task, self._draw(task))
            for task in self._active(tasks)
            for _ in range(self.batch_size)
        ]

    def tell(self, trial: Trial, result: Result) -> None:
        """Random search learns nothing from results."""

    def state_dict(self) -> dict[str, Any]:
        return {**super().state_dict(), "seen": {t: sorted(s) for t, s in self._seen.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        self._seen = {t: set(state["seen"][t]) for t in self.tasks}
