"""Local search: best-improvement hill climbing with random restarts, run on each task alone.

White, Nolen, Savani, "Exploring the loss landscape in neural architecture search" (UAI 2021;
preprint title "Local search is state of the art for NAS benchmarks"): start from a random
architecture, evaluate every neighbour (one mutation away), move to the best one while it
improves, and restart from a new random architecture at a local optimum.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from tasknas.errors import InvalidSettingError
from tasknas.spaces import SearchSpace
from tasknas.strategies._base import Strategy, draw_unseen
from tasknas.trial import Result, Trial

#: Moves and restarts tried in one ask before a space with nothing left unseen gives a repeat.
_MAX_STEPS = 1_000


def objective_to_json(value: float) -> float | None:
    """``value`` for JSON: ``None`` for a failure's ``-inf``."""
    return value if math.isfinite(value) else None


def objective_from_json(value: float | None) -> float:
    """The inverse of ``objective_to_json``."""
    return -math.inf if value is None else float(value)


class LocalSearch(Strategy):
    """Best-improvement local search with random restarts, independently on each task.

    Per task: the incumbent starts as a uniformly random architecture. Its neighbours
    (``space.neighbours``) are proposed in a random order, skipping those the task already
    has a result for; once every neighbour has a result the search moves to the best one
    (the first in proposal order among equals) if it beats the incumbent. Otherwise the
    incumbent is a local optimum (``local_optima``) and the search restarts from a random
    architecture the task has not evaluated. A failed evaluation counts as ``-inf``.

    A neighbour or start that was asked but never told (a cancelled trial) is proposed again
    by the next ask.

    Args:
        space: the search space (any space that lists ``neighbours``).
        tasks: task names.
        batch_size: neighbours proposed per task in each ``ask`` (default: every neighbour
            still without a result).
        max_redraws: draws tried per restart before an evaluated architecture is accepted.
        seed: seed of the per-task generators.
    """

    name: ClassVar[str] = "local"

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        batch_size: int | None = None,
        max_redraws: int = 64,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, tasks, seed=seed)
        if batch_size is not None and batch_size < 1:
            raise InvalidSettingError(f"batch_size must be >= 1 or None, got {batch_size}")
        if max_redraws < 0:
            raise InvalidSettingError(f"max_redraws must be >= 0, got {max_redraws}")
        self.batch_size = batch_size
        self.max_redraws = max_redraws
        #: Per task: every architecture told (canonical string -> objective, -inf on failure).
        self._values: dict[str, dict[str, float]] = {t: {} for t in self.tasks}
        self._incumbent: dict[str, Any | None] = dict.fromkeys(self.tasks)
        #: A random start waiting for its result (only while there is no incumbent).
        self._start: dict[str, Any | None] = dict.fromkeys(self.tasks)
        #: The incumbent's neighbours, in proposal order.
        self._queue: dict[str, list[Any]] = {t: [] for t in self.tasks}
        self._optima: dict[str, list[tuple[str, float]]] = {t: [] for t in self.tasks}

    def local_optima(self, task: str) -> list[tuple[str, float]]:
        """``(architecture, objective)`` of every local optimum ``task`` restarted from."""
        return list(self._optima[task])

    def _climb(self, task: str, arch: Any) -> None:
        """Make ``arch`` (told already) the incumbent; queue its neighbours in random order."""
        neighbours = self.space.neighbours(arch)
        order = self.rngs[task].permutation(len(neighbours))
        self._incumbent[task] = arch
        self._start[task] = None
        self._queue[task] = [neighbours[int(i)] for i in order]

    def _step(self, task: str) -> None:
        """Every neighbour has a result: move to the best one, or restart at a local optimum."""
        values, incumbent = self._values[task], self._incumbent[task]
        current = values[str(incumbent)]
        best = max(self._queue[task], key=lambda a: values[str(a)], default=None)
        if best is not None and values[str(best)] > current:
            self._climb(task, best)
            return
        self._optima[task].append((str(incumbent), current))
        self._incumbent[task] = None
        self._queue[task] = []

    def _proposals(self, task: str) -> list[Any]:
        values = self._values[task]
        for _ in range(_MAX_STEPS):
            incumbent = self._incumbent[task]
            if incumbent is None:
                start = self._start[task]
                if start is None:
                    start = draw_unseen(self.space, self.rngs[task], values, self.max_redraws)
                    self._start[task] = start
                if str(start) not in values:
                    return [start]
                self._climb(task, start)
                continue
            waiting = [a for a in self._queue[task] if str(a) not in values]
            if waiting:
                return waiting[: self.batch_size or len(waiting)]
            self._step(task)
        # Every architecture reached is evaluated already (an exhausted space): a free repeat.
        arch = self._incumbent[task] if self._incumbent[task] is not None else self._start[task]
        return [arch if arch is not None else self.space.sample(self.rngs[task])]

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        return [Trial(task, arch) for task in self._active(tasks) for arch in self._proposals(task)]

    def tell(self, trial: Trial, result: Result) -> None:
        self._values[trial.task][str(trial.arch)] = result.objective if result.ok else -math.inf

    def state_dict(self) -> dict[str, Any]:
        def text(arch: Any | None) -> str | None:
            return None if arch is None else str(arch)

        return {
            **super().state_dict(),
            "values": {
                t: [[a, objective_to_json(v)] for a, v in vs.items()]
                for t, vs in self._values.items()
            },
            "incumbent": {t: text(a) for t, a in self._incumbent.items()},
            "start": {t: text(a) for t, a in self._start.items()},
            "queue": {t: [str(a) for a in q] for t, q in self._queue.items()},
            "optima": {
                t: [[a, objective_to_json(v)] for a, v in o] for t, o in self._optima.items()
            },
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        parse = self.space.parse
        for task in self.tasks:
            self._values[task] = {a: objective_from_json(v) for a, v in state["values"][task]}
            incumbent, start = state["incumbent"][task], state["start"][task]
            self._incumbent[task] = None if incumbent is None else parse(incumbent)
            self._start[task] = None if start is None else parse(start)
            self._queue[task] = [parse(a) for a in state["queue"][task]]
            self._optima[task] = [(a, objective_from_json(v)) for a, v in state["optima"][task]]
