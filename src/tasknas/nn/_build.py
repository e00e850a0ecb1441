"""Build the network of any supported genotype; count parameters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from tasknas.errors import InvalidArchitectureError
from tasknas.nn._darts import DartsNetwork
from tasknas.nn._nb201 import NB201Network, TransNASMicroNetwork
from tasknas.spaces import DartsGenotype, NB201Cell, TransNASMicroCell

__all__ = ["BUILDERS", "build_network", "count_parameters"]

#: Genotype type -> network class (called with the genotype and keyword settings).
BUILDERS: dict[type, Callable[..., nn.Module]] = {
    DartsGenotype: DartsNetwork,
    NB201Cell: NB201Network,
    TransNASMicroCell: TransNASMicroNetwork,
}


def build_network(arch: object, *, in_channels: int, num_classes: int, **kwargs: Any) -> nn.Module:
    """The network of ``arch`` for ``in_channels``-channel images and ``num_classes`` classes.

    ``kwargs`` go to the network class (e.g. ``channels``, ``layers`` for DARTS genotypes,
    ``cells_per_stage`` for NB201 and TransNAS micro cells); an unexpected keyword raises
    ``TypeError``.

    Raises:
        InvalidArchitectureError: no network is known for ``type(arch)``.
    """
    for cls in type(arch).__mro__:
        builder = BUILDERS.get(cls)
        if builder is not None:
            return builder(arch, in_channels=in_channels, num_classes=num_classes, **kwargs)
    raise InvalidArchitectureError(
        f"cannot build a network for a {type(arch).__name__} ({arch!r}); supported genotypes: "
        f"{', '.join(t.__name__ for t in BUILDERS)}"
    )


def count_parameters(model: nn.Module) -> int:
    """The number of trainable parameters of ``model``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)
