"""The one network-builder table: genotype type -> its network, space and supernet.

Every network and supernet takes the same sizing keywords, ``channels`` (width) and
``layers`` (depth in the network's own unit: cells for DARTS genotypes, cells per stage for
the three-stage NB201 and TransNAS micro skeletons), so callers size any of them alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from torch import nn

from tasknas._torch import seeded
from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.nn._darts import DartsNetwork
from tasknas.nn._nb201 import NB201Network, TransNASMicroNetwork
from tasknas.nn._supernet_darts import DartsSupernet
from tasknas.nn._supernet_nb201 import NB201Supernet
from tasknas.spaces import (
    DartsGenotype,
    DartsSpace,
    NB201Cell,
    NB201Space,
    SearchSpace,
    TransNASMicroCell,
    TransNASMicroSpace,
)

__all__ = [
    "BUILDERS",
    "NetworkBuilder",
    "build_network",
    "build_supernet",
    "count_parameters",
    "default_layers",
    "find_builder",
]


@dataclass(frozen=True)
class NetworkBuilder:
    """How the genotypes of one type become networks.

    Attributes:
        network: the stand-alone network class, ``network(genotype, in_channels=...,
            num_classes=..., channels=..., layers=..., ...)``.
        space: the search-space type whose genotypes these are (finds the supernet).
        supernet: the weight-sharing class, ``supernet(space, ...)`` with the same keywords,
            or ``None`` when there is none.
        small_layers: a CPU-sized depth, the default of the ``train`` benchmark (5 DARTS
            cells: normal-reduce-normal-reduce-normal as in EMT-NAS; 1 NB201 cell per stage,
            whose first stage runs at full 28x28 resolution).
    """

    network: Callable[..., nn.Module]
    space: type
    supernet: Callable[..., nn.Module] | None
    small_layers: int


#: Genotype type -> how to build its networks: the one table of network builders.
BUILDERS: dict[type, NetworkBuilder] = {
    DartsGenotype: NetworkBuilder(DartsNetwork, DartsSpace, DartsSupernet, small_layers=5),
    NB201Cell: NetworkBuilder(NB201Network, NB201Space, NB201Supernet, small_layers=1),
    TransNASMicroCell: NetworkBuilder(
        TransNASMicroNetwork, TransNASMicroSpace, None, small_layers=1
    ),
}


def find_builder(obj: object) -> NetworkBuilder | None:
    """The builder of ``obj``, a genotype or a search space (by type, subclasses included)."""
    return _for_genotype(obj) or _for_space(obj)


def _for_genotype(arch: object) -> NetworkBuilder | None:
    return next((BUILDERS[c] for c in type(arch).__mro__ if c in BUILDERS), None)


def _for_space(space: object) -> NetworkBuilder | None:
    spaces = {builder.space: builder for builder in BUILDERS.values()}
    return next((spaces[c] for c in type(space).__mro__ if c in spaces), None)


def default_layers(obj: object) -> int:
    """The CPU-sized depth (``small_layers``) of the networks of ``obj``, a genotype or a
    space; 5 for a type with no builder (building then names the supported types)."""
    builder = find_builder(obj)
    return 5 if builder is None else builder.small_layers


def build_network(
    arch: object, *, in_channels: int, num_classes: int, seed: int | None = None, **kwargs: Any
) -> nn.Module:
    """The network of ``arch`` for ``in_channels``-channel images and ``num_classes`` classes.

    ``kwargs`` go to the network class (``channels``, ``layers``, ...); an unexpected keyword
    raises ``TypeError``. With ``seed`` the weights are initialised under ``seeded(seed)``.

    Raises:
        InvalidArchitectureError: no network is known for ``type(arch)``.
    """
    builder = _for_genotype(arch)
    if builder is None:
        raise InvalidArchitectureError(
            f"cannot build a network for a {type(arch).__name__} ({arch!r}); supported "
            f"genotypes: {', '.join(t.__name__ for t in BUILDERS)}"
        )
    return _build(
        builder.network, arch, seed, in_channels=in_channels, num_classes=num_classes, **kwargs
    )


def build_supernet(
    space: SearchSpace[Any],
    *,
    in_channels: int,
    num_classes: int,
    seed: int | None = None,
    **kwargs: Any,
) -> nn.Module:
    """The supernet of ``space``; ``select(arch)`` on it picks the sub-network to run.

    ``kwargs`` go to the supernet class (``channels``, ``layers``, ...). With ``seed`` the
    weights are initialised under ``seeded(seed)``.

    Raises:
        InvalidSettingError: no supernet is known for ``type(space)`` (lists those known).
    """
    builder = _for_space(space)
    if builder is None or builder.supernet is None:
        known = ", ".join(b.space.__name__ for b in BUILDERS.values() if b.supernet is not None)
        raise InvalidSettingError(
            f"no weight-sharing supernet for space {getattr(space, 'name', space)!r} "
            f"({type(space).__name__}); supported spaces: {known}"
        )
    return _build(
        builder.supernet, space, seed, in_channels=in_channels, num_classes=num_classes, **kwargs
    )


def _build(
    cls: Callable[..., nn.Module], obj: object, seed: int | None, **kwargs: Any
) -> nn.Module:
    if seed is None:
        return cls(obj, **kwargs)
    with seeded(seed):
        return cls(obj, **kwargs)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
