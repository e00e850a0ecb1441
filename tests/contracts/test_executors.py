"""The in-process and process-pool executors pass the ``Executor`` contract (Ray's run in
tests/unit/test_ray_executor.py, beside the Ray instance they share)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tasknas.execution import Executor, LocalExecutor, PoolExecutor
from tasknas.testing import ExecutorContract


@pytest.fixture(scope="module")
def pool() -> Iterator[PoolExecutor]:
    """One pool for all checks: spawning workers is slow."""
    with PoolExecutor(workers=2) as executor:
        yield executor


class TestLocalExecutor(ExecutorContract):
    @pytest.fixture
    def executor(self) -> Iterator[Executor]:
        with LocalExecutor() as executor:
            yield executor


class TestPoolExecutor(ExecutorContract):
    @pytest.fixture
    def executor(self, pool: PoolExecutor) -> Executor:
        return pool
