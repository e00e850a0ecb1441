"""Task similarity: the Fisher task distance of TA-NAS (research notes §4.2).

Each task is represented by a network trained on it (e.g. ``tasknas.nn.SmallCNN``). The
distance from base task b to target task t compares the diagonal Fisher informations of
b's and t's networks, both measured on t's data.
"""

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
