"""Every registered transfer policy moves valid architectures between tasks, reproducibly."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from tasknas.embedding import OneHotEmbedder
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.spaces import SearchSpace, get_space
from tasknas.strategies import STRATEGIES
from tasknas.transfer import (
    TRANSFER_POLICIES,
    EliteTransfer,
    NoTransfer,
    Population,
    TransferPolicy,
    TransferRank,
    make_transfer_policy,
)

#: Options a policy cannot be built without (everything else keeps its defaults).
REQUIRED: dict[str, Callable[[SearchSpace[Any]], dict[str, Any]]] = {
    "transfer_rank": lambda space: {"embedder": OneHotEmbedder(space)},
}
#: The policies that take ``n``, the architectures transferred per generation.
COUNTED = [
    name
    for name in TRANSFER_POLICIES.names()
    if "n" in inspect.signature(TRANSFER_POLICIES.get(name)).parameters
]
GENERATIONS = 4
#: Cheaper pre-screen settings for the ``evo`` runs (as in ``test_strategies.py``).
FAST = {"predictor": "ridge", "candidates": 20}
TARGET = "a"


def build(name: str, space: SearchSpace[Any], **options: Any) -> TransferPolicy:
    return make_transfer_policy(name, **REQUIRED.get(name, lambda _: {})(space), **options)


def moves_immigrants(policy: TransferPolicy) -> bool:
    return type(policy).immigrants is not TransferPolicy.immigrants


@pytest.fixture(scope="module")
def space() -> SearchSpace[Any]:
    return get_space("nb201")


@pytest.fixture(scope="module")
def populations(space: SearchSpace[Any]) -> dict[str, Population]:
    """Three tasks with 8 distinct architectures each (none shared), best first."""
    rng = np.random.default_rng(0)
    seen: set[str] = set()
    archs: list[Any] = []
    while len(archs) < 24:
        arch = space.sample(rng)
        if str(arch) not in seen:
            seen.add(str(arch))
            archs.append(arch)
    values = sorted(rng.random(24).tolist(), reverse=True)
    return {
        task: [(archs[i], values[i]) for i in range(k, 24, 3)]
        for k, task in enumerate(("a", "b", "c"))
    }


def run(
    policy: TransferPolicy, populations: dict[str, Population], seed: int
) -> list[tuple[list[str], list[str | None]]]:
    """Immigrants and 10 partners of the target in each of ``GENERATIONS`` generations, with
    feedback: the first immigrant of a generation helped, the others did not. Checks every
    immigrant and partner on the way."""
    rng = np.random.default_rng(seed)
    sources = {t: p for t, p in populations.items() if t != TARGET}
    source_members = {str(a) for p in sources.values() for a, _ in p}
    exclude = {str(a) for a, _ in populations[TARGET]} | {str(sources["b"][0][0])}
    out = []
    for generation in range(1, GENERATIONS + 1):
        immigrants = policy.immigrants(TARGET, sources, set(exclude), rng)
        keys = [str(a) for a in immigrants]
        assert set(keys) <= source_members, "an immigrant is not from another task"
        assert not set(keys) & exclude, "an immigrant was already evaluated on the target"
        assert len(set(keys)) == len(keys), "an immigrant came twice"
        assert len(keys) <= getattr(policy, "n", len(keys))
        partners = [policy.partner(TARGET, sources, rng) for _ in range(10)]
        for partner in partners:
            assert partner is None or str(partner) in source_members
        policy.feedback(
            TARGET, {a: 1 if i == 0 else -1 for i, a in enumerate(immigrants)}, generation
        )
        exclude |= set(keys)
        out.append((keys, [None if p is None else str(p) for p in partners]))
    return out


@pytest.mark.parametrize("name", TRANSFER_POLICIES.names())
class TestRegisteredPolicies:
    def test_is_a_policy_registered_under_its_name(self, name: str) -> None:
        policy_class = TRANSFER_POLICIES.get(name)
        assert issubclass(policy_class, TransferPolicy)
        assert policy_class.name == name

    def test_moves_valid_architectures(
        self, name: str, space: SearchSpace[Any], populations: dict[str, Population]
    ) -> None:
        policy = build(name, space)
        history = run(policy, populations, seed=1)
        moved = sum(len(keys) for keys, _ in history)
        mated = sum(p is not None for _, partners in history for p in partners)
        if isinstance(policy, NoTransfer):
            assert moved == mated == 0
        elif moves_immigrants(policy):
            # the first generation: a full set (transfer rank bootstraps with random ones)
            assert len(history[0][0]) == policy.n  # type: ignore[attr-defined]
        else:
            assert mated > 0, "a mating policy never picked a foreign partner"

    def test_deterministic_under_a_seed(
        self, name: str, space: SearchSpace[Any], populations: dict[str, Population]
    ) -> None:
        first = run(build(name, space), populations, seed=7)
        assert run(build(name, space), populations, seed=7) == first

    def test_state_dict_round_trip(
        self, name: str, space: SearchSpace[Any], populations: dict[str, Population]
    ) -> None:
        policy = build(name, space)
        run(policy, populations, seed=3)
        restored = build(name, space)
        restored.load_state_dict(policy.state_dict(), space.parse)
        assert restored.state_dict() == policy.state_dict()
        assert run(restored, populations, seed=4) == run(policy, populations, seed=4)


@pytest.mark.parametrize("name", COUNTED)
def test_n_zero_moves_nothing(
    name: str, space: SearchSpace[Any], populations: dict[str, Population]
) -> None:
    history = run(build(name, space, n=0), populations, seed=1)
    assert all(keys == [] for keys, _ in history)


def test_none_moves_nothing(space: SearchSpace[Any], populations: dict[str, Population]) -> None:
    policy = make_transfer_policy("none")
    for seed in range(5):
        assert all(
            keys == [] and partners == [None] * 10
            for keys, partners in run(policy, populations, seed)
        )


def test_readme_names_are_registered() -> None:
    assert {"none", "uniform", "elite", "random", "transfer_rank"} <= set(TRANSFER_POLICIES)


def test_unknown_name_lists_the_choices() -> None:
    with pytest.raises(UnknownNameError, match="elite") as info:
        make_transfer_policy("best")
    assert info.value.choices == TRANSFER_POLICIES.names()


def test_bad_option_is_a_setting_error() -> None:
    with pytest.raises(InvalidSettingError, match="elite"):
        make_transfer_policy("elite", rmp=0.5)
    with pytest.raises(InvalidSettingError):
        make_transfer_policy("uniform", n=-1)


class TestEvoTakesAPolicyName:
    """The ``evo`` strategy resolves its ``transfer`` option through the registry."""

    def test_named_policy_with_its_own_options(self, space: SearchSpace[Any]) -> None:
        search = STRATEGIES.get("evo")(space, ["a", "b"], seed=0, transfer="elite", n=2, **FAST)
        assert isinstance(search.transfer, EliteTransfer) and search.transfer.n == 2
        assert search.candidates == 20

    def test_transfer_rank_embedder_by_name(self, space: SearchSpace[Any]) -> None:
        search = STRATEGIES.get("evo")(
            space, ["a", "b"], seed=0, transfer="transfer_rank", embedder="onehot", m=3
        )
        assert isinstance(search.transfer, TransferRank)
        assert isinstance(search.transfer.embedder, OneHotEmbedder) and search.transfer.m == 3

    def test_default_is_no_transfer(self, space: SearchSpace[Any]) -> None:
        assert isinstance(STRATEGIES.get("evo")(space, ["a"], seed=0).transfer, NoTransfer)

    def test_unknown_policy_name(self, space: SearchSpace[Any]) -> None:
        with pytest.raises(UnknownNameError, match="uniform"):
            STRATEGIES.get("evo")(space, ["a", "b"], seed=0, transfer="best")

    def test_run_settings_name_the_policy(self) -> None:
        """The README's example: the policy named in JSON-friendly strategy options."""
        from tasknas import RunSettings, get_benchmark
        from tasknas.experiment import build_strategy

        settings = RunSettings(
            strategy="evo", strategy_options={"transfer": "elite", "n": 2, **FAST}
        ).resolved()
        search = build_strategy(settings, get_benchmark("nb201"))
        assert isinstance(search.transfer, EliteTransfer) and search.transfer.n == 2

    def test_named_policy_transfers_in_a_run(self) -> None:
        from tasknas import Runner, get_benchmark

        bench = get_benchmark("nb201")
        search = STRATEGIES.get("evo")(
            bench.space, ["cifar10", "cifar100"], seed=0, transfer="uniform", n=2, **FAST
        )
        Runner(search, bench, budget=30).run()
        assert search.transfer_log and all(e["transferred"] <= 2 for e in search.transfer_log)
