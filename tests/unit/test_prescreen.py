"""The multi-task engine's pre-screen: which scorer each space gets, and what it scores."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tasknas.errors import InvalidSettingError
from tasknas.proxies import zero_cost_proxy
from tasknas.spaces import get_space
from tasknas.strategies import STRATEGIES
from tasknas.strategies._prescreen import PreScreen


def test_nb201_is_screened_by_the_shipped_proxy_alone() -> None:
    search = STRATEGIES.get("ktnas")(get_space("nb201"), ["a", "b"], seed=0)
    assert search.prescreen.proxy is not None
    assert search.prescreen.predictor is None


def test_a_space_without_a_proxy_table_gets_the_predictor() -> None:
    search = STRATEGIES.get("evo")(get_space("transnas-micro"), ["a", "b"], seed=0)
    assert search.prescreen.proxy is None
    assert search.prescreen.predictor == "extra_trees"


def test_unknown_proxy_names_the_choices() -> None:
    with pytest.raises(InvalidSettingError, match="unknown proxy 'zen'; valid choices: auto"):
        STRATEGIES.get("evo")(get_space("nb201"), ["a"], seed=0, proxy="zen")


def test_untrained_screen_scores_are_the_proxy() -> None:
    space = get_space("nb201")
    proxy = zero_cost_proxy("nb201")
    screen = PreScreen(space, ["a"], predictor="ridge", proxy=proxy, min_train=5)
    archs = [space.sample(np.random.default_rng(i)) for i in range(6)]
    scores = screen.scores("a", archs, generation=1, fitness={"a": {}}, archs={})
    assert scores.tolist() == [proxy(a) for a in archs]


def test_trained_screen_uses_one_fit_per_generation_for_every_task() -> None:
    space = get_space("nb201")
    screen = PreScreen(space, ["a", "b"], predictor="ridge", proxy=None, min_train=3)
    rng = np.random.default_rng(0)
    archs = {str(a): a for a in (space.sample(rng) for _ in range(8))}
    fitness = {t: {k: float(rng.random()) for k in archs} for t in ("a", "b")}
    first = screen.scores("a", list(archs.values()), generation=4, fitness=fitness, archs=archs)
    model = screen._models[None][1]
    screen.scores("b", list(archs.values()), generation=4, fitness=fitness, archs=archs)
    assert screen._models[None][1] is model  # reused within the generation
    screen.scores("a", list(archs.values()), generation=5, fitness=fitness, archs=archs)
    assert screen._models[None][1] is not model
    assert all(math.isfinite(v) for v in first)


def test_unpooled_screen_ignores_the_other_tasks_results() -> None:
    from tasknas import get_benchmark

    bench = get_benchmark("nb201")
    rng = np.random.default_rng(0)
    archs = {str(a): a for a in (bench.space.sample(rng) for _ in range(30))}
    own = {k: bench.evaluate(a, "cifar10").objective for k, a in archs.items()}
    values = list(own.values())
    shuffled = dict(zip(own, rng.permutation(values).tolist(), strict=True))
    candidates = [bench.space.sample(rng) for _ in range(10)]
    scores = {}
    for pooled in (True, False):
        for label, other in (("same", own), ("shuffled", shuffled)):
            screen = PreScreen(
                bench.space, ["a", "b"], predictor="ridge", proxy=None, min_train=3, pooled=pooled
            )
            fitness = {"a": own, "b": other}
            scores[pooled, label] = screen.scores(
                "a", candidates, generation=1, fitness=fitness, archs=archs
            )
    np.testing.assert_allclose(scores[False, "same"], scores[False, "shuffled"])
    assert not np.allclose(scores[True, "same"], scores[True, "shuffled"])
