"""MTL-NAS (Gao et al., CVPR 2020): single-shot search of the edges between task networks.

``mtl_search`` pretrains one backbone per task, then learns which cross-task fusion edges
to keep (``MTLSettings``), and returns an ``MTLResult`` with the single-task, all-edges and
searched networks' test accuracies; ``plot_mtl_edges`` draws the edges it kept.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.oneshot.mtl._objective import MultiTaskLoss, MultiTaskMetric, task_accuracies
    from tasknas.oneshot.mtl._plot import default_plot_path, plot_mtl_edges
    from tasknas.oneshot.mtl._result import NETWORKS, MTLResult
    from tasknas.oneshot.mtl._search import build_mtl_network, mtl_search
    from tasknas.oneshot.mtl._settings import DEFAULT_N_TEST, DEFAULT_N_TRAIN, MTLSettings

__all__ = [
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
        "MultiTaskLoss": "tasknas.oneshot.mtl._objective",
        "MultiTaskMetric": "tasknas.oneshot.mtl._objective",
        "task_accuracies": "tasknas.oneshot.mtl._objective",
        "default_plot_path": "tasknas.oneshot.mtl._plot",
        "plot_mtl_edges": "tasknas.oneshot.mtl._plot",
        "NETWORKS": "tasknas.oneshot.mtl._result",
        "MTLResult": "tasknas.oneshot.mtl._result",
        "build_mtl_network": "tasknas.oneshot.mtl._search",
        "mtl_search": "tasknas.oneshot.mtl._search",
        "DEFAULT_N_TEST": "tasknas.oneshot.mtl._settings",
        "DEFAULT_N_TRAIN": "tasknas.oneshot.mtl._settings",
        "MTLSettings": "tasknas.oneshot.mtl._settings",
    },
)
