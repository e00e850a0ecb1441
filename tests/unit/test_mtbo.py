"""The multi-task Gaussian process and the ``mtbo`` strategy built on it."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasknas import Runner, get_benchmark
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.proxies import proxy_table
from tasknas.storage import InMemoryStore
from tasknas.strategies import STRATEGIES
from tasknas.strategies._mtbo import MultiTaskBO, _proxy_rank
from tasknas.surrogate import MultiTaskGP


def _nb201_data(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    bench = get_benchmark("nb201")
    rng = np.random.default_rng(seed)
    archs = [bench.space.sample(rng) for _ in range(n)]
    features = np.stack([bench.space.encode(a) for a in archs]).astype(float)
    values = {t: np.array([bench.evaluate(a, t).objective for a in archs]) for t in bench.tasks}
    return features, np.arange(n), values


def test_gp_learns_related_and_unrelated_tasks() -> None:
    features, _, values = _nb201_data(40, seed=0)
    shuffled = np.random.default_rng(1).permutation(values["cifar10"])
    x = np.vstack([features] * 3)
    tasks = np.repeat([0, 1, 2], len(features))
    y = np.concatenate([values["cifar10"], values["cifar100"], shuffled])
    gp = MultiTaskGP(3).fit(x, tasks, y)
    corr = gp.task_correlation()
    assert corr[0, 1] > 0.8  # C-10 and C-100 agree (Spearman 0.98 over all cells)
    assert corr[0, 2] < 0.3 and corr[1, 2] < 0.3  # a shuffled copy agrees with nothing
    assert np.allclose(np.diag(corr), 1.0)


def test_gp_predicts_its_training_points_and_is_unsure_elsewhere() -> None:
    features, _, values = _nb201_data(30, seed=2)
    gp = MultiTaskGP(1).fit(features, np.zeros(30, dtype=int), values["cifar10"])
    mean, std = gp.predict(features, 0)
    assert np.abs(mean - values["cifar10"]).max() < 0.5  # accuracy in %
    far, _, _ = _nb201_data(200, seed=3)
    _, std_far = gp.predict(far, 0)
    assert np.median(std_far) > 2 * np.median(std)


def test_upper_confidence_bound_matches_predict_where_it_matters() -> None:
    features, _, values = _nb201_data(30, seed=4)
    gp = MultiTaskGP(1).fit(features, np.zeros(30, dtype=int), values["cifar100"])
    pool, _, _ = _nb201_data(500, seed=5)
    mean, std = gp.predict(pool, 0)
    full = mean + 0.5 * std
    exclude = np.zeros(len(pool), dtype=bool)
    exclude[:10] = True
    fast = gp.upper_confidence_bound(pool, 0, 0.5, top=3, exclude=exclude)
    full[exclude] = -np.inf
    assert list(np.argsort(-fast)[:3]) == list(np.argsort(-full)[:3])
    kept = np.isfinite(fast)
    assert np.allclose(fast[kept], full[kept])


def test_kept_kernel_columns_give_the_fresh_answer_and_expire_with_a_fit() -> None:
    """The pool's kernel columns are kept across tasks and fantasies of one ask: the bounds
    equal those of a model that computes everything afresh, and a new fit drops them."""
    features, _, values = _nb201_data(40, seed=6)
    pool, _, _ = _nb201_data(600, seed=7)
    x = np.vstack([features] * 2)
    tasks = np.repeat([0, 1], len(features))
    y = np.concatenate([values["cifar10"], values["cifar100"]])
    none = np.zeros(len(pool), dtype=bool)

    def fitted() -> MultiTaskGP:
        return MultiTaskGP(2, steps=10).fit(x, tasks, y)

    kept = fitted()
    kept.upper_confidence_bound(pool, 0, 0.5, top=3, exclude=none)  # fills the columns
    kept.fantasize(pool[:3], 0)
    reused = kept.upper_confidence_bound(pool, 1, 0.5, top=3, exclude=none)
    fresh = fitted()
    fresh.fantasize(pool[:3], 0)
    alone = fresh.upper_confidence_bound(pool, 1, 0.5, top=3, exclude=none)
    assert np.allclose(reused, alone, rtol=0, atol=1e-9, equal_nan=True)
    assert np.array_equal(np.isfinite(reused), np.isfinite(alone))

    # a new fit (other data, other hyperparameters) must not reuse the old columns
    kept.fit(x[::2], tasks[::2], y[::2])
    after = kept.upper_confidence_bound(pool, 1, 0.5, top=3, exclude=none)
    other = MultiTaskGP(2, steps=10)
    other.load_hypers_state(kept.hypers_state())
    other.fit(x[::2], tasks[::2], y[::2], hypers=False)
    assert np.allclose(after, other.upper_confidence_bound(pool, 1, 0.5, top=3, exclude=none))


@settings(deadline=None)  # the first example imports scipy.stats
@given(
    st.lists(
        st.one_of(st.integers(-3, 3).map(float), st.just(float("nan")), st.just(-math.inf)),
        min_size=1,
        max_size=40,
    )
)
def test_proxy_rank_is_scipys_average_rank(values: list[float]) -> None:
    from scipy.stats import rankdata

    scores = np.array(values)
    ranks = rankdata(np.where(np.isfinite(scores), scores, -np.inf), method="average")
    assert np.array_equal(_proxy_rank(scores), (ranks - 1.0) / max(len(ranks) - 1, 1))


def test_gp_rejects_bad_settings_and_use_before_fit() -> None:
    with pytest.raises(InvalidSettingError):
        MultiTaskGP(0)
    with pytest.raises(InvalidSettingError, match="fit"):
        MultiTaskGP(2).predict(np.zeros((1, 3)), 0)


@pytest.mark.parametrize(
    ("option", "value"),
    [("design", "latin"), ("acquisition", "pi"), ("initial", 0), ("beta", -1.0), ("prune", "no")],
)
def test_mtbo_rejects_bad_options(option: str, value: object) -> None:
    space = get_benchmark("nb201").space
    with pytest.raises((InvalidSettingError, UnknownNameError)) as info:
        MultiTaskBO(space, ["a", "b"], seed=0, **{option: value})
    assert str(value) in str(info.value)


def test_mtbo_design_is_the_proxy_top_and_the_same_alone_or_with_others() -> None:
    bench = get_benchmark("nb201")
    many = MultiTaskBO(bench.space, list(bench.tasks), seed=3)
    alone = MultiTaskBO(bench.space, ["cifar10"], seed=3)
    trials = many.ask()
    design = {t: [str(x.arch) for x in trials if x.task == t] for t in bench.tasks}
    assert len(design["cifar10"]) == many.initial
    assert all(d == design["cifar10"] for d in design.values())  # one shared design
    assert [str(x.arch) for x in alone.ask()] == design["cifar10"]
    table = proxy_table(bench.space.name)  # the design: the proxy's top cells, best first
    assert table is not None
    best = sorted(table, key=lambda k: -table[k])[: many.initial]
    assert design["cifar10"] == best
    random = MultiTaskBO(bench.space, ["cifar10"], seed=3, design="random")
    assert [str(x.arch) for x in random.ask()] != design["cifar10"]


@pytest.mark.parametrize("name", ["nb201", "transnas-micro"])
def test_diverse_design_spreads_the_proxy_top(name: str) -> None:
    bench = get_benchmark(name)
    space, table = bench.space, proxy_table(bench.space.name)
    assert table is not None
    ranked = sorted(table, key=lambda k: -table[k])

    def design(kind: str) -> list[str]:
        strategy = MultiTaskBO(space, list(bench.tasks)[:1], seed=0, design=kind, initial=6)
        return [str(t.arch) for t in strategy.ask()]

    def closest_pair(archs: list[str]) -> float:
        codes = [space.encode(space.parse(a)) for a in archs]
        return min(float(np.abs(a - b).sum()) for i, a in enumerate(codes) for b in codes[i + 1 :])

    diverse, proxy = design("diverse"), design("proxy")
    assert diverse[0] == proxy[0] == ranked[0]  # both start at the proxy's best cell
    top = set(ranked[: int(np.ceil(0.02 * len(ranked)))])
    assert set(diverse) <= top and len(set(diverse)) == 6  # within the proxy's top 2 %
    assert closest_pair(diverse) > closest_pair(proxy)  # and farther apart than its top 6


@pytest.mark.parametrize("prune", [False, True])
def test_pruned_features_give_one_network_one_input(prune: bool) -> None:
    bench = get_benchmark("transnas-micro")
    space = bench.space
    # node 2 never reaches the output: the cell and its pruned form are one network
    cell = space.genotype.from_names(
        ["conv3x3", "conv1x1", "skip_connect", "skip_connect", "conv3x3", "none"]
    )
    other = space.genotype.from_names(["conv3x3"] * 6)
    strategy = MultiTaskBO(space, ["class_scene"], seed=0, prune=prune)
    _, features, index = strategy._pool()
    code = {a: features[index[str(a)], :-1] for a in (cell, cell.pruned(), other)}
    assert np.array_equal(code[cell], code[cell.pruned()]) is prune
    assert not np.array_equal(code[cell], code[other])


@pytest.mark.parametrize("prune", [False, True])
def test_mtbo_runs_resume_exactly_from_a_cut_store(prune: bool) -> None:
    bench = get_benchmark("transnas-micro")
    tasks = ["class_scene", "class_object"]
    whole = Runner(MultiTaskBO(bench.space, tasks, seed=5, prune=prune), bench, budget=14).run()
    store = InMemoryStore()
    for record in whole.records[:11]:
        store.add(record)
    resumed = Runner(
        MultiTaskBO(bench.space, tasks, seed=5, prune=prune), bench, budget=14, store=store
    ).run()
    assert [(r.task, r.arch) for r in resumed.records] == [(r.task, r.arch) for r in whole.records]


_FRESH = """
import json
from tasknas import Runner, get_benchmark
from tasknas.strategies import STRATEGIES
bench = get_benchmark("nb201")
strategy = STRATEGIES.get("mtbo")(bench.space, ["cifar10", "cifar100"], seed=7)
result = Runner(strategy, bench, budget=10).run()
print(json.dumps([[r.task, r.arch] for r in result.records]))
"""


def test_mtbo_is_reproducible_in_a_fresh_process() -> None:
    bench = get_benchmark("nb201")
    here = Runner(
        STRATEGIES.get("mtbo")(bench.space, ["cifar10", "cifar100"], seed=7), bench, budget=10
    ).run()
    out = subprocess.run(
        [sys.executable, "-c", _FRESH], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(out.stdout) == [[r.task, r.arch] for r in here.records]
