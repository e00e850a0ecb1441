"""Seeded, stratified sampling and splitting of labelled rows (numpy only).

Every function takes its ``np.random.Generator`` from the caller and returns row positions,
so a split is a pure function of the labels and the generator's seed.
"""

from __future__ import annotations

import numpy as np

from tasknas._seeds import seed_rng
from tasknas.errors import InvalidSettingError
from tasknas.tasks._npz import SPLITS, UNSPLIT, ImageFile

__all__ = ["allocate", "carve", "plan_splits", "stratified_sample"]


def allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Per-class quotas that sum to ``min(total, counts.sum())``, proportional to ``counts``.

    Each non-empty class gets at least one row when ``total`` allows it; the rest is shared by
    largest remainders (ties go to the lower class index). No quota exceeds its count.
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = min(int(total), int(counts.sum()))
    nonempty = counts > 0
    base = nonempty.astype(np.int64) if total >= nonempty.sum() else np.zeros_like(counts)
    spare = counts - base
    left = total - int(base.sum())
    if left == 0 or spare.sum() == 0:
        return base
    ideal = left * spare / spare.sum()
    quota = np.floor(ideal).astype(np.int64)
    short = left - int(quota.sum())
    order = np.argsort(-(ideal - quota), kind="stable")
    quota[order[:short]] += 1
    return base + quota


def stratified_sample(labels: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of ``size`` rows drawn without replacement, stratified by label.

    Class proportions follow ``labels`` (see ``allocate``); all rows when ``size`` is larger.
    """
    if len(labels) == 0:
        return np.zeros(0, dtype=np.int64)
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    chosen = [
        rng.permutation(np.flatnonzero(inverse == k))[:quota]
        for k, quota in enumerate(allocate(counts, size))
    ]
    return np.sort(np.concatenate(chosen))


def carve(labels: np.ndarray, fractions: list[float], rng: np.random.Generator) -> list[np.ndarray]:
    """Split rows into one stratified part per fraction (of all rows), plus the remainder.

    Each part gets at least one row; the remainder is last. Parts are disjoint and sorted.
    """
    remaining = np.arange(len(labels))
    parts = []
    for fraction in fractions:
        size = max(1, round(fraction * len(labels)))
        picked = remaining[stratified_sample(labels[remaining], size, rng)]
        parts.append(picked)
        remaining = np.setdiff1d(remaining, picked, assume_unique=True)
    return [*parts, remaining]


def plan_splits(
    file: ImageFile, *, seed: int, val_fraction: float, test_fraction: float
) -> dict[str, tuple[str, np.ndarray]]:
    """Where each of train, val and test comes from: split name -> (file split, row indices).

    Splits the file has are used as they are. Missing ones are carved, stratified by label,
    out of the file's train split (or, without one, its unsplit images or its largest
    split): val takes ``val_fraction`` and test ``test_fraction`` of that pool, and train the
    rest. The plan depends on the file, seed and fractions only, never on the task, so tasks
    drawn from one file with one seed share their splits.
    """
    present = file.splits
    plan = {s: (s, np.arange(len(file.y[s]))) for s in SPLITS if s in present}
    missing = [s for s in SPLITS if s not in present]
    if not missing:
        return plan
    if "train" in present or UNSPLIT in present:
        source = "train" if "train" in present else UNSPLIT
    else:
        source = max(present, key=lambda s: len(file.y[s]))
    targets = [s for s in SPLITS if s in missing or s == source]
    carved = [s for s in targets if s != "train"]
    fractions = {"val": val_fraction, "test": test_fraction}
    rng = seed_rng(seed, 0)
    parts = carve(file.y[source], [fractions[s] for s in carved], rng)
    for split, rows in zip([*carved, "train"], parts, strict=True):
        if len(rows) == 0:
            raise InvalidSettingError(
                f"{file.path.name}: too few images ({len(file.y[source])}) in split "
                f"{source!r} to carve train, val and test from it"
            )
        plan[split] = (source, rows)
    return {s: plan[s] for s in SPLITS}
