"""``tasknas.pareto``: non-dominated sorting, crowding distance, 2-D hypervolume."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasknas import get_benchmark
from tasknas.pareto import (
    crowding_distance,
    dominates,
    hypervolume_2d,
    non_dominated_sort,
    nsga2_select,
    pareto_front,
)


def brute_front(points: list[tuple[float, ...]]) -> list[int]:
    return [
        i
        for i, p in enumerate(points)
        if not any(dominates(q, p) for j, q in enumerate(points) if j != i)
    ]


small_points = st.lists(
    st.tuples(st.integers(0, 6), st.integers(0, 6)).map(lambda t: (float(t[0]), float(t[1]))),
    min_size=0,
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(small_points)
def test_front_equals_brute_force_and_is_non_dominated(points: list[tuple[float, float]]) -> None:
    front = pareto_front(points)
    assert front == brute_front(points)
    for i, j in itertools.permutations(front, 2):
        assert not dominates(points[i], points[j])


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 4), st.integers(0, 4), st.integers(0, 4)), min_size=1, max_size=15
    )
)
def test_fronts_partition_the_points_in_dominance_order(points: list[tuple[int, ...]]) -> None:
    fronts = non_dominated_sort(points)
    assert sorted(i for f in fronts for i in f) == list(range(len(points)))
    assert fronts[0] == brute_front(points)
    for k, front in enumerate(fronts):
        for i in front:  # nothing in a later front dominates it; something earlier does
            assert not any(dominates(points[j], points[i]) for f in fronts[k:] for j in f)
            if k > 0:
                assert any(dominates(points[j], points[i]) for j in fronts[k - 1])


def test_front_of_a_small_nb201_table_matches_brute_force() -> None:
    bench = get_benchmark("nb201")
    acc = bench.objectives("cifar10")[:300]
    params = bench.params_table("cifar10")[:300]
    points = [(float(a), -float(p)) for a, p in zip(acc, params, strict=True)]
    front = pareto_front(points)
    assert front == brute_front(points)
    assert 1 < len(front) < 300


def test_failures_never_dominate() -> None:
    points = [(-math.inf, 0.0), (1.0, -5.0), (float("nan"), 3.0)]
    assert not dominates(points[0], points[1])
    assert 1 in pareto_front(points)


@pytest.mark.parametrize(
    ("points", "reference", "expected"),
    [
        ([(1, 3), (2, 2), (3, 1)], (0, 0), 6.0),
        ([(2, 3)], (0, 0), 6.0),
        ([(2, 3), (1, 1)], (0, 0), 6.0),  # a dominated point adds nothing
        ([(2, 3), (2, 3)], (0, 0), 6.0),
        ([(1, 3), (2, 2), (3, 1)], (1, 1), 1.0),  # only (2, 2) beats the reference in both
        ([(0.5, 5)], (1, 0), 0.0),
        ([], (0, 0), 0.0),
        ([(-1.0, 4.0), (3.0, -2.0)], (-2.0, -3.0), 7.0 + 5.0 - 1.0 * 1.0 - 0.0),
    ],
)
def test_hypervolume_on_known_inputs(points, reference, expected) -> None:
    assert hypervolume_2d(points, reference) == pytest.approx(expected)


def test_hypervolume_of_the_true_front_is_the_largest() -> None:
    rng = np.random.default_rng(0)
    points = rng.random((200, 2))
    ref = (0.0, 0.0)
    total = hypervolume_2d(points, ref)
    assert total == pytest.approx(hypervolume_2d(points[pareto_front(points)], ref))
    assert hypervolume_2d(points[:50], ref) <= total


def test_crowding_distance_and_nsga2_selection() -> None:
    points = [(0.0, 4.0), (1.0, 3.0), (3.0, 1.0), (4.0, 0.0), (1.0, 1.0)]
    crowd = crowding_distance(points[:4])
    assert math.isinf(crowd[0]) and math.isinf(crowd[3])
    assert crowd[1] == pytest.approx((3 - 0) / 4 + (4 - 1) / 4)
    assert crowd[2] == pytest.approx((4 - 1) / 4 + (3 - 0) / 4)
    assert non_dominated_sort(points) == [[0, 1, 2, 3], [4]]
    assert set(nsga2_select(points, 2)) == {0, 3}  # the extremes first
    assert nsga2_select(points, 5)[-1] == 4
