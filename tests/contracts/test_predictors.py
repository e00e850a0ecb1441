"""Every registered predictor learns NAS-Bench-201 accuracy from one-hot encodings: finite
predictions of the right shape, reproducible under a seed, and ranking held-out cells well
above chance."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from scipy.stats import spearmanr

from tasknas import get_benchmark
from tasknas.errors import UnknownNameError
from tasknas.predictors import PREDICTORS, make_predictor

TRAIN, TEST = 300, 100
#: Chance is a rank correlation of 0 (standard deviation about 0.1 on 100 cells); every
#: shipped predictor reaches 0.64-0.86 on these cells.
MIN_SPEARMAN = 0.4


@pytest.fixture(scope="module")
def data() -> dict[str, Any]:
    """``TRAIN + TEST`` distinct cells of the table: encodings and CIFAR-100 validation
    accuracy."""
    bench = get_benchmark("nb201")
    rows = np.random.default_rng(0).choice(bench.space.size, TRAIN + TEST, replace=False)
    archs = [bench.arch_at(int(row)) for row in rows]
    x = np.stack([bench.space.encode(arch) for arch in archs]).astype(float)
    y = np.array([bench.evaluate(arch, "cifar100").objective for arch in archs])
    return {"x_train": x[:TRAIN], "y_train": y[:TRAIN], "x_test": x[TRAIN:], "y_test": y[TRAIN:]}


def fit_predict(name: str, seed: int, data: dict[str, Any]) -> np.ndarray:
    predictor = make_predictor(name, seed=seed)
    predictor.fit(data["x_train"], data["y_train"])
    return np.asarray(predictor.predict(data["x_test"]))


@pytest.mark.parametrize("name", PREDICTORS.names())
class TestRegisteredPredictors:
    def test_finite_predictions_of_the_right_shape(self, name: str, data: dict[str, Any]) -> None:
        predictions = fit_predict(name, 0, data)
        assert predictions.shape == (TEST,)
        assert np.isfinite(predictions).all()

    def test_deterministic_under_a_seed(self, name: str, data: dict[str, Any]) -> None:
        np.testing.assert_array_equal(fit_predict(name, 3, data), fit_predict(name, 3, data))

    def test_ranks_held_out_cells_better_than_chance(self, name: str, data: dict[str, Any]) -> None:
        rho = spearmanr(fit_predict(name, 0, data), data["y_test"]).statistic
        assert rho > MIN_SPEARMAN, f"{name}: Spearman {rho:.3f} on held-out cells"


def test_unknown_predictor_lists_the_choices() -> None:
    with pytest.raises(UnknownNameError) as info:
        make_predictor("xgboost")
    assert info.value.choices == PREDICTORS.names()
