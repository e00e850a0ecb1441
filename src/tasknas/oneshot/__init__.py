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

# MTL-NAS (Gao et al., CVPR 2020): single-shot search of cross-task fusion edges.
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
