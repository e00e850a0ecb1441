"""Trials, results and tasks are immutable values that pickle."""

from __future__ import annotations

import dataclasses
import math
import pickle

import pytest

from tasknas.spaces import NB201Space, TransNASMicroSpace
from tasknas.tasks import Direction, Task
from tasknas.trial import Result, Status, Trial


def test_result_pickles_and_is_immutable() -> None:
    result = Result(objective=91.5, metrics={"valid_acc": 91.5, "test_acc": 94}, cost=12.0)
    copy = pickle.loads(pickle.dumps(result))
    assert copy == result
    assert copy.metrics["test_acc"] == 94.0 and isinstance(copy.metrics["test_acc"], float)
    with pytest.raises(TypeError):
        result.metrics["valid_acc"] = 0.0  # type: ignore[index]
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.objective = 0.0  # type: ignore[misc]


def test_result_does_not_share_the_callers_metrics() -> None:
    metrics = {"valid_acc": 1.0}
    result = Result(objective=1.0, metrics=metrics)
    metrics["valid_acc"] = 2.0
    assert result.metrics["valid_acc"] == 1.0


def test_failure_result() -> None:
    failure = Result.failure("RuntimeError: boom", cost=3.0)
    assert failure.status is Status.FAILED and not failure.ok
    assert failure.objective == -math.inf
    assert failure.cost == 3.0 and failure.error == "RuntimeError: boom"
    assert pickle.loads(pickle.dumps(failure)) == failure


def test_ok_needs_a_finite_objective() -> None:
    assert Result(objective=1.0).ok
    assert not Result(objective=math.nan).ok
    assert not Result(objective=math.inf, status="failed").ok
    assert Result(objective=1, status="complete").status is Status.COMPLETE


def test_trial_key_and_pickle() -> None:
    for space in (NB201Space(), TransNASMicroSpace()):
        arch = next(space.enumerate())
        trial = Trial("task", arch)
        assert trial.key == ("task", str(arch))
        copy = pickle.loads(pickle.dumps(trial))
        assert copy == trial and hash(copy.arch) == hash(arch)


def test_task_directions() -> None:
    loss = Task("room_layout", "valid_l2_loss", "min")
    assert loss.direction is Direction.MINIMIZE
    assert loss.objective(0.6) == -0.6 and loss.value(-0.6) == 0.6
    acc = Task("cifar10", "valid_acc")
    assert acc.direction is Direction.MAXIMIZE
    assert acc.objective(91.0) == 91.0 and str(acc) == "cifar10"
    with pytest.raises(ValueError):
        Task("x", "m", "sideways")  # type: ignore[arg-type]
