"""The ``Evaluator`` and ``Oracle`` protocols, and evaluator wrappers."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from tasknas._validation import check_delay
from tasknas.errors import InvalidArchitectureError, UnknownNameError
from tasknas.spaces import SearchSpace
from tasknas.tasks import Task
from tasknas.trial import Result, Trial

__all__ = [
    "AnyEvaluator",
    "Evaluator",
    "GenerationEvaluator",
    "Latency",
    "Oracle",
    "TaskScorer",
]


class TaskScorer(ABC):
    """What every kind of evaluator has: a space, named tasks, a ``prepare`` hook and the
    checks of a task name and an architecture. Not used alone: an evaluator is either an
    ``Evaluator`` (one pair at a time, stateless) or a ``GenerationEvaluator`` (a whole
    generation at once, stateful)."""

    @property
    @abstractmethod
    def space(self) -> SearchSpace[Any]:
        """The search space whose genotypes this evaluator accepts."""

    @property
    @abstractmethod
    def tasks(self) -> Mapping[str, Task]:
        """The tasks this evaluator can score, by name, in a fixed order."""

    def prepare(self) -> None:  # noqa: B027 - optional hook
        """Load what evaluations need (tables, data), so that a missing file fails now.

        Runs call it before any output or run directory is written; no-op by default.
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


class Evaluator(TaskScorer):
    """Scores an architecture on a task and returns an immutable ``Result``.

    Implementations are picklable (process pools and Ray ship them to workers) and do not
    change state across calls, so evaluating the same pair twice is safe.
    """

    @abstractmethod
    def evaluate(self, arch: Any, task: str) -> Result:
        """Score ``arch`` on the task named ``task``.

        Raises:
            UnknownNameError: ``task`` is not one of ``tasks``.
            InvalidArchitectureError: ``arch`` is not a genotype of ``space``.
        """


class GenerationEvaluator(TaskScorer):
    """An evaluator whose results depend on the generation they are asked in: a sibling of
    ``Evaluator``, not a kind of it (it keeps state across calls and has no ``evaluate``).

    Weight-sharing evaluators (``tasknas.benchmarks.train.SupernetEvaluator``) train one
    network per task for one epoch on the individuals of a generation, then score each with
    the shared weights; a result therefore depends on every generation before it. The
    ``Runner`` hands such an evaluator each ask's new trials at once through
    ``evaluate_generation``, in this process (the executor is not used), including on resume,
    where results already in the run store are passed in so that the evaluator replays the
    generation instead of scoring it again. Its contract: ``tasknas.testing``'s
    ``GenerationEvaluatorContract``.
    """

    @abstractmethod
    def evaluate_generation(
        self, trials: Sequence[Trial], stored: Sequence[Result | None]
    ) -> list[Result]:
        """Results of one generation's ``trials``, in order.

        ``stored[i]`` is the recorded result of ``trials[i]`` when a resumed run replays it
        (returned as it is, but the trial still takes part in the generation), else ``None``.
        """

    def attach(self, run_dir: Path) -> None:
        """Keep resumable state (e.g. checkpoints) in ``run_dir``; no-op by default."""


#: Either kind of evaluator: what a benchmark name opens.
AnyEvaluator = Evaluator | GenerationEvaluator


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
        self.seconds = check_delay(seconds)

    @property
    def space(self) -> SearchSpace[Any]:
        return self.inner.space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self.inner.tasks

    def prepare(self) -> None:
        self.inner.prepare()

    def evaluate(self, arch: Any, task: str) -> Result:
        time.sleep(self.seconds)
        return self.inner.evaluate(arch, task)
