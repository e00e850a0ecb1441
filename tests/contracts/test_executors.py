"""The in-process and process-pool executors pass the ``Executor`` contract (Ray's run in
tests/unit/test_ray_executor.py, beside the Ray instance they share); every executor, Ray's
included, passes the contract of ``map_unordered``, the fan-out of independent jobs (seeds of
``compare``, tasks of a dictionary build); ``make_executor`` and ``executor_for`` pick the
executor a worker count asks for."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
import torch

from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.execution import (
    Executor,
    LocalExecutor,
    PoolExecutor,
    executor_for,
    make_executor,
)
from tasknas.execution._base import torch_threads
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


# -- map_unordered: jobs (functions at module level, so that workers can import them) ----------


def _square(job: int) -> int:
    return job * job


def _fails_on_three(job: int) -> int:
    if job == 3:
        raise UnknownNameError("job", str(job), ["0", "1", "2"])
    if job == 5:
        raise ValueError(f"plain failure of job {job}")
    return job


def _threads(job: int) -> tuple[int, int]:
    """The job and torch's CPU threads while it ran (torch is loaded with this module)."""
    return job, torch.get_num_threads()


class JobFanOutContract:
    """Checks of ``Executor.map_unordered``; override the ``executor`` fixture."""

    @pytest.fixture
    def executor(self) -> Iterator[Executor]:
        raise NotImplementedError("override the `executor` fixture with the executor under test")

    def test_each_job_once_with_its_result(self, executor: Executor) -> None:
        jobs = list(range(13))
        done = list(executor.map_unordered(_square, jobs))
        assert sorted(index for index, _ in done) == list(range(len(jobs)))
        assert dict(done) == {index: job * job for index, job in enumerate(jobs)}
        if executor.in_process:
            assert [index for index, _ in done] == list(range(len(jobs)))

    def test_jobs_are_any_picklable_sequence(self, executor: Executor) -> None:
        jobs = ("b", "a", "b")  # equal jobs are still separate jobs
        assert sorted(executor.map_unordered(str.upper, jobs)) == [(0, "B"), (1, "A"), (2, "B")]

    def test_empty(self, executor: Executor) -> None:
        assert list(executor.map_unordered(_square, [])) == []

    def test_an_exception_is_raised_as_raised(self, executor: Executor) -> None:
        with pytest.raises(UnknownNameError) as info:
            list(executor.map_unordered(_fails_on_three, [0, 1, 2, 3]))
        assert (info.value.name, info.value.choices) == ("3", ("0", "1", "2"))
        with pytest.raises(ValueError, match="plain failure of job 5"):
            list(executor.map_unordered(_fails_on_three, [5]))
        assert dict(executor.map_unordered(_fails_on_three, [0, 1])) == {0: 0, 1: 1}

    def test_jobs_after_an_abandoned_fan_out(self, executor: Executor) -> None:
        jobs = executor.map_unordered(_square, list(range(12)))
        next(jobs)
        jobs.close()  # the caller stops listening: the rest is cancelled or discarded
        assert dict(executor.map_unordered(_square, [4, 5])) == {0: 16, 1: 25}

    def test_jobs_run_on_the_callers_torch_threads(self, executor: Executor) -> None:
        with torch_threads(3):  # not the workers' own count (1, or one per core)
            done = dict(executor.map_unordered(_threads, [0, 1, 2, 3]))
        assert done == {index: (index, 3) for index in range(4)}


class TestLocalJobFanOut(JobFanOutContract):
    @pytest.fixture
    def executor(self) -> Iterator[Executor]:
        with LocalExecutor() as executor:
            yield executor

    def test_jobs_need_not_pickle(self, executor: Executor) -> None:
        seen: list[int] = []
        assert dict(executor.map_unordered(seen.append, [7, 8])) == {0: None, 1: None}
        assert seen == [7, 8]


class TestPoolJobFanOut(JobFanOutContract):
    @pytest.fixture
    def executor(self, pool: PoolExecutor) -> Executor:
        return pool


@pytest.fixture(scope="module")
def ray_executor() -> Iterator[Executor]:
    """A Ray executor on a private local instance, for the module."""
    ray = pytest.importorskip("ray")
    # the jobs defined here reach the workers by value (this file is not importable there)
    ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])
    with make_executor("ray", workers=2) as executor:
        yield executor
    ray.cloudpickle.unregister_pickle_by_value(sys.modules[__name__])


@pytest.mark.slow
class TestRayJobFanOut(JobFanOutContract):
    @pytest.fixture
    def executor(self, ray_executor: Executor) -> Executor:
        return ray_executor


# -- which executor a worker count asks for ------------------------------------------------------


def test_make_executor_without_a_name_chooses_by_workers() -> None:
    assert type(make_executor(None)) is LocalExecutor
    assert type(make_executor(None, workers=1)) is LocalExecutor
    with make_executor(None, workers=3) as executor:
        assert type(executor) is PoolExecutor and executor.workers == 3
    with pytest.raises(InvalidSettingError, match="workers must be >= 1, got 0"):
        make_executor(None, workers=0)
    with pytest.raises(InvalidSettingError, match="runs one job at a time, got workers=2"):
        make_executor("local", workers=2)


def test_executor_for_uses_the_given_executor_or_makes_one_for_the_workers() -> None:
    given = LocalExecutor()
    with executor_for(given, 1, jobs=5) as executor:
        assert executor is given
    with (
        pytest.raises(InvalidSettingError, match="both an executor and workers=2"),
        executor_for(given, 2, jobs=5),
    ):
        pass
    with executor_for(None, 1, jobs=5) as executor:
        assert type(executor) is LocalExecutor
    with executor_for(None, 2, jobs=1) as executor:  # no more workers than jobs
        assert type(executor) is LocalExecutor
    with executor_for(None, 4, jobs=3) as executor:
        assert type(executor) is PoolExecutor and executor.workers == 3
    assert executor._pool is None  # closed on leaving
    with (
        pytest.raises(InvalidSettingError, match="workers must be >= 1, got 0"),
        executor_for(None, 0, jobs=0),
    ):
        pass
