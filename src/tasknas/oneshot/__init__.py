"""One-shot search for TA-NAS: FUSE, its random-search baseline and final retraining.

``fuse_search`` mixes a few candidate networks (``Mixture``) and learns which one to keep;
``random_search`` spends the same candidate-epochs training random architectures one by
one; both retrain their winner from scratch (``retrain``) and return a ``SearchResult``.
"""

from tasknas.oneshot._fuse import fuse_search
from tasknas.oneshot._mixture import Mixture
from tasknas.oneshot._random import random_search
from tasknas.oneshot._result import RoundRecord, SearchResult
from tasknas.oneshot._retrain import retrain
from tasknas.oneshot._settings import FuseSettings

__all__ = [
    "FuseSettings",
    "Mixture",
    "RoundRecord",
    "SearchResult",
    "fuse_search",
    "random_search",
    "retrain",
]
