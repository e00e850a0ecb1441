"""Search spaces and their genotypes."""

from __future__ import annotations

from tasknas._registry import Registry
from tasknas.spaces._base import SearchSpace
from tasknas.spaces._cell import EDGES, CellSpace, EdgeCell
from tasknas.spaces._darts import (
    EMTNAS_CONV_OPS,
    EMTNAS_OPS,
    TANAS_OPS,
    DartsCell,
    DartsEMTNASConvSpace,
    DartsEMTNASSpace,
    DartsGenotype,
    DartsSpace,
    DartsTANASSpace,
    ops_of,
)
from tasknas.spaces._nb201 import NB201Cell, NB201Space
from tasknas.spaces._transnas import TransNASMicroCell, TransNASMicroSpace

__all__ = [
    "EDGES",
    "EMTNAS_CONV_OPS",
    "EMTNAS_OPS",
    "SPACES",
    "TANAS_OPS",
    "CellSpace",
    "DartsCell",
    "DartsEMTNASConvSpace",
    "DartsEMTNASSpace",
    "DartsGenotype",
    "DartsSpace",
    "DartsTANASSpace",
    "EdgeCell",
    "NB201Cell",
    "NB201Space",
    "SearchSpace",
    "TransNASMicroCell",
    "TransNASMicroSpace",
    "get_space",
    "ops_of",
]

SPACES: Registry[type[SearchSpace]] = Registry(
    "search space",
    {
        "nb201": "tasknas.spaces._nb201:NB201Space",
        "transnas-micro": "tasknas.spaces._transnas:TransNASMicroSpace",
        "darts-tanas": "tasknas.spaces._darts:DartsTANASSpace",
        "darts-emtnas": "tasknas.spaces._darts:DartsEMTNASSpace",
        "darts-emtnas-conv": "tasknas.spaces._darts:DartsEMTNASConvSpace",
    },
)


def get_space(name: str) -> SearchSpace:
    """A new instance of the search space registered as ``name``."""
    return SPACES.get(name)()
