"""Regularized (aging) evolution, run independently on each task (Real et al., AAAI 2019)."""

from __future__ import annotations

from collections import deque
from collections.abc import Collection, Sequence
from typing import Any, ClassVar

from tasknas.errors import InvalidSettingError
from tasknas.spaces import SearchSpace
from tasknas.strategies._base import Strategy
from tasknas.trial import Result, Trial


class RegularizedEvolution(Strategy):
    """Regularized (aging) evolution, run independently on each task.

    Per task: a population of the latest ``population_size`` results; each child is a
    one-edge mutation of the best of ``sample_size`` members drawn at random; the oldest
    member dies when a child joins.

    The first ask for a task proposes ``population_size`` random architectures at once; each
    later ask proposes ``batch_size`` children per task.

    Args:
        space: the search space.
        tasks: task names.
        population_size: members kept per task.
        sample_size: tournament size.
        batch_size: children per task in each ``ask`` after the initial population.
        seed: seed of the per-task generators.
    """

    name: ClassVar[str] = "re"

    def __init__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        *,
        population_size: int = 10,
        sample_size: int = 5,
        batch_size: int = 1,
        seed: int | None = None,
    ) -> None:
        super().__init__(space, tasks, seed=seed)
        for label, value in (
            ("population_size", population_size),
            ("sample_size", sample_size),
            ("batch_size", batch_size),
        ):
            if value < 1:
                raise InvalidSettingError(f"{label} must be >= 1, got {value}")
        if sample_size > population_size:
            raise InvalidSettingError(
                f"sample_size ({sample_size}) must not exceed population_size ({population_size})"
            )
        self.population_size = population_size
        self.sample_size = sample_size
        self.batch_size = batch_size
        self._population: dict[str, deque[tuple[Any, float]]] = {
            t: deque(maxlen=population_size) for t in self.tasks
        }
        self._initialised: set[str] = set()

    def _child(self, task: str) -> Any:
        population, rng = self._population[task], self.rngs[task]
        if not population:
            return self.space.sample(rng)
        size = min(self.sample_size, len(population))
        picks = rng.choice(len(population), size=size, replace=False)
        parent = max((population[int(i)] for i in sorted(picks)), key=lambda m: m[1])[0]
        return self.space.mutate(parent, rng)

    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        trials = []
        for task in self._active(tasks):
            if task not in self._initialised:
                self._initialised.add(task)
                rng = self.rngs[task]
                trials += [Trial(task, self.space.sample(rng)) for _ in range(self.population_size)]
            else:
                trials += [Trial(task, self._child(task)) for _ in range(self.batch_size)]
        return trials

    def tell(self, trial: Trial, result: Result) -> None:
        if result.ok:
            self._population[trial.task].append((trial.arch, result.objective))

    def population(self, task: str) -> list[tuple[Any, float]]:
        """The current members of ``task``'s population, oldest first."""
        return list(self._population[task])

    def state_dict(self) -> dict[str, Any]:
        return {
            **super().state_dict(),
            "population": {t: [[str(a), f] for a, f in pop] for t, pop in self._population.items()},
            "initialised": sorted(self._initialised),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        super().load_state_dict(state)
        for task in self.tasks:
            members = [(self.space.parse(a), float(f)) for a, f in state["population"][task]]
            self._population[task] = deque(members, maxlen=self.population_size)
        self._initialised = set(state["initialised"])
