"""Errors name the bad value and list the valid choices."""

from __future__ import annotations

import pickle
import sys

import pytest

from tasknas.benchmarks import BENCHMARKS, get_benchmark
from tasknas.errors import (
    DataFileError,
    InvalidArchitectureError,
    InvalidSettingError,
    MissingDependencyError,
    RunStoreError,
    TasknasError,
    UnknownNameError,
)
from tasknas.execution import EXECUTORS, LocalExecutor, PoolExecutor, RayExecutor, make_executor
from tasknas.spaces import SPACES, get_space
from tasknas.strategies import STRATEGIES


def _assert_lists(error: UnknownNameError, name: str, choices: tuple[str, ...]) -> None:
    message = str(error)
    assert repr(name) in message
    assert error.name == name
    assert error.choices == choices
    for choice in choices:
        assert choice in message


@pytest.mark.parametrize(
    ("lookup", "kind", "choices"),
    [
        (get_space, "search space", SPACES.names()),
        (get_benchmark, "benchmark", BENCHMARKS.names()),
        (STRATEGIES.get, "strategy", STRATEGIES.names()),
        (make_executor, "executor", EXECUTORS.names()),
    ],
    ids=["space", "benchmark", "strategy", "executor"],
)
def test_unknown_names_list_the_choices(lookup, kind: str, choices: tuple[str, ...]) -> None:
    with pytest.raises(UnknownNameError) as info:
        lookup("no-such-name")
    _assert_lists(info.value, "no-such-name", choices)
    assert info.value.kind == kind
    assert str(info.value).startswith(f"unknown {kind} 'no-such-name'")


def test_unknown_task_lists_the_tasks() -> None:
    bench = get_benchmark("transnas-micro")
    with pytest.raises(UnknownNameError) as info:
        bench.task("cifar10")
    _assert_lists(info.value, "cifar10", tuple(bench.tasks))


def test_registries_are_lazy_and_complete() -> None:
    assert "nb201" in BENCHMARKS and "bogus" not in BENCHMARKS
    assert list(STRATEGIES) == list(STRATEGIES.names())
    assert {"local", "process"} <= set(EXECUTORS.names())


def test_error_hierarchy() -> None:
    for cls in (UnknownNameError, InvalidArchitectureError, InvalidSettingError):
        assert issubclass(cls, TasknasError) and issubclass(cls, ValueError)
    assert issubclass(DataFileError, OSError) and issubclass(DataFileError, TasknasError)
    assert issubclass(RunStoreError, TasknasError)
    assert issubclass(MissingDependencyError, ImportError)
    assert issubclass(MissingDependencyError, TasknasError)


def test_unknown_name_error_survives_pickling() -> None:
    error = UnknownNameError("task", "x", ["a", "b"])
    copy = pickle.loads(pickle.dumps(error))
    assert (type(copy), str(copy), copy.name, copy.choices) == (
        UnknownNameError,
        str(error),
        "x",
        ("a", "b"),
    )


def test_executor_worker_settings() -> None:
    assert isinstance(make_executor(), LocalExecutor)
    with pytest.raises(InvalidSettingError, match="workers=2"):
        make_executor("local", workers=2)
    for bad in (0, -1):
        with pytest.raises(InvalidSettingError, match=f"got {bad}"):
            PoolExecutor(workers=bad)
    assert PoolExecutor(workers=3).workers == 3
    assert PoolExecutor().workers >= 1


def test_ray_executor_settings_are_checked_before_ray_is_needed(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # settings errors come first
    for kwargs, fragment in [
        ({"workers": 0}, "got 0"),
        ({"max_retries": -1}, "got -1"),
        ({"cpus_per_trial": 0}, "cpus_per_trial"),
        ({"address": "nowhere"}, "'nowhere'; valid forms: 'auto', 'HOST:PORT'"),
    ]:
        with pytest.raises(InvalidSettingError, match=fragment):
            RayExecutor(**kwargs)
    with pytest.raises(MissingDependencyError) as info:
        make_executor("ray", workers=2, address="ray://head:10001")
    assert str(info.value) == "executor 'ray' needs Ray: pip install 'tasknas[ray]'"


def test_only_cluster_executors_take_an_address() -> None:
    for name in ("local", "process"):
        with pytest.raises(InvalidSettingError) as info:
            make_executor(name, address="auto")
        assert f"executor {name!r}" in str(info.value)
        assert "address='auto'" in str(info.value)
        assert str(info.value).endswith("executors that connect to a cluster: ray")
