"""Executors: where and how evaluations run."""

from __future__ import annotations

import inspect

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
    "evaluate_safely",
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


def make_executor(
    name: str = "local",
    *,
    workers: int | None = None,
    address: str | None = None,
    threads: int | None = None,
) -> Executor:
    """The executor registered as ``name``.

    ``workers`` applies to parallel executors; ``address`` names the cluster of executors that
    run on one (``ray``) and is refused by those that only run on this machine; ``threads``
    (torch's CPU threads during an evaluation, default: the caller's count) is passed on when
    given.
    """
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


def _takes_address(cls: type[Executor]) -> bool:
    return "address" in inspect.signature(cls).parameters
