"""One-shot search for TA-NAS: FUSE, its random-search baseline and final retraining.

``fuse_search`` mixes a few candidate networks (``Mixture``) and learns which one to keep;
``random_search`` spends the same candidate-epochs training random architectures one by
one; both retrain their winner from scratch (``retrain``) and return a ``SearchResult``.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.oneshot._fuse import fuse_search
    from tasknas.oneshot._mixture import Mixture
    from tasknas.oneshot._mtl import build_mtl_network, mtl_search
    from tasknas.oneshot._mtl_objective import (
        MultiTaskLoss,
        MultiTaskMetric,
        task_accuracies,
    )
    from tasknas.oneshot._mtl_plot import default_plot_path, plot_mtl_edges
    from tasknas.oneshot._mtl_result import NETWORKS, MTLResult
    from tasknas.oneshot._mtl_settings import (
        DEFAULT_N_TEST,
        DEFAULT_N_TRAIN,
        MTLSettings,
    )
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

__all__ += [
    "DEFAULT_N_TEST",
    "DEFAULT_N_TRAIN",
    "NETWORKS",
    "MTLResult",
    "MTLSettings",
    "MultiTaskLoss",
    "MultiTaskMetric",
    "build_mtl_network",
    "default_plot_path",
    "mtl_search",
    "plot_mtl_edges",
    "task_accuracies",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "fuse_search": "tasknas.oneshot._fuse",
        "Mixture": "tasknas.oneshot._mixture",
        "random_search": "tasknas.oneshot._random",
        "RoundRecord": "tasknas.oneshot._result",
        "SearchResult": "tasknas.oneshot._result",
        "retrain": "tasknas.oneshot._retrain",
        "FuseSettings": "tasknas.oneshot._settings",
        "build_mtl_network": "tasknas.oneshot._mtl",
        "mtl_search": "tasknas.oneshot._mtl",
        "MultiTaskLoss": "tasknas.oneshot._mtl_objective",
        "MultiTaskMetric": "tasknas.oneshot._mtl_objective",
        "task_accuracies": "tasknas.oneshot._mtl_objective",
        "default_plot_path": "tasknas.oneshot._mtl_plot",
        "plot_mtl_edges": "tasknas.oneshot._mtl_plot",
        "NETWORKS": "tasknas.oneshot._mtl_result",
        "MTLResult": "tasknas.oneshot._mtl_result",
        "DEFAULT_N_TEST": "tasknas.oneshot._mtl_settings",
        "DEFAULT_N_TRAIN": "tasknas.oneshot._mtl_settings",
        "MTLSettings": "tasknas.oneshot._mtl_settings",
    },
)
