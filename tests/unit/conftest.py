"""Fixtures of the unit tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import torch

import tasknas.tasks
from tasknas.tasks import TensorData

DATA = Path(tasknas.tasks.__file__).parent / "data"


def _binary_task(file: str, label: int, n: int, seed: int) -> TensorData:
    """``n`` real test images of ``file``, half of class ``label`` (target 1), shuffled."""
    with np.load(DATA / file) as arrays:
        images, labels = arrays["x_test"], arrays["y_test"]
    rng = np.random.default_rng(seed)
    positive = rng.choice(np.flatnonzero(labels == label), n // 2, replace=False)
    negative = rng.choice(np.flatnonzero(labels != label), n - n // 2, replace=False)
    index = rng.permutation(np.concatenate([positive, negative]))
    x = torch.from_numpy(images[index]).float().div(255).unsqueeze(1)
    return TensorData(x, torch.from_numpy((labels[index] == label).astype(np.int64)))


@pytest.fixture(scope="session")
def binary_task() -> Callable[[str, int, int, int], TensorData]:
    """``binary_task(file, label, n, seed)``: a balanced "is it class ``label``" task of ``n``
    real test images of the shipped ``file``."""
    return _binary_task
