"""The ask/tell ``Strategy`` protocol shared by every black-box multi-task search."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Container, Sequence
from typing import Any, ClassVar, Protocol

import numpy as np

from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.spaces import SearchSpace
from tasknas.trial import Result, Trial


class Strategy(ABC):
    """Proposes architectures to evaluate on several tasks at once.

    Lifecycle: call ``ask(tasks)`` to get a batch of trials for the tasks that still have
    budget, evaluate them, then ``tell(trial, result)`` for each evaluated trial in the order
    they were asked. A trial that is never told was cancelled (its task ran out of budget) and
    the strategy must cope. Asking for an architecture already evaluated on a task is allowed;
    it costs nothing and is told again.

    A strategy owns one ``numpy.random.Generator`` per task, spawned from ``seed``, so the
    same seed gives the same proposals in any process. ``state_dict()`` returns a
    JSON-serialisable snapshot (generator states included); ``load_state_dict`` on a fresh
    instance built with the same arguments continues exactly where the snapshot was taken.
    A strategy never imports a benchmark, torch or the run store.
    """

    name: ClassVar[str]
    #: What one ``ask`` is, for progress lines: "ask", or "generation" for a strategy whose
    #: every ask is a generation of its populations.
    ask_name: ClassVar[str] = "ask"

    def __init__(self, space: SearchSpace[Any], tasks: Sequence[str], *, seed: int | None = None):
        if not tasks:
            raise InvalidSettingError(f"{type(self).__name__} needs at least one task, got none")
        if len(set(tasks)) != len(tasks):
            raise InvalidSettingError(f"duplicate task names in {list(tasks)}")
        self.space = space
        self.tasks = tuple(tasks)
        self.seed = seed
        #: Per task and generation: immigrants told and how many were labelled positive
        #: (filled by strategies that transfer architectures between tasks).
        self.transfer_log: list[dict[str, Any]] = []
        children = np.random.SeedSequence(seed).spawn(len(self.tasks))
        self.rngs = {
            task: np.random.default_rng(child)
            for task, child in zip(self.tasks, children, strict=True)
        }

    def _active(self, tasks: Collection[str] | None) -> list[str]:
        if tasks is None:
            return list(self.tasks)
        for task in tasks:
            if task not in self.rngs:
                raise UnknownNameError("task", task, self.tasks)
        return [t for t in self.tasks if t in tasks]

    @abstractmethod
    def ask(self, tasks: Collection[str] | None = None) -> list[Trial]:
        """The next trials, only for ``tasks`` (default: every task); empty when exhausted."""

    @abstractmethod
    def tell(self, trial: Trial, result: Result) -> None:
        """Report the result of an asked trial."""

    def state_dict(self) -> dict[str, Any]:
        """A JSON-serialisable snapshot of the strategy's state."""
        return {"rngs": {t: rng.bit_generator.state for t, rng in self.rngs.items()}}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore a snapshot taken by ``state_dict`` of an identically built strategy."""
        for task, rng_state in state["rngs"].items():
            self.rngs[task].bit_generator.state = rng_state


class StrategyFactory(Protocol):
    """What ``STRATEGIES`` holds: a ``Strategy`` class or a preset function that builds one.

    Called as ``factory(space, tasks, seed=seed, **options)``; the options are the keyword
    arguments of the strategy (or of the preset). An entry need not be a class, so nothing may
    subclass it or read class attributes from it: wrap the strategy it returns instead.
    """

    def __call__(
        self,
        space: SearchSpace[Any],
        tasks: Sequence[str],
        /,
        *,
        seed: int | None = None,
        **options: Any,
    ) -> Strategy: ...


def draw_unseen(
    space: SearchSpace[Any], rng: np.random.Generator, seen: Container[str], max_draws: int
) -> Any:
    """A uniformly random architecture whose string is not in ``seen``.

    Draws up to ``max_draws`` extra times; when every draw was seen the last one is returned.
    """
    arch = space.sample(rng)
    for _ in range(max_draws):
        if str(arch) not in seen:
            break
        arch = space.sample(rng)
    return arch
