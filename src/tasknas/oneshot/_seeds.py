"""Independent seeds derived from one user seed, one per use (sampling, init, data order)."""

from __future__ import annotations

import numpy as np

from tasknas.errors import InvalidSettingError

__all__ = ["INIT", "RETRAIN", "SAMPLE", "TRAIN_ALPHA", "TRAIN_WEIGHTS", "check_seed", "derive"]

# Streams: changing how much one of them draws leaves the others unchanged.
SAMPLE, INIT, TRAIN_WEIGHTS, TRAIN_ALPHA, RETRAIN = range(5)


def check_seed(seed: object) -> int:
    """``seed`` if it is an integer >= 0, else ``InvalidSettingError``."""
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidSettingError(f"seed must be an integer >= 0, got {seed!r}")
    return int(seed)


def derive(seed: int, *keys: int) -> int:
    """A 63-bit seed that depends only on ``seed`` and ``keys`` (a stream, then indices)."""
    state = np.random.SeedSequence((seed, *keys)).generate_state(1, dtype=np.uint64)
    return int(state[0] >> np.uint64(1))
