"""Executors: where and how evaluations run."""

from __future__ import annotations

from tasknas._registry import Registry
from tasknas.execution._base import Completed, Executor, evaluate_safely
from tasknas.execution._local import LocalExecutor
from tasknas.execution._pool import PoolExecutor

__all__ = [
    "EXECUTORS",
    "Completed",
    "Executor",
    "LocalExecutor",
    "PoolExecutor",
    "evaluate_safely",
    "make_executor",
]

EXECUTORS: Registry[type[Executor]] = Registry(
    "executor",
    {
        "local": "tasknas.execution._local:LocalExecutor",
        "process": "tasknas.execution._pool:PoolExecutor",
    },
)


def make_executor(name: str = "local", *, workers: int | None = None) -> Executor:
    """The executor registered as ``name``; ``workers`` applies to parallel executors."""
    return EXECUTORS.get(name)(workers=workers)
