"""Build the weight-sharing supernet of a search space."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import nn

from tasknas.errors import InvalidSettingError
from tasknas.nn._supernet_darts import DartsSupernet
from tasknas.nn._supernet_nb201 import NB201Supernet
from tasknas.spaces import DartsSpace, NB201Space, SearchSpace

__all__ = ["SUPERNETS", "build_supernet"]

#: Search-space type -> supernet class (called with the space and keyword settings).
SUPERNETS: dict[type, Callable[..., nn.Module]] = {
    DartsSpace: DartsSupernet,
    NB201Space: NB201Supernet,
}


def build_supernet(
    space: SearchSpace[Any], *, in_channels: int, num_classes: int, **kwargs: Any
) -> nn.Module:
    """The supernet of ``space``; ``select(arch)`` on it picks the sub-network to run.

    ``kwargs`` go to the supernet class (``channels``, ``layers`` for DARTS-like spaces,
    ``cells_per_stage`` for NB201).

    Raises:
        InvalidSettingError: no supernet is known for ``type(space)`` (lists those known).
    """
    for cls in type(space).__mro__:
        builder = SUPERNETS.get(cls)
        if builder is not None:
            return builder(space, in_channels=in_channels, num_classes=num_classes, **kwargs)
    raise InvalidSettingError(
        f"no weight-sharing supernet for space {getattr(space, 'name', space)!r} "
        f"({type(space).__name__}); supported spaces: {', '.join(t.__name__ for t in SUPERNETS)}"
    )
