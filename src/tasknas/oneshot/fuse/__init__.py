"""FUSE (TA-NAS's one-shot search) and its random-search baseline at equal compute.

``fuse_search`` mixes a few candidate networks (``Mixture``) and learns which one to keep;
``random_search`` spends the same candidate-epochs training random architectures one by
one; both retrain their winner from scratch (``retrain``) and return a ``SearchResult``.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.oneshot.fuse._mixture import Mixture
    from tasknas.oneshot.fuse._random import random_search
    from tasknas.oneshot.fuse._result import BaselineRecord, RoundRecord, SearchResult
    from tasknas.oneshot.fuse._retrain import retrain, retrain_baseline
    from tasknas.oneshot.fuse._search import fuse_search
    from tasknas.oneshot.fuse._settings import FuseSettings

__all__ = [
    "BaselineRecord",
    "FuseSettings",
    "Mixture",
    "RoundRecord",
    "SearchResult",
    "fuse_search",
    "random_search",
    "retrain",
    "retrain_baseline",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Mixture": "tasknas.oneshot.fuse._mixture",
        "random_search": "tasknas.oneshot.fuse._random",
        "BaselineRecord": "tasknas.oneshot.fuse._result",
        "RoundRecord": "tasknas.oneshot.fuse._result",
        "SearchResult": "tasknas.oneshot.fuse._result",
        "retrain": "tasknas.oneshot.fuse._retrain",
        "retrain_baseline": "tasknas.oneshot.fuse._retrain",
        "fuse_search": "tasknas.oneshot.fuse._search",
        "FuseSettings": "tasknas.oneshot.fuse._settings",
    },
)
