"""Old home of ``build_supernet``; the one builder table is ``tasknas.nn._build.BUILDERS``."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from torch import nn

from tasknas.nn._build import BUILDERS, build_supernet

__all__ = ["SUPERNETS", "build_supernet"]

#: Deprecated read-only view of ``BUILDERS``: search-space type -> supernet class.
SUPERNETS: Mapping[type, Callable[..., nn.Module]] = MappingProxyType(
    {b.space: b.supernet for b in BUILDERS.values() if b.supernet is not None}
)
