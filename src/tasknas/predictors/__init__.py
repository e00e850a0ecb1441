"""Performance predictors: scikit-learn regressors over architecture encodings.

A predictor is any object with scikit-learn's ``fit(X, y)`` / ``predict(X)``; the registry
names the ones tasknas builds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from tasknas._registry import Registry

__all__ = ["PREDICTORS", "Predictor", "make_predictor"]


class Predictor(Protocol):
    """The scikit-learn regressor interface tasknas relies on."""

    def fit(self, X: np.ndarray, y: np.ndarray) -> Any: ...

    def predict(self, X: np.ndarray) -> np.ndarray: ...


PREDICTORS: Registry[Callable[[int], Predictor]] = Registry(
    "predictor",
    {
        "extra_trees": "tasknas.predictors._sklearn:extra_trees",
        "random_forest": "tasknas.predictors._sklearn:random_forest",
        "ridge": "tasknas.predictors._sklearn:ridge",
    },
)


def make_predictor(name: str, *, seed: int = 0) -> Predictor:
    """A new, unfitted predictor registered as ``name``, seeded with ``seed``."""
    return PREDICTORS.get(name)(seed)
