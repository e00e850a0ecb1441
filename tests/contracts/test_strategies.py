"""Every registered strategy passes the ``Strategy`` contract on every registered space."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from tasknas.embedding import Node2VecEmbedder
from tasknas.spaces import SPACES, SearchSpace, get_space
from tasknas.strategies import STRATEGIES, Strategy, StrategyFactory
from tasknas.testing import StrategyContract

#: Cheaper settings for the multi-task evolution presets: the contract checks the protocol,
#: not search quality (``TestKTNASDefaults`` keeps one preset at its defaults).
FAST = {"predictor": "ridge", "candidates": 20}
MULTITASK = {"evo", "emtnas", "ktnas", "ktnas-random", "ktnas-onehot"}
#: Presets that take a node2vec ``embedder``; the contract gives them a one-walk embedder.
CHEAP_EMBEDDER = {"ktnas"}
#: The 5-node, two-cell DARTS space has 260 encoding features, which makes the pre-screen
#: slow; the contract runs there for a single-task and a multi-task strategy only, and for
#: ``tpe``, whose parameter mapping of a separate reduction cell is checked nowhere else.
LARGE_SPACES = {"darts-emtnas": {"random", "ktnas", "tpe"}}
#: Cheaper settings for the multi-task Gaussian process (fewer candidates and fit steps).
CHEAP = {name: {"candidates": 50, "steps": 10, "warm_steps": 3} for name in ("mtbo", "bo")}
PAIRS = [
    (strategy, space)
    for strategy in STRATEGIES.names()
    for space in SPACES.names()
    if strategy in LARGE_SPACES.get(space, {strategy})
]


class TestRegisteredStrategies(StrategyContract):
    @pytest.fixture(autouse=True, params=PAIRS, ids=["-".join(p) for p in PAIRS])
    def pair(self, request: pytest.FixtureRequest) -> tuple[str, str]:
        self._name: str = request.param[0]
        self._factory: StrategyFactory = STRATEGIES.get(self._name)
        return request.param

    @pytest.fixture
    def space(self, pair: tuple[str, str]) -> SearchSpace[Any]:
        return get_space(pair[1])

    @pytest.fixture
    def tasks(self) -> Sequence[str]:
        return ("task-a", "task-b", "task-c")

    def make_strategy(self, space: SearchSpace[Any], tasks: Sequence[str], seed: int) -> Strategy:
        options: dict[str, Any] = dict(FAST) if self._name in MULTITASK else {}
        options.update(CHEAP.get(self._name, {}))
        if self._name in CHEAP_EMBEDDER:
            options["embedder"] = Node2VecEmbedder(space, repeats=1, walks_per_node=2)
        return self._factory(space, tasks, seed=seed, **options)


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
