"""Tabular benchmarks shipped with tasknas (package data; nothing to download)."""

from __future__ import annotations

import os

from tasknas._registry import Registry
from tasknas.benchmarks._tabular import DATA_ENV, Column, TableSpec, TabularBenchmark, TaskSpec

__all__ = [
    "BENCHMARKS",
    "DATA_ENV",
    "Column",
    "TableSpec",
    "TabularBenchmark",
    "TaskSpec",
    "get_benchmark",
]

BENCHMARKS: Registry[TableSpec] = Registry(
    "benchmark",
    {
        "nb201": "tasknas.benchmarks._nb201:NB201",
        "transnas-micro": "tasknas.benchmarks._transnas:TRANSNAS_MICRO",
    },
)


def get_benchmark(name: str, *, data_dir: str | os.PathLike[str] | None = None) -> TabularBenchmark:
    """The tabular benchmark registered as ``name`` (see ``BENCHMARKS.names()``)."""
    return TabularBenchmark(BENCHMARKS.get(name), data_dir=data_dir)
