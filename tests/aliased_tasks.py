"""Evaluators whose tasks are copies of NB201 tasks, some of them made unrelated by shuffling
(shared by the transfer tests)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from tasknas import Result, TabularBenchmark
from tasknas.evaluator import Evaluator
from tasknas.spaces import SearchSpace
from tasknas.tasks import Task


class AliasedTasks(Evaluator):
    """Tasks that are copies of NB201 tasks; a ``shuffled`` copy scores each architecture with
    the value of another (a fixed random permutation): a task unrelated to every other."""

    def __init__(self, bench: TabularBenchmark, mapping: Mapping[str, str], shuffled: set[str]):
        self.bench, self.mapping, self.shuffled = bench, dict(mapping), shuffled
        self._perm = np.random.default_rng(123).permutation(bench.space.size)
        self._tasks = {name: Task(name, "valid_acc") for name in mapping}

    @property
    def space(self) -> SearchSpace[Any]:
        return self.bench.space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    def evaluate(self, arch: Any, task: str) -> Result:
        if task in self.shuffled:
            arch = self.bench.arch_at(int(self._perm[self.bench.row(arch)]))
        value = self.bench.evaluate(arch, self.mapping[task]).objective
        return Result(value, {"valid_acc": value})
