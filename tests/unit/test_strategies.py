"""Strategy construction checks and strategy-specific behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from tasknas.errors import InvalidSettingError
from tasknas.spaces import NB201Space, TransNASMicroSpace
from tasknas.strategies import RandomSearch, RegularizedEvolution
from tasknas.trial import Result

SPACE = TransNASMicroSpace()


@pytest.mark.parametrize("cls", [RandomSearch, RegularizedEvolution])
def test_tasks_are_required_and_unique(cls) -> None:
    with pytest.raises(InvalidSettingError, match="at least one task"):
        cls(SPACE, [])
    with pytest.raises(InvalidSettingError, match="duplicate"):
        cls(SPACE, ["a", "a"])


@pytest.mark.parametrize(
    "kwargs",
    [
        {"population_size": 0},
        {"sample_size": 0},
        {"batch_size": 0},
        {"population_size": 3, "sample_size": 4},
    ],
)
def test_re_settings(kwargs) -> None:
    with pytest.raises(InvalidSettingError):
        RegularizedEvolution(SPACE, ["a"], **kwargs)


def test_random_search_never_repeats_while_it_can_avoid_it() -> None:
    strategy = RandomSearch(SPACE, ["a"], batch_size=8, seed=0)
    proposed = [str(t.arch) for _ in range(100) for t in strategy.ask()]
    assert len(proposed) == len(set(proposed)) == 800


def test_random_search_batch_size() -> None:
    strategy = RandomSearch(NB201Space(), ["a", "b"], batch_size=3, seed=0)
    trials = strategy.ask()
    assert [t.task for t in trials] == ["a"] * 3 + ["b"] * 3
    with pytest.raises(InvalidSettingError):
        RandomSearch(SPACE, ["a"], batch_size=0)


def test_re_first_ask_is_the_population_then_batches_of_children() -> None:
    strategy = RegularizedEvolution(
        SPACE, ["a", "b"], population_size=6, sample_size=3, batch_size=2, seed=0
    )
    first = strategy.ask()
    assert [t.task for t in first] == ["a"] * 6 + ["b"] * 6
    for trial in first:
        strategy.tell(trial, Result(objective=float(sum(trial.arch.ops))))
    second = strategy.ask()
    assert [t.task for t in second] == ["a", "a", "b", "b"]
    members = {m for m, _ in strategy.population("a")}
    for child in second[:2]:
        # each child is a one-edge mutation of a population member
        assert any(child.arch in SPACE.neighbours(m) for m in members)


def test_re_ages_out_the_oldest_and_ignores_failures() -> None:
    strategy = RegularizedEvolution(SPACE, ["a"], population_size=3, sample_size=2, seed=0)
    trials = strategy.ask()
    for i, trial in enumerate(trials):
        strategy.tell(trial, Result(objective=float(i)))
    child = strategy.ask()[0]
    strategy.tell(child, Result.failure("boom"))
    assert [f for _, f in strategy.population("a")] == [0.0, 1.0, 2.0]
    strategy.tell(child, Result(objective=9.0))
    assert [f for _, f in strategy.population("a")] == [1.0, 2.0, 9.0]


def test_re_tournament_prefers_the_best() -> None:
    # with sample_size == population_size the parent is always the best member
    strategy = RegularizedEvolution(SPACE, ["a"], population_size=5, sample_size=5, seed=1)
    best = None
    for i, trial in enumerate(strategy.ask()):
        strategy.tell(trial, Result(objective=float(i == 2)))
        if i == 2:
            best = trial.arch
    rng_children = [strategy.ask()[0].arch for _ in range(10)]
    assert all(c in SPACE.neighbours(best) for c in rng_children)


def test_seeds_do_not_touch_the_global_generator() -> None:
    state = np.random.get_state()[1].copy()
    strategy = RegularizedEvolution(SPACE, ["a"], seed=0)
    strategy.ask()
    assert np.array_equal(np.random.get_state()[1], state)


def test_the_registered_strategy_classes_are_public_names() -> None:
    import tasknas.strategies as strategies
    from tasknas.strategies import STRATEGIES

    named = {"mtbo": "MultiTaskBO", "bo": "SingleTaskBO", "local": "LocalSearch"}
    named |= {"tpe": "OptunaTPE", "re": "RegularizedEvolution", "random": "RandomSearch"}
    for name, cls in named.items():
        assert cls in strategies.__all__
        assert getattr(strategies, cls) is STRATEGIES.get(name)
