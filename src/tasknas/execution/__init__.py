"""Executors: where and how evaluations, and other independent jobs, run.

Every fan-out of tasknas goes through an executor: the trials of a search (``Executor.run``),
the seeds of ``compare_strategies`` and the tasks of a dictionary build
(``Executor.map_unordered``).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterator
from contextlib import contextmanager

from tasknas._registry import Registry
from tasknas.errors import InvalidSettingError
from tasknas.execution._base import Completed, Executor, evaluate_safely
from tasknas.execution._local import LocalExecutor
from tasknas.execution._pool import PoolExecutor
from tasknas.execution._ray import RayExecutor

__all__ = [
    "EXECUTORS",
    "Completed",
    "Executor",
    "LocalExecutor",
    "PoolExecutor",
    "RayExecutor",
    "default_executor_name",
    "evaluate_safely",
    "executor_for",
    "make_executor",
]

EXECUTORS: Registry[type[Executor]] = Registry(
    "executor",
    {
        "local": "tasknas.execution._local:LocalExecutor",
        "process": "tasknas.execution._pool:PoolExecutor",
        "ray": "tasknas.execution._ray:RayExecutor",
    },
)


def default_executor_name(workers: int | None) -> str:
    """The executor a worker count alone asks for: ``"local"`` for ``None`` or 1, else
    ``"process"`` (which refuses counts below 1)."""
    return "local" if workers is None or workers == 1 else "process"


def make_executor(
    name: str | None = "local",
    *,
    workers: int | None = None,
    address: str | None = None,
    threads: int | None = None,
) -> Executor:
    """The executor registered as ``name`` (``None``: ``default_executor_name(workers)``).

    ``workers`` applies to parallel executors; ``address`` names the cluster of executors that
    run on one (``ray``) and is refused by those that only run on this machine; ``threads``
    (torch's CPU threads during an evaluation, default: the caller's count) is passed on when
    given.
    """
    if name is None:
        name = default_executor_name(workers)
    cls = EXECUTORS.get(name)
    options: dict[str, int] = {} if threads is None else {"threads": threads}
    if address is None:
        return cls(workers=workers, **options)
    if not _takes_address(cls):
        takes = [other for other in EXECUTORS if _takes_address(EXECUTORS.get(other))]
        raise InvalidSettingError(
            f"executor {name!r} runs on this machine and takes no address, got "
            f"address={address!r}; executors that connect to a cluster: {', '.join(takes)}"
        )
    return cls(workers=workers, address=address, **options)


@contextmanager
def executor_for(executor: Executor | None, workers: int, jobs: int) -> Iterator[Executor]:
    """The executor of a library call that takes both ``executor=`` and ``workers=``.

    ``executor`` is used as it is and left open (its owner closes it); ``workers`` must then
    be 1. Without one, a new executor for ``workers`` (no more than ``jobs``) is made and
    closed on leaving: the calling process for 1, a process pool above.

    Raises:
        InvalidSettingError: ``workers`` below 1, or other than 1 beside an ``executor``.
    """
    if executor is not None:
        if workers != 1:
            raise InvalidSettingError(
                f"got both an executor and workers={workers}; give the executor its workers"
            )
        yield executor
        return
    if workers > jobs:
        workers = max(jobs, 1)
    with make_executor(default_executor_name(workers), workers=workers) as made:
        yield made


def _takes_address(cls: type[Executor]) -> bool:
    return "address" in inspect.signature(cls).parameters
