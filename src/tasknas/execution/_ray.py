"""Evaluations as Ray tasks: on a private local Ray instance or on a Ray cluster.

Ray is an optional dependency (``pip install 'tasknas[ray]'``), imported when the executor
is created, never when this module is.

Fault tolerance: each trial is one Ray task submitted with ``max_retries``, so when the worker
process running it dies (killed, segfault, out of memory, node lost) Ray runs the trial again
on another worker. Ray resolves each task's result once, and ``run`` yields one ``Completed``
per submitted trial, so the runner records every trial exactly once however many attempts it
took. A trial whose worker dies on every attempt becomes a failed ``Result``; an exception
raised by the model is a failed ``Result`` at once (``evaluate_safely``), never retried.

Thread count: Ray starts its workers with one torch thread (``OMP_NUM_THREADS=1``); each
task sets torch's count to the executor's ``threads`` (default: the caller's count), as the
other executors do, so results do not depend on the executor.

Output: the driver prints Ray's error messages (a worker that died, ...) to stdout, and Ray
has no switch for that; a program whose stdout is data (``tasknas search --json``) routes
stdout to stderr while it runs. Worker output is not forwarded (``log_to_driver=False``).

Process lifetime, measured with Ray 2.60 on Linux: a local instance is shut down by
``close`` (on leaving a ``with`` block, Ctrl-C included) and by Ray's own exit hook. When
the driver is killed with SIGKILL, the GCS, the raylet and the workers die with it within
seconds (Ray's kernel fate-sharing), but the raylet's two agents (``ray::DashboardAgent``,
``ray::RuntimeEnvAgent``) live on for about a minute, trying to report the raylet's death
to the dead GCS (a 60 s timeout in Ray), then end themselves.
"""

from __future__ import annotations

import itertools
import math
import re
import time
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tasknas._logging import get_logger
from tasknas.errors import InvalidSettingError, MissingDependencyError, TasknasError
from tasknas.evaluator import Evaluator
from tasknas.execution._base import (
    Completed,
    Executor,
    check_threads,
    evaluate_with_threads,
    resolve_threads,
)
from tasknas.trial import Result, Trial

__all__ = ["RayExecutor"]

logger = get_logger(__name__)

#: ``auto``, ``host:port`` or ``ray://host:port``.
_ADDRESS = re.compile(r"auto|(ray://)?\S+:\d+")
_ADDRESS_FORMS = "'auto', 'HOST:PORT' or 'ray://HOST:PORT'"

#: Per worker process: the evaluator last fetched from the object store, by object id.
_fetched: dict[str, Evaluator] = {}


def import_ray() -> Any:
    """The ``ray`` module; ``MissingDependencyError`` with the install line if absent."""
    try:
        import ray
    except ImportError:
        raise MissingDependencyError(
            "executor 'ray' needs Ray: pip install 'tasknas[ray]'"
        ) from None
    return ray


def _evaluate(shipped: list[Any], trial: Trial, threads: int | None) -> tuple[Result, float, float]:
    """The Ray task: evaluate one trial with the shipped evaluator (fetched once per worker)
    on ``threads`` torch threads."""
    ray = import_ray()
    (ref,) = shipped  # wrapped in a list so Ray passes the reference, not a fresh copy
    evaluator = _fetched.get(ref.hex())
    if evaluator is None:
        _fetched.clear()
        evaluator = _fetched[ref.hex()] = ray.get(ref)
    return evaluate_with_threads(evaluator, trial, threads)


