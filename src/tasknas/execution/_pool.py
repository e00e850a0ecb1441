"""Evaluations in a pool of worker processes on this machine."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait

from tasknas.errors import InvalidSettingError
from tasknas.evaluator import Evaluator
from tasknas.execution._base import Completed, Executor, evaluate_safely
from tasknas.trial import Result, Trial


class PoolExecutor(Executor):
    """Evaluates trials in ``workers`` processes (started with ``spawn``).

    The evaluator is pickled to the workers; tabular benchmarks load their table once per
    worker. Workers are started on first use and kept until ``close``.
    """

    def __init__(self, workers: int | None = None) -> None:
        if workers is None:
            workers = os.cpu_count() or 1
        if workers < 1:
            raise InvalidSettingError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def run(self, evaluator: Evaluator, trials: Sequence[Trial]) -> Iterator[Completed]:
        pool = self._get_pool()
        pending: dict[Future[tuple[Result, float, float]], int] = {
            pool.submit(evaluate_safely, evaluator, trial): i for i, trial in enumerate(trials)
        }
        try:
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in done:
                    index = pending.pop(future)
                    yield Completed(index, *future.result())
        finally:
            for future in pending:
                future.cancel()

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None
