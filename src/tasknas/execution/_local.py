"""Jobs and evaluations in the calling process, one after another."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from tasknas.errors import InvalidSettingError
from tasknas.execution._base import Executor, J, R, check_threads, run_job


class LocalExecutor(Executor):
    """Runs jobs (evaluations, seeds, ...) in order, in this process (one worker: ``workers``
    must be 1). Jobs need not pickle (``in_process``).

    Args:
        workers: must be ``None`` or 1.
        threads: torch's CPU threads during each job, restored after (default: this
            process's count, left as it is).
    """

    in_process = True

    def __init__(self, workers: int | None = None, *, threads: int | None = None) -> None:
        if workers not in (None, 1):
            raise InvalidSettingError(
                f"the local executor runs one job at a time, got workers={workers}; "
                "use the 'process' executor for more"
            )
        self.threads = check_threads(threads)

    def map_unordered(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        for index, job in enumerate(jobs):
            yield index, run_job(fn, job, self.threads)
