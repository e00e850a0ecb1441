"""Jobs and evaluations in a pool of worker processes on this machine.

The workers share the fate of the process that started them: each ignores SIGINT (Ctrl-C
in a terminal reaches the whole process group; only the process that started them handles
it) and ends itself as soon as that process ends, even when it was killed with SIGKILL and
had no chance to shut the pool down.
"""

from __future__ import annotations

import itertools
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from contextlib import contextmanager

from tasknas._logging import get_logger
from tasknas.errors import InvalidSettingError
from tasknas.execution._base import Executor, J, R, check_threads, resolve_threads, run_job

logger = get_logger(__name__)


def _init_worker() -> None:
    """Initializer of every worker: ignore SIGINT, and end with the parent process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(
            target=_exit_with, args=(parent,), name="tasknas-parent-watch", daemon=True
        ).start()


def _exit_with(parent: multiprocessing.process.BaseProcess) -> None:
    """End this worker at once when ``parent`` has ended (its sentinel: no polling)."""
    parent.join()
    os._exit(1)


@contextmanager
def _new_workers_ignore_sigint() -> Iterator[None]:
    """SIGINT ignored in the body, so that workers started there start ignoring it (an
    ignored signal stays ignored in a new process, unlike a handler) and a Ctrl-C while one
    starts prints no traceback. Only in the main thread, where Python handles signals; a
    Ctrl-C in the body itself (a few submissions) is lost."""
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield  # signals are the main thread's; a handler not set from Python: left alone
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


class PoolExecutor(Executor):
    """Runs jobs (evaluations, seeds, ...) in ``workers`` processes (started with ``spawn``).

    Each job is pickled to a worker with its function (an evaluator with each trial);
    tabular benchmarks load their table once per worker. Workers are started on first use and
    kept until ``close``. They ignore SIGINT and end when this process ends. Leaving a
    ``with`` block on an exception (Ctrl-C included) terminates them without waiting for the
    jobs they run.

    Args:
        workers: processes (default: the CPU count).
        threads: torch's CPU threads in each worker during a job (default: this process's
            count when ``run`` or ``map_unordered`` is called; see ``Executor``).
    """

    def __init__(self, workers: int | None = None, *, threads: int | None = None) -> None:
        if workers is None:
            workers = os.cpu_count() or 1
        if workers < 1:
            raise InvalidSettingError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.threads = check_threads(threads)
        self._pool: ProcessPoolExecutor | None = None

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
            )
        return self._pool

    def map_unordered(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        pool = self._get_pool()
        threads = resolve_threads(self.threads)
        waiting = iter(enumerate(jobs))
        # At most one job per worker and one queued (the size of the pool's call queue), so
        # that no job needs cancelling when the caller stops early: on Python 3.11 a cancelled
        # job still waiting when the workers are terminated makes the pool's thread raise.
        window = self.workers + 1
        pending: dict[Future[R], int] = {}
        while True:
            with _new_workers_ignore_sigint():  # submit starts the workers
                for index, job in itertools.islice(waiting, window - len(pending)):
                    pending[pool.submit(run_job, fn, job, threads)] = index
            if not pending:
                return
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                index = pending.pop(future)
                yield index, future.result()

    def close(self) -> None:
        """Wait for the jobs in flight (at most one per worker and one), then stop the
        workers."""
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None

    def terminate(self) -> None:
        """Stop the workers now, abandoning the jobs they run."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        # the processes, before shutdown forgets them (Python 3.14 has terminate_workers)
        processes = list((getattr(pool, "_processes", None) or {}).values())
        manager = getattr(pool, "_executor_manager_thread", None)
        pool.shutdown(wait=False)
        for process in processes:
            if process.is_alive():
                process.terminate()
        # Let the pool's manager thread see its workers gone and finish: on Python 3.11 the
        # interpreter's exit hook otherwise wakes it through a pipe it may have closed,
        # printing "Bad file descriptor" after the one line a Ctrl-C should print.
        if manager is not None:
            manager.join(timeout=10)
        logger.info("terminated %d worker processes", len(processes))

    def __exit__(self, *exc: object) -> None:
        if exc and exc[0] is not None:  # an error or Ctrl-C: no waiting for the jobs
            self.terminate()
        else:
            self.close()
