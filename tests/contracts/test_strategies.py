"""Every registered strategy passes the ``Strategy`` contract on every registered space."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tasknas.embedding import Node2VecEmbedder
from tasknas.spaces import SPACES, SearchSpace, get_space
from tasknas.strategies import STRATEGIES, Strategy
from tasknas.testing import StrategyContract

#: Cheaper settings for the multi-task evolution presets: the contract checks the protocol,
#: not search quality (``TestKTNASDefaults`` keeps one preset at its defaults).
FAST = {"predictor": "ridge", "candidates": 20}
MULTITASK = {"evo", "emtnas", "ktnas", "ktnas-random", "ktnas-onehot"}
#: Presets that take a node2vec ``embedder``; the contract gives them a one-walk embedder.
CHEAP_EMBEDDER = {"ktnas"}


class TestRegisteredStrategies(StrategyContract):
    @pytest.fixture(autouse=True, params=STRATEGIES.names())
    def strategy_class(self, request: pytest.FixtureRequest) -> type[Strategy]:
        self._strategy_class: type[Strategy] = STRATEGIES.get(request.param)
        self._name = request.param
        return self._strategy_class

    @pytest.fixture(params=SPACES.names())
    def space(self, request: pytest.FixtureRequest) -> SearchSpace[Any]:
        return get_space(request.param)

    @pytest.fixture
    def tasks(self) -> Sequence[str]:
        return ("task-a", "task-b", "task-c")

    def make_strategy(self, space: SearchSpace[Any], tasks: Sequence[str], seed: int) -> Strategy:
        options: dict[str, Any] = dict(FAST) if self._name in MULTITASK else {}
        if self._name in CHEAP_EMBEDDER:
            options["embedder"] = Node2VecEmbedder(space, repeats=1, walks_per_node=2)
        return self._strategy_class(space, tasks, seed=seed, **options)


class TestKTNASDefaults(StrategyContract):
    """KTNAS as users get it: node2vec transfer rank and the extra-trees pre-screen."""

    n_rounds = 8

    @pytest.fixture
    def space(self) -> SearchSpace[Any]:
        return get_space("nb201")

    @pytest.fixture
    def tasks(self) -> Sequence[str]:
        return ("task-a", "task-b")

    def make_strategy(self, space: SearchSpace[Any], tasks: Sequence[str], seed: int) -> Strategy:
        return STRATEGIES.get("ktnas")(space, tasks, seed=seed)


def test_random_and_re_are_registered() -> None:
    assert {"random", "re"} <= set(STRATEGIES.names())


def test_multitask_table_names_registered_strategies() -> None:
    assert set(STRATEGIES.names()) >= MULTITASK
