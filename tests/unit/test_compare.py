"""``compare_strategies``: parallel seeds give the same numbers as one process."""

from __future__ import annotations

import pytest

from tasknas.compare import compare_strategies
from tasknas.errors import InvalidSettingError


def test_two_workers_give_the_same_runs_as_one() -> None:
    kwargs = {"seeds": 2, "budget": 15, "tasks": ("cifar10", "cifar100")}
    one = compare_strategies("nb201", ["re", "evo"], **kwargs)
    two = compare_strategies("nb201", ["re", "evo"], workers=2, **kwargs)
    assert one.to_json() == two.to_json()
    assert [(r.strategy, r.seed) for r in two.runs] == [(r.strategy, r.seed) for r in one.runs]

    def trials(result):  # records without their wall-clock times
        return [
            [(t.number, t.task, t.arch, t.result) for t in r.result.records] for r in result.runs
        ]

    assert trials(two) == trials(one)


def test_workers_must_be_positive() -> None:
    with pytest.raises(InvalidSettingError, match="workers must be >= 1, got 0"):
        compare_strategies("nb201", ["re"], seeds=1, budget=5, workers=0)
