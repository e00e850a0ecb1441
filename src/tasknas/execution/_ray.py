"""Jobs and evaluations as Ray tasks: on a private local Ray instance or on a Ray cluster.

Ray is an optional dependency (``pip install 'tasknas[ray]'``), imported when the executor
is created, never when this module is.

Fault tolerance: each trial is one Ray task submitted with ``max_retries``, so when the worker
process running it dies (killed, segfault, out of memory, node lost) Ray runs the trial again
on another worker. Ray resolves each task's result once, and ``run`` yields one ``Completed``
per submitted trial, so the runner records every trial exactly once however many attempts it
took. A trial whose worker dies on every attempt becomes a failed ``Result``; an exception
raised by the model is a failed ``Result`` at once (``evaluate_safely``), never retried.
Jobs of ``map_unordered`` are retried the same way; a job whose worker dies on every
attempt raises Ray's error (``WorkerCrashedError``, ...) in the caller.

Thread count: Ray starts its workers with one torch thread (``OMP_NUM_THREADS=1``); each
task (evaluation or job) sets torch's count to the executor's ``threads`` (default: the
caller's count), as the other executors do, so results do not depend on the executor.

Output: the driver prints Ray's error messages (a worker that died, ...) to stdout, and Ray
has no switch for that; a program whose stdout is data (``tasknas search --json``, every
``--json`` command that takes ``--executor``) routes stdout to stderr while it runs. Worker
output is not forwarded (``log_to_driver=False``).

Process lifetime, measured with Ray 2.60 on Linux: a local instance is shut down by
``close`` (on leaving a ``with`` block, Ctrl-C included) and by Ray's own exit hook. When
the driver is killed with SIGKILL, the GCS, the raylet and the workers die with it within
seconds (Ray's kernel fate-sharing), but the raylet's two agents (``ray::DashboardAgent``,
``ray::RuntimeEnvAgent``) live on for about a minute, trying to report the raylet's death
to the dead GCS (a 60 s timeout in Ray), then end themselves.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from tasknas._logging import get_logger
from tasknas.errors import InvalidSettingError, MissingDependencyError, TasknasError
from tasknas.evaluator import Evaluator
from tasknas.execution._base import (
    Completed,
    Executor,
    J,
    R,
    check_threads,
    evaluate_safely,
    resolve_threads,
    run_job,
)
from tasknas.trial import Result, Trial

__all__ = ["CONNECT_TIMEOUT", "RayExecutor", "check_address"]

logger = get_logger(__name__)

#: ``auto``, ``host:port`` or ``ray://host:port``.
_ADDRESS = re.compile(r"auto|(ray://)?\S+:\d+")
_ADDRESS_FORMS = "'auto', 'HOST:PORT' or 'ray://HOST:PORT'"

#: Seconds a cluster address has to accept a connection before ``ray.init`` is called: an
#: address where nothing answers fails within this time instead of leaving Ray retrying.
CONNECT_TIMEOUT = 30.0

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
    return run_job(functools.partial(evaluate_safely, evaluator), trial, threads)


class RayExecutor(Executor):
    """Runs jobs (evaluations, seeds, ...) as Ray tasks, yielding each result as it completes.

    Without ``address`` the executor starts a private local Ray instance on first use (no
    dashboard, worker output not forwarded) and shuts it down on ``close``. With ``address``
    it connects to a running cluster: ``"auto"`` (the one ``ray start`` made on this machine,
    or ``RAY_ADDRESS``), ``"HOST:PORT"`` (the head node's GCS) or ``"ray://HOST:PORT"`` (Ray
    Client, needs ``ray[client]``). If Ray is already initialised in this process, that
    session is used as it is and left running. Cluster nodes need tasknas installed.

    Args:
        workers: jobs at once: the CPUs of the local instance this starts, and the most jobs
            in flight on a cluster (default: all CPUs / as many as the cluster takes).
        address: the Ray cluster to connect to (default: start a private local instance).
        max_retries: times a trial or job is run again after its worker process dies.
        cpus_per_trial: CPUs Ray reserves for each evaluation or job.
        gpus_per_trial: GPUs Ray reserves for each evaluation or job.
        threads: torch's CPU threads in a worker during an evaluation or job (default: this
            process's count when ``run`` or ``map_unordered`` is called; see ``Executor``).
        init_options: extra keyword arguments of ``ray.init`` (e.g. ``runtime_env``).
        connect_timeout: seconds ``address`` has to accept a TCP connection before Ray is
            asked to connect (``check``, and the first use); one that does not answer is an
            ``InvalidSettingError`` naming it, instead of a hang in ``ray.init``.

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
        connect_timeout: float = CONNECT_TIMEOUT,
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
        if not connect_timeout > 0:
            raise InvalidSettingError(f"connect_timeout must be > 0 seconds, got {connect_timeout}")
        self.threads = check_threads(threads)
        import_ray()
        self.workers = workers
        self.address = address
        self.max_retries = max_retries
        self.cpus_per_trial = float(cpus_per_trial)
        self.gpus_per_trial = float(gpus_per_trial)
        self.init_options = dict(init_options or {})
        self.connect_timeout = float(connect_timeout)
        self._started = False  # whether this executor called ray.init (and so shuts down)
        self._task: Any = None  # the Ray task of one trial
        self._job_task: Any = None  # the Ray task of one job of map_unordered
        self._shipped: tuple[Evaluator, Any] | None = None

    def _init_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"log_to_driver": False, "configure_logging": False}
        if self.address is None:
            cpus = None if self.workers is None else math.ceil(self.workers * self.cpus_per_trial)
            kwargs |= {"address": "local", "num_cpus": cpus, "include_dashboard": False}
        else:
            kwargs["address"] = self.address
        return kwargs | self.init_options

    def check(self) -> None:
        """Raise ``InvalidSettingError`` unless ``address`` (if any) answers within
        ``connect_timeout`` seconds (see ``check_address``); nothing is started."""
        if self.address is not None and not import_ray().is_initialized():
            check_address(self.address, self.connect_timeout)

    def _connect(self) -> Any:
        """Ray, initialised (started or connected here unless it already was)."""
        ray = import_ray()
        if not ray.is_initialized():
            self.check()
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
            remote = ray.remote(
                max_retries=self.max_retries,
                retry_exceptions=False,
                num_cpus=self.cpus_per_trial,
                num_gpus=self.gpus_per_trial,
            )
            self._task, self._job_task = remote(_evaluate), remote(run_job)
        return ray

    def _ship(self, ray: Any, evaluator: Evaluator) -> Any:
        """The evaluator's object reference, put in the object store once per evaluator."""
        if self._shipped is None or self._shipped[0] is not evaluator:
            self._shipped = (evaluator, ray.put(evaluator))
        return self._shipped[1]

    def _stream(
        self, ray: Any, submit: Callable[[Any], Any], items: Sequence[Any]
    ) -> Iterator[tuple[int, Any, float]]:
        """Submit ``submit(item)`` for every item, at most ``workers`` in flight; yield
        ``(index, object reference, submission time)`` as each task finishes.

        When the stream is closed early, the tasks still in flight (``workers`` at most) run
        to their end and their results are dropped; the items not yet submitted never are.
        They are not cancelled: in Ray 2.60 ``ray.cancel`` on a task whose reply is arriving
        aborts the calling process (``Check failed: it != submissible_tasks_.end()``, a race
        in Ray's task manager; ``benchmarks/ray_cancel_race.py`` shows it within a few hundred
        abandoned batches).
        """
        waiting = iter(enumerate(items))
        window = self.workers or len(items)
        pending: dict[Any, tuple[int, float]] = {}
        while True:
            for index, item in itertools.islice(waiting, window - len(pending)):
                pending[submit(item)] = (index, time.time())
            if not pending:
                return
            (ref,), _ = ray.wait(list(pending), num_returns=1)
            index, submitted = pending.pop(ref)
            yield index, ref, submitted

    def run(self, evaluator: Evaluator, trials: Sequence[Trial]) -> Iterator[Completed]:
        if not trials:
            return
        ray = self._connect()
        shipped = [self._ship(ray, evaluator)]
        threads = resolve_threads(self.threads)

        def submit(trial: Trial) -> Any:
            return self._task.remote(shipped, trial, threads)

        with contextlib.closing(self._stream(ray, submit, trials)) as stream:
            for index, ref, submitted in stream:
                yield Completed(index, *self._outcome(ray, ref, trials[index], submitted))

    def map_unordered(self, fn: Callable[[J], R], jobs: Sequence[J]) -> Iterator[tuple[int, R]]:
        if not jobs:
            return
        ray = self._connect()
        shipped = ray.put(fn)  # once per call; Ray hands each task the function itself
        threads = resolve_threads(self.threads)

        def submit(job: J) -> Any:
            return self._job_task.remote(shipped, job, threads)

        with contextlib.closing(self._stream(ray, submit, jobs)) as stream:
            for index, ref, _ in stream:
                yield index, _get(ray, ref)

    def _outcome(
        self, ray: Any, ref: Any, trial: Trial, submitted: float
    ) -> tuple[Result, float, float]:
        """The task's ``(result, started, finished)``; a worker that died on every attempt is
        a failed result; a ``TasknasError`` raised in the task is raised here."""
        try:
            return _get(ray, ref)
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
        self._task = self._job_task = None
        if self._started:
            ray = import_ray()
            if ray.is_initialized():
                logger.info("shutting down Ray")
                ray.shutdown()
            self._started = False


def check_address(address: str, timeout: float = CONNECT_TIMEOUT) -> None:
    """Raise ``InvalidSettingError`` unless the host of a ``HOST:PORT`` or ``ray://HOST:PORT``
    address accepts a TCP connection within ``timeout`` seconds.

    ``ray.init`` on an address where nothing listens retries for minutes; this bounds that
    wait. ``auto`` is left to Ray, which fails at once when it finds no cluster.
    """
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=timeout):
            pass
    except TimeoutError:
        raise InvalidSettingError(
            f"Ray address {address} did not answer within {timeout:g} s; is the cluster "
            "running (`ray start --head`) and the address right?"
        ) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise InvalidSettingError(
            f"Ray address {address} did not answer ({reason}); is the cluster running "
            "(`ray start --head`) and the address right?"
        ) from None


def _get(ray: Any, ref: Any) -> Any:
    """``ray.get(ref)``; a ``TasknasError`` raised in the task is raised as it was (other
    exceptions as Ray's ``RayTaskError``, an instance of the exception's class too)."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        if isinstance(exc.cause, TasknasError):
            raise exc.cause from None
        raise
