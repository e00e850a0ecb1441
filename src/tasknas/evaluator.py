"""The ``Evaluator`` and ``Oracle`` protocols, and evaluator wrappers."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any

from tasknas.errors import InvalidArchitectureError, UnknownNameError
from tasknas.spaces import SearchSpace
from tasknas.tasks import Task
from tasknas.trial import Result

__all__ = ["Evaluator", "Latency", "Oracle"]


class Evaluator(ABC):
    """Scores an architecture on a task and returns an immutable ``Result``.

    Implementations are picklable (process pools and Ray ship them to workers) and do not
    change state across calls, so evaluating the same pair twice is safe.
    """

    @property
    @abstractmethod
    def space(self) -> SearchSpace[Any]:
        """The search space whose genotypes this evaluator accepts."""

    @property
    @abstractmethod
    def tasks(self) -> Mapping[str, Task]:
        """The tasks this evaluator can score, by name, in a fixed order."""

    @abstractmethod
    def evaluate(self, arch: Any, task: str) -> Result:
        """Score ``arch`` on the task named ``task``.

        Raises:
            UnknownNameError: ``task`` is not one of ``tasks``.
            InvalidArchitectureError: ``arch`` is not a genotype of ``space``.
        """

    def task(self, name: str) -> Task:
        """The task named ``name``; the error lists the valid names."""
        try:
            return self.tasks[name]
        except KeyError:
            raise UnknownNameError("task", name, self.tasks) from None

    def check_arch(self, arch: Any) -> None:
        """Raise ``InvalidArchitectureError`` unless ``arch`` belongs to ``space``."""
        if not self.space.contains(arch):
            raise InvalidArchitectureError(
                f"{arch!r} is not an architecture of the {self.space.name!r} space"
            )


class Oracle(ABC):
    """Ground truth over a whole (tabular) space: the optimum, ranks and percentiles."""

    @abstractmethod
    def best(self, task: str) -> Any:
        """An architecture with the highest objective on ``task``."""

    @abstractmethod
    def best_objective(self, task: str) -> float:
        """The highest objective on ``task``."""

    @abstractmethod
    def rank(self, arch: Any, task: str) -> int:
        """1 + the number of architectures strictly better than ``arch`` on ``task``."""

    @abstractmethod
    def percentile(self, arch: Any, task: str) -> float:
        """The share (%) of architectures strictly better than ``arch`` on ``task``."""


class Latency(Evaluator):
    """Wraps an evaluator and sleeps ``seconds`` before each evaluation.

    Simulates slow evaluations, to exercise parallel executors, progress and resume.
    """

    def __init__(self, inner: Evaluator, seconds: float) -> None:
        self.inner = inner
        self.seconds = float(seconds)

    @property
    def space(self) -> SearchSpace[Any]:
        return self.inner.space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self.inner.tasks

    def evaluate(self, arch: Any, task: str) -> Result:
        time.sleep(self.seconds)
        return self.inner.evaluate(arch, task)
