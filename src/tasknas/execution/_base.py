"""The ``Executor`` protocol: where evaluations, and any other independent jobs, run.

An executor has one primitive, ``map_unordered(fn, jobs)``: run ``fn(job)`` for every job and
yield each result as it finishes. Searches evaluate their trials through it (``run``), and
every other fan-out goes through it too: the seeds of ``compare_strategies``, the tasks of a
dictionary build. So each of them can run in this process, in a process pool or on Ray, and
gets the same results (each job is seeded on its own).

Torch's CPU thread count changes the rounding of its parallel reductions (a convolution's
weight gradient differs in the last bits with 1 and 2 threads), and training amplifies such
differences: one trained network scored 77.6 % with 1 thread and 84.0 % with 2. So every
executor evaluates with the same count, ``threads``: by default the count of torch in the
process that runs the search (``torch.get_num_threads()``; nothing is set when torch is not
loaded there). Worker processes set it before each evaluation, whatever their own default
(Ray's workers start with one thread), so a search gives the same trials and results with
any executor, and ``threads=N`` gives the same results with any executor too.
"""

from __future__ import annotations

import functools
import sys
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar, TypeVar

from tasknas._logging import get_logger
from tasknas._torch import torch_threads
from tasknas.errors import InvalidSettingError, TasknasError
from tasknas.evaluator import Evaluator
from tasknas.trial import Result, Trial

logger = get_logger(__name__)

#: A job of ``Executor.map_unordered`` and its result.
J = TypeVar("J")
R = TypeVar("R")


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


def check_threads(threads: int | None) -> int | None:
    """``threads`` if it is ``None`` or a whole number >= 1, else ``InvalidSettingError``."""
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise InvalidSettingError(f"threads must be a whole number >= 1, got {threads!r}")
    return threads


def resolve_threads(threads: int | None) -> int | None:
    """The torch CPU threads evaluations run with: ``threads``, else this process's count
    (``None`` when torch is not loaded here: there is no count to match)."""
    if threads is not None:
        return threads
    torch = sys.modules.get("torch")
    return None if torch is None else int(torch.get_num_threads())


def run_job(fn: Callable[[J], R], job: J, threads: int | None) -> R:
    """``fn(job)`` with torch on ``threads`` CPU threads (what every executor runs per job)."""
    with torch_threads(threads):
        return fn(job)


class Executor(ABC):
    """Runs independent jobs, and batches of evaluations, yielding each as it completes (any
    order).

    Subclasses implement ``map_unordered``; ``run`` evaluates trials through it (an executor
    may override ``run``, as Ray's does to ship the evaluator once). Executors that run jobs
    with torch take ``threads``: the CPU threads of torch during each job (default: the
    caller's count when ``run`` or ``map_unordered`` is called), the same in every executor so
    that results do not depend on where the jobs ran.
    """

    #: Whether jobs run in the calling process, one after another and in order. Only then may
    #: a job hold what does not pickle (a progress callback) or report as it goes.
    in_process: ClassVar[bool] = False

    @abstractmethod
    def map_unordered(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        """Run ``fn(job)`` for every job; yield ``(index of the job in jobs, its result)`` as
        each finishes (any order; in order for an ``in_process`` executor).

        For independent jobs that give the same result wherever they run (each seeded on its
        own). ``fn`` and the jobs must pickle unless the executor is ``in_process`` (``fn``: a
        function defined at the top level of an importable module, or a
        ``functools.partial`` of one). Each job runs with torch on the executor's ``threads``.
        An exception raised by ``fn`` is raised here, in place of its job's result (a
        ``TasknasError`` as it was raised). Closing the iterator early abandons the jobs not
        yet yielded: they are cancelled, or run out and are discarded.
        """

    def run(self, evaluator: Evaluator, trials: Sequence[Trial]) -> Iterator[Completed]:
        """Evaluate every trial; yield one ``Completed`` per trial as it finishes.

        By default each trial is one job of ``map_unordered`` (``evaluate_safely``): an
        exception from the model is a failed ``Result``, a ``TasknasError`` propagates.
        """
        job = functools.partial(evaluate_safely, evaluator)
        for index, outcome in self.map_unordered(job, trials):
            yield Completed(index, *outcome)

    def check(self) -> None:  # noqa: B027 - optional hook
        """Raise the error the first job would meet in reaching the executor's workers (a
        cluster address that does not answer), without starting any (no-op by default)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release workers (no-op by default)."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
