"""Pareto utilities: non-dominated sorting, crowding distance and 2-D hypervolume.

Every function takes points as an ``(n, m)`` array whose columns are objectives to
**maximise** (negate one to minimise it: accuracy vs parameters is ``(accuracy, -params)``).
A point *dominates* another when it is at least as good in every objective and better in one;
equal points do not dominate each other, so duplicates share a front. Non-finite values are
the worst possible (a failed evaluation never dominates anything).

These are the pieces of NSGA-II's survivor selection (Deb et al., IEEE TEC 2002):
``non_dominated_sort`` ranks the points front by front, ``crowding_distance`` spreads the
last front that fits, and ``nsga2_select`` combines both.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "crowding_distance",
    "dominates",
    "hypervolume_2d",
    "non_dominated_sort",
    "nsga2_order",
    "nsga2_select",
    "pareto_front",
]


def _points(points: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    array = np.asarray(points, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(len(array), -1 if len(array) else 0)
    if array.ndim != 2:
        raise ValueError(f"points must be an (n, m) array, got shape {array.shape}")
    return np.where(np.isnan(array), -np.inf, array)


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """True when ``a`` is at least as good as ``b`` everywhere and better somewhere."""
    x, y = _points([a, b])
    return bool(np.all(x >= y) and np.any(x > y))


def non_dominated_sort(points: Sequence[Sequence[float]] | np.ndarray) -> list[list[int]]:
    """The indices of ``points`` front by front: front 0 is non-dominated, front 1 is
    non-dominated once front 0 is removed, and so on (each front in index order)."""
    p = _points(points)
    n = len(p)
    if n == 0:
        return []
    geq = np.all(p[:, None, :] >= p[None, :, :], axis=2)
    gt = np.any(p[:, None, :] > p[None, :, :], axis=2)
    dom = geq & gt  # dom[i, j]: i dominates j
    count = dom.sum(axis=0)  # how many dominate j
    fronts: list[list[int]] = []
    current = [int(i) for i in np.flatnonzero(count == 0)]
    while current:
        fronts.append(current)
        count = count - dom[current].sum(axis=0)
        count[current] = -1
        current = [int(i) for i in np.flatnonzero(count == 0)]
    return fronts


def pareto_front(points: Sequence[Sequence[float]] | np.ndarray) -> list[int]:
    """The indices of the non-dominated points (in index order).

    Fast for large inputs with two objectives (a sort); falls back to ``non_dominated_sort``
    for more objectives.
    """
    p = _points(points)
    if len(p) == 0:
        return []
    if p.shape[1] != 2:
        return non_dominated_sort(p)[0]
    # sort by the first objective descending, the second descending: a point is
    # non-dominated iff its second objective beats every point better in the first
    order = np.lexsort((-p[:, 1], -p[:, 0]))
    keep: list[int] = []
    best_second = -np.inf
    i = 0
    while i < len(order):
        j = i
        first = p[order[i], 0]
        while j < len(order) and p[order[j], 0] == first:
            j += 1
        group = order[i:j]  # same first objective, second descending
        top = p[group[0], 1]
        if i == 0 or top > best_second:
            keep += [int(k) for k in group if p[k, 1] == top]
        best_second = max(best_second, top)
        i = j
    return sorted(keep)


def crowding_distance(points: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """NSGA-II's crowding distance of each point within its set: the boundary points of each
    objective get ``inf``, the others the sum over objectives of the normalised gap between
    their neighbours."""
    p = _points(points)
    n, m = p.shape if p.size else (len(p), 0)
    distance = np.zeros(n)
    if n <= 2:
        distance[:] = np.inf
        return distance
    for k in range(m):
        order = np.argsort(p[:, k], kind="stable")
        values = p[order, k]
        distance[order[0]] = distance[order[-1]] = np.inf
        span = values[-1] - values[0]
        if not np.isfinite(span) or span <= 0:
            continue
        distance[order[1:-1]] += (values[2:] - values[:-2]) / span
    return distance


def nsga2_order(points: Sequence[Sequence[float]] | np.ndarray) -> list[int]:
    """Every index, best first: by front, then by crowding distance (largest first) within a
    front, then by index (ties keep their order)."""
    p = _points(points)
    order: list[int] = []
    for front in non_dominated_sort(p):
        crowd = crowding_distance(p[front])
        ranked = sorted(range(len(front)), key=lambda i: (-crowd[i], front[i]))
        order += [front[i] for i in ranked]
    return order


def nsga2_select(points: Sequence[Sequence[float]] | np.ndarray, k: int) -> list[int]:
    """The ``k`` survivors of NSGA-II's selection, best first (``nsga2_order``'s head)."""
    return nsga2_order(points)[: max(0, k)]


def hypervolume_2d(
    points: Sequence[Sequence[float]] | np.ndarray, reference: Sequence[float]
) -> float:
    """The area dominated by ``points`` and dominating ``reference`` (two objectives, both
    maximised); points not better than the reference in both objectives add nothing."""
    p = _points(points)
    ref = np.asarray(reference, dtype=np.float64)
    if p.size == 0:
        return 0.0
    if p.shape[1] != 2 or ref.shape != (2,):
        raise ValueError("hypervolume_2d takes two objectives and a 2-D reference point")
    p = p[np.all(p > ref, axis=1)]
    if len(p) == 0:
        return 0.0
    p = p[pareto_front(p)]
    p = p[np.argsort(-p[:, 0], kind="stable")]  # first objective descending: second ascending
    area, previous = 0.0, ref[1]
    for x, y in p:
        if y > previous:
            area += (x - ref[0]) * (y - previous)
            previous = y
    return float(area)
