"""Evaluations in the calling process, one after another."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from tasknas.errors import InvalidSettingError
from tasknas.evaluator import Evaluator
from tasknas.execution._base import Completed, Executor, check_threads, evaluate_with_threads
from tasknas.trial import Trial


class LocalExecutor(Executor):
    """Evaluates trials in order, in this process (one worker: ``workers`` must be 1).

    Args:
        workers: must be ``None`` or 1.
        threads: torch's CPU threads during each evaluation, restored after (default: this
            process's count, left as it is).
    """

    def __init__(self, workers: int | None = None, *, threads: int | None = None) -> None:
        if workers not in (None, 1):
            raise InvalidSettingError(
                f"the local executor runs one evaluation at a time, got workers={workers}; "
                "use the 'process' executor for more"
            )
        self.threads = check_threads(threads)

    def run(self, evaluator: Evaluator, trials: Sequence[Trial]) -> Iterator[Completed]:
        for index, trial in enumerate(trials):
            yield Completed(index, *evaluate_with_threads(evaluator, trial, self.threads))
