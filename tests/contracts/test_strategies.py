"""Every registered strategy passes the ``Strategy`` contract on every registered space."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tasknas.spaces import SPACES, SearchSpace, get_space
from tasknas.strategies import STRATEGIES, Strategy
from tasknas.testing import StrategyContract


class TestRegisteredStrategies(StrategyContract):
    @pytest.fixture(autouse=True, params=STRATEGIES.names())
    def strategy_class(self, request: pytest.FixtureRequest) -> type[Strategy]:
        self._strategy_class: type[Strategy] = STRATEGIES.get(request.param)
        return self._strategy_class

    @pytest.fixture(params=SPACES.names())
    def space(self, request: pytest.FixtureRequest) -> SearchSpace[Any]:
        return get_space(request.param)

    @pytest.fixture
    def tasks(self) -> Sequence[str]:
        return ("task-a", "task-b", "task-c")

    def make_strategy(self, space: SearchSpace[Any], tasks: Sequence[str], seed: int) -> Strategy:
        return self._strategy_class(space, tasks, seed=seed)


def test_random_and_re_are_registered() -> None:
    assert {"random", "re"} <= set(STRATEGIES.names())