class RayExecutor(Executor):
    """Evaluates trials as Ray tasks, yielding each result as it completes.

    Without ``address`` the executor starts a private local Ray instance on first use (no
    dashboard, worker output not forwarded) and shuts it down on ``close``. With ``address``
    it connects to a running cluster: ``"auto"`` (the one ``ray start`` made on this machine,
    or ``RAY_ADDRESS``), ``"HOST:PORT"`` (the head node's GCS) or ``"ray://HOST:PORT"`` (Ray
    Client, needs ``ray[client]``). If Ray is already initialised in this process, that
    session is used as it is and left running. Cluster nodes need tasknas installed.

    Args:
        workers: evaluations at once: the CPUs of the local instance this starts, and the most
            trials in flight on a cluster (default: all CPUs / as many as the cluster takes).
        address: the Ray cluster to connect to (default: start a private local instance).
        max_retries: times a trial is run again after its worker process dies.
        cpus_per_trial: CPUs Ray reserves for each evaluation.
        gpus_per_trial: GPUs Ray reserves for each evaluation.
        threads: torch's CPU threads in a worker during an evaluation (default: this
            process's count when ``run`` is called; see ``Executor``).
        init_options: extra keyword arguments of ``ray.init`` (e.g. ``runtime_env``).

    Raises:
        MissingDependencyError: Ray is not installed.
        InvalidSettingError: a worker count, retry count, resource or address out of range.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        address: str | None = None,
        max_retries: int = 2,
        cpus_per_trial: float = 1.0,
        gpus_per_trial: float = 0.0,
        threads: int | None = None,
        init_options: Mapping[str, Any] | None = None,
    ) -> None:
        if workers is not None and (isinstance(workers, bool) or workers < 1):
            raise InvalidSettingError(f"workers must be >= 1, got {workers}")
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or max_retries < 0:
            raise InvalidSettingError(f"max_retries must be a whole number >= 0, got {max_retries}")
        if not cpus_per_trial > 0 or not gpus_per_trial >= 0:
            raise InvalidSettingError(
                f"cpus_per_trial must be > 0 and gpus_per_trial >= 0, got {cpus_per_trial} and "
                f"{gpus_per_trial}"
            )
        if address is not None and not _ADDRESS.fullmatch(address):
            raise InvalidSettingError(f"bad Ray address {address!r}; valid forms: {_ADDRESS_FORMS}")
        self.threads = check_threads(threads)
        import_ray()
        self.workers = workers
        self.address = address
        self.max_retries = max_retries
        self.cpus_per_trial = float(cpus_per_trial)
        self.gpus_per_trial = float(gpus_per_trial)
        self.init_options = dict(init_options or {})
        self._started = False  # whether this executor called ray.init (and so shuts down)
        self._task: Any = None
        self._shipped: tuple[Evaluator, Any] | None = None

    def _init_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
        if self.address is None:
            cpus = None if self.workers is None else math.ceil(self.workers * self.cpus_per_trial)
            kwargs |= {"address": "local", "num_cpus": cpus, "include_dashboard": False}
        else:
            kwargs["address"] = self.address
        return kwargs | self.init_options

    def _connect(self) -> Any:
        """Ray, initialised (started or connected here unless it already was)."""
        ray = import_ray()
        if not ray.is_initialized():
            kwargs = self._init_kwargs()
            where = "a local Ray instance" if self.address is None else f"Ray at {self.address}"
            logger.info("starting %s", where)
            try:
                ray.init(**kwargs)
            except ImportError as exc:  # ray:// without the client extra
                raise MissingDependencyError(
                    f"Ray address {self.address!r} needs Ray Client: pip install 'ray[client]' "
                    f"({exc})"
                ) from exc
            except (ConnectionError, TimeoutError, ValueError) as exc:
                raise InvalidSettingError(f"cannot start or reach {where}: {exc}") from exc
            self._started = True
        if self._task is None:
            self._task = ray.remote(
                max_retries=self.max_retries,
                retry_exceptions=False,
                num_cpus=self.cpus_per_trial,
                num_gpus=self.gpus_per_trial,
            )(_evaluate)
        return ray

    def _ship(self, ray: Any, evaluator: Evaluator) -> Any:
        """The evaluator's object reference, put in the object store once per evaluator."""
        if self._shipped is None or self._shipped[0] is not evaluator:
            self._shipped = (evaluator, ray.put(evaluator))
        return self._shipped[1]

    def run(self, evaluator: Evaluator, trials: Sequence[Trial]) -> Iterator[Completed]:
        if not trials:
            return
        ray = self._connect()
        shipped = [self._ship(ray, evaluator)]
        threads = resolve_threads(self.threads)
        waiting = iter(enumerate(trials))
        window = self.workers or len(trials)
        pending: dict[Any, tuple[int, float]] = {}
        try:
            while True:
                for index, trial in itertools.islice(waiting, window - len(pending)):
                    pending[self._task.remote(shipped, trial, threads)] = (index, time.time())
                if not pending:
                    return
                (ref,), _ = ray.wait(list(pending), num_returns=1)
                index, submitted = pending.pop(ref)
                yield Completed(index, *self._outcome(ray, ref, trials[index], submitted))
        finally:
            for ref in pending:
                ray.cancel(ref)

    def _outcome(
        self, ray: Any, ref: Any, trial: Trial, submitted: float
    ) -> tuple[Result, float, float]:
        """The task's ``(result, started, finished)``; a worker that died on every attempt is
        a failed result; a ``TasknasError`` raised in the task is raised here."""
        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as exc:
            if isinstance(exc.cause, TasknasError):
                raise exc.cause from None
            raise
        except (
            ray.exceptions.WorkerCrashedError,
            ray.exceptions.OutOfMemoryError,
            ray.exceptions.NodeDiedError,
        ) as exc:
            attempts = self.max_retries + 1
            logger.warning(
                "trial %s on %s lost its worker on all %d attempts: %s",
                trial.arch,
                trial.task,
                attempts,
                type(exc).__name__,
            )
            error = f"{type(exc).__name__}: the worker died on all {attempts} attempts"
            finished = time.time()
            return Result.failure(error, cost=finished - submitted), submitted, finished

    def close(self) -> None:
        """Release the shipped evaluator; shut Ray down if this executor started it."""
        self._shipped = None
        self._task = None
        if self._started:
            ray = import_ray()
            if ray.is_initialized():
                logger.info("shutting down Ray")
                ray.shutdown()
            self._started = False
