"""``RunSettings.resolved()`` checks names and values and fills in the tasks."""

from __future__ import annotations

from typing import Any

import pytest

from tasknas.benchmarks import get_benchmark
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.experiment import RunSettings, build_strategy


def test_defaults_resolve_to_every_task() -> None:
    settings = RunSettings().resolved()
    assert settings.benchmark == "nb201"
    assert settings.tasks == ("cifar10", "cifar100", "ImageNet16-120")
    assert settings.budget >= 1 and settings.seed == 0
    assert settings.resolved() == settings


def test_explicit_tasks_are_kept_in_order() -> None:
    settings = RunSettings("transnas-micro", tasks=("jigsaw", "class_scene")).resolved()
    assert settings.tasks == ("jigsaw", "class_scene")


@pytest.mark.parametrize(
    ("changes", "listed"),
    [
        ({"benchmark": "nb301"}, "nb201"),
        ({"tasks": ("cifar10", "mnist")}, "ImageNet16-120"),
        ({"strategy": "darts"}, "random"),
    ],
)
def test_unknown_names(changes: dict[str, Any], listed: str) -> None:
    with pytest.raises(UnknownNameError) as info:
        RunSettings(**changes).resolved()
    assert listed in str(info.value)


@pytest.mark.parametrize(
    "changes",
    [
        {"budget": 0},
        {"budget": -5},
        {"budget": 2.5},
        {"seed": -1},
        {"seed": True},
        {"seed": 1.0},
        {"tasks": ("cifar10", "cifar10")},
    ],
)
def test_invalid_values(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidSettingError):
        RunSettings(**changes).resolved()


def test_dict_round_trip() -> None:
    settings = RunSettings(
        "transnas-micro",
        tasks=("jigsaw",),
        strategy="re",
        budget=7,
        seed=3,
        strategy_options={"population_size": 4},
    ).resolved()
    data = settings.to_dict()
    assert data["tasks"] == ["jigsaw"]
    assert RunSettings.from_dict(data) == settings
    assert RunSettings.from_dict({**data, "unknown_key": 1}) == settings


def test_bad_strategy_option() -> None:
    settings = RunSettings(strategy="re", strategy_options={"populaton_size": 4}).resolved()
    with pytest.raises(InvalidSettingError, match="populaton_size"):
        build_strategy(settings, get_benchmark("nb201"))
