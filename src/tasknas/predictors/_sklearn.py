"""Factories of scikit-learn regressors (imported only when used)."""

from __future__ import annotations

from typing import Any


def extra_trees(seed: int) -> Any:
    """Extremely randomised trees, 50 trees."""
    from sklearn.ensemble import ExtraTreesRegressor

    return ExtraTreesRegressor(n_estimators=50, random_state=seed, n_jobs=1)


def random_forest(seed: int) -> Any:
    """Random forest, 50 trees."""
    from sklearn.ensemble import RandomForestRegressor

    return RandomForestRegressor(n_estimators=50, random_state=seed, n_jobs=1)


def ridge(seed: int) -> Any:
    """Ridge regression (alpha 1); deterministic, ``seed`` is unused."""
    from sklearn.linear_model import Ridge

    return Ridge(alpha=1.0)
