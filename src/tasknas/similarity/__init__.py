"""Task similarity: the Fisher task distance of TA-NAS (research notes §4.2).

Each task is represented by a network trained on it (e.g. ``tasknas.nn.SmallCNN``). The
distance from base task b to target task t compares the diagonal Fisher informations of
b's and t's networks, both measured on t's data.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.similarity._distance import fisher_distance, task_distance
    from tasknas.similarity._fisher import FISHER_METHODS, diagonal_fisher
    from tasknas.similarity._matrix import DistanceMatrix, distance_matrix

__all__ = [
    "FISHER_METHODS",
    "DistanceMatrix",
    "diagonal_fisher",
    "distance_matrix",
    "fisher_distance",
    "task_distance",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "fisher_distance": "tasknas.similarity._distance",
        "task_distance": "tasknas.similarity._distance",
        "FISHER_METHODS": "tasknas.similarity._fisher",
        "diagonal_fisher": "tasknas.similarity._fisher",
        "DistanceMatrix": "tasknas.similarity._matrix",
        "distance_matrix": "tasknas.similarity._matrix",
    },
)
