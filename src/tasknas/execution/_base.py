"""The ``Executor`` protocol: where evaluations run."""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from tasknas._logging import get_logger
from tasknas.errors import TasknasError
from tasknas.evaluator import Evaluator
from tasknas.trial import Result, Trial

logger = get_logger(__name__)


@dataclass(frozen=True)
class Completed:
    """A finished evaluation: position of the trial in the submitted batch, result, times."""

    index: int
    result: Result
    started_at: float
    finished_at: float


def evaluate_safely(evaluator: Evaluator, trial: Trial) -> tuple[Result, float, float]:
    """Evaluate one trial; an exception from the model becomes a failed ``Result``.

    ``TasknasError`` (bad settings, missing data) is not a trial failure and propagates.
    """
    started = time.time()
    try:
        result = evaluator.evaluate(trial.arch, trial.task)
    except TasknasError:
        raise
    except Exception as exc:  # a crashing evaluation is a recorded failure, not a crash
        logger.warning("trial %s on %s failed: %s", trial.arch, trial.task, exc)
        result = Result.failure(f"{type(exc).__name__}: {exc}", cost=time.time() - started)
    return result, started, time.time()


class Executor(ABC):
    """Runs batches of evaluations and yields each as it completes (any order)."""

    @abstractmethod
    def run(self, evaluator: Evaluator, trials: Sequence[Trial]) -> Iterator[Completed]:
        """Evaluate every trial; yield one ``Completed`` per trial as it finishes."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release workers (no-op by default)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
