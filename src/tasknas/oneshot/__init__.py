"""One-shot searches: FUSE with its random-search baseline (``tasknas.oneshot.fuse``, used by
TA-NAS) and MTL-NAS (``tasknas.oneshot.mtl``), and the chance-level check of their scores
(``at_chance``, ``chance_warning``).

Every public name of both subpackages is exported here too.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.oneshot._chance import CHANCE_MARGIN, at_chance, chance_warning
    from tasknas.oneshot.fuse import (
        FuseSettings,
        Mixture,
        RoundRecord,
        SearchResult,
        fuse_search,
        random_search,
        retrain,
    )
    from tasknas.oneshot.mtl import (
        DEFAULT_N_TEST,
        DEFAULT_N_TRAIN,
        NETWORKS,
        MTLResult,
        MTLSettings,
        MultiTaskLoss,
        MultiTaskMetric,
        build_mtl_network,
        default_plot_path,
        mtl_search,
        plot_mtl_edges,
        task_accuracies,
    )

from tasknas.oneshot import fuse, mtl  # light: both export lazily

__all__ = [
    "CHANCE_MARGIN",
    "DEFAULT_N_TEST",
    "DEFAULT_N_TRAIN",
    "NETWORKS",
    "FuseSettings",
    "MTLResult",
    "MTLSettings",
    "Mixture",
    "MultiTaskLoss",
    "MultiTaskMetric",
    "RoundRecord",
    "SearchResult",
    "at_chance",
    "build_mtl_network",
    "chance_warning",
    "default_plot_path",
    "fuse_search",
    "mtl_search",
    "plot_mtl_edges",
    "random_search",
    "retrain",
    "task_accuracies",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        **dict.fromkeys(
            ("CHANCE_MARGIN", "at_chance", "chance_warning"), "tasknas.oneshot._chance"
        ),
        **dict.fromkeys(fuse.__all__, "tasknas.oneshot.fuse"),
        **dict.fromkeys(mtl.__all__, "tasknas.oneshot.mtl"),
    },
)
