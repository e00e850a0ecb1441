"""The seed streams of the one-shot searches: ``derive(seed, STREAM, ...)`` (``tasknas._seeds``)."""

from __future__ import annotations

from tasknas._seeds import derive
from tasknas._validation import check_seed

__all__ = [
    "INIT",
    "RETRAIN",
    "SAMPLE",
    "TRAIN_ALPHA",
    "TRAIN_WEIGHTS",
    "WARMUP",
    "check_seed",
    "derive",
]

# Streams: changing how much one of them draws leaves the others unchanged.
SAMPLE, INIT, TRAIN_WEIGHTS, TRAIN_ALPHA, RETRAIN, WARMUP = range(6)
