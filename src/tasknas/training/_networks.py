"""Networks and supernets of the training evaluators, sized by one ``(channels, layers)`` pair.

``layers`` is the network's depth in its own unit: cells for DARTS-like genotypes, cells per
stage for NB201 (three stages). Weights are initialised under ``seeded(seed)``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from tasknas._torch import seeded
from tasknas.nn import build_network, build_supernet
from tasknas.spaces import DartsGenotype, DartsSpace, NB201Cell, NB201Space, SearchSpace

__all__ = [
    "DEPTH_KEYWORDS",
    "default_layers",
    "make_network",
    "make_supernet",
]

#: Per genotype or space type: the constructor keyword that sets the depth, and the
#: CPU-sized default depth (5 DARTS cells: normal-reduce-normal-reduce-normal as in EMT-NAS;
#: 1 NB201 cell per stage, whose first stage runs at full 28x28 resolution).
DEPTH_KEYWORDS: Mapping[type, tuple[str, int]] = {
    DartsGenotype: ("layers", 5),
    DartsSpace: ("layers", 5),
    NB201Cell: ("cells_per_stage", 1),
    NB201Space: ("cells_per_stage", 1),
}


def _depth(obj: object) -> tuple[str, int]:
    for cls in type(obj).__mro__:
        if cls in DEPTH_KEYWORDS:
            return DEPTH_KEYWORDS[cls]
    return ("layers", 5)  # build_network / build_supernet then name the supported types


def default_layers(space: SearchSpace[Any]) -> int:
    """The default depth of ``space``'s networks."""
    return _depth(space)[1]


def make_network(
    arch: Any, *, in_channels: int, num_classes: int, channels: int, layers: int, seed: int
) -> nn.Module:
    """The stand-alone network of ``arch``."""
    options = {"channels": channels, _depth(arch)[0]: layers}
    with seeded(seed):
        return build_network(arch, in_channels=in_channels, num_classes=num_classes, **options)


def make_supernet(
    space: SearchSpace[Any],
    *,
    in_channels: int,
    num_classes: int,
    channels: int,
    layers: int,
    seed: int,
) -> nn.Module:
    """The weight-sharing supernet of ``space``."""
    options = {"channels": channels, _depth(space)[0]: layers}
    with seeded(seed):
        return build_supernet(space, in_channels=in_channels, num_classes=num_classes, **options)
