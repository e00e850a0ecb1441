"""Benchmarks: tabular ones shipped with tasknas (nothing to download), and ones that train.

A tabular benchmark (``BENCHMARKS``, ``get_benchmark``) looks results up in a table over a
fixed set of tasks. A training benchmark (``TRAINING_BENCHMARKS``) is a factory
``(tasks, *, budget, seed, **options) -> AnyEvaluator`` that trains networks on the tasks the user
names (``train``: the evaluators of ``tasknas.benchmarks.train``, imported on use).
``make_benchmark`` opens either kind by name.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from tasknas._registry import Registry
from tasknas.benchmarks._tabular import DATA_ENV, Column, TableSpec, TabularBenchmark, TaskSpec
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.evaluator import AnyEvaluator

__all__ = [
    "BENCHMARKS",
    "DATA_ENV",
    "TRAINING_BENCHMARKS",
    "Column",
    "TableSpec",
    "TabularBenchmark",
    "TaskSpec",
    "benchmark_names",
    "get_benchmark",
    "make_benchmark",
]

BENCHMARKS: Registry[TableSpec] = Registry(
    "benchmark",
    {
        "nb201": "tasknas.benchmarks._nb201:NB201",
        "transnas-micro": "tasknas.benchmarks._transnas:TRANSNAS_MICRO",
    },
)

#: Benchmarks that train networks: name -> ``factory(tasks, *, budget, seed, **options)``.
TRAINING_BENCHMARKS: Registry[Callable[..., AnyEvaluator]] = Registry(
    "benchmark",
    {"train": "tasknas.benchmarks.train:train_benchmark"},
)


def get_benchmark(name: str, *, data_dir: str | os.PathLike[str] | None = None) -> TabularBenchmark:
    """The tabular benchmark registered as ``name`` (see ``BENCHMARKS.names()``)."""
    return TabularBenchmark(BENCHMARKS.get(name), data_dir=data_dir)


def benchmark_names() -> tuple[str, ...]:
    """Every benchmark name: the tabular ones, then the training ones."""
    return (*BENCHMARKS.names(), *TRAINING_BENCHMARKS.names())


def make_benchmark(
    name: str,
    tasks: Sequence[str] = (),
    *,
    budget: int | None = None,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
) -> AnyEvaluator:
    """The evaluator of benchmark ``name``.

    A training benchmark is built for ``tasks`` with ``options`` (its keyword settings), the
    per-task ``budget`` and the run's ``seed``; a tabular one has fixed tasks and takes no
    options.

    Raises:
        UnknownNameError: ``name`` is no benchmark (lists every one).
        InvalidSettingError: options for a tabular benchmark, or options the factory rejects.
    """
    options = dict(options or {})
    reserved = sorted({"budget", "seed"} & set(options))
    if reserved:
        raise InvalidSettingError(
            f"benchmark options cannot set {', '.join(reserved)}: the run's settings do"
        )
    if name in TRAINING_BENCHMARKS:
        return TRAINING_BENCHMARKS.get(name)(tuple(tasks), budget=budget, seed=seed, **options)
    if name not in BENCHMARKS:
        raise UnknownNameError("benchmark", name, benchmark_names())
    if options:
        raise InvalidSettingError(
            f"benchmark {name!r} is tabular and takes no options, got {', '.join(options)}; "
            f"options apply to the training benchmarks: {', '.join(TRAINING_BENCHMARKS)}"
        )
    return get_benchmark(name)
