"""SynFlow scores of architectures: computed on a small network, or read from a shipped table."""

from __future__ import annotations

import csv
import gzip
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from tasknas.errors import UnknownNameError

__all__ = [
    "NB201_SYNFLOW",
    "PROXY_NETWORKS",
    "PROXY_TABLES",
    "SCREEN_TABLES",
    "SynflowProxy",
    "proxy_table",
    "zero_cost_proxy",
]


@dataclass(frozen=True)
class SynflowProxy:
    """SynFlow of ``build_network(arch, ...)`` for an input of ``in_channels × size × size``.

    The network is small on purpose: the score ranks cells, and on NAS-Bench-201 one cell per
    stage with 8 channels and an 8×8 input ranks as well as the full network (Spearman with
    validation accuracy 0.78 / 0.81 / 0.80 against 0.80 / 0.83 / 0.82 on C-10 / C-100 /
    ImageNet16-120, 200 random cells) at a fraction of the cost.
    """

    in_channels: int = 3
    num_classes: int = 10
    image_size: int = 8
    seed: int = 0
    network: Mapping[str, Any] = field(default_factory=dict)

    def compute(self, arch: Any) -> float:
        """The log SynFlow score of ``arch`` (``-inf`` when no signal reaches the output)."""
        from tasknas._torch import seeded
        from tasknas.nn import build_network
        from tasknas.proxies._synflow import synflow

        with seeded(self.seed):
            model = build_network(
                arch, in_channels=self.in_channels, num_classes=self.num_classes, **self.network
            )
        return synflow(model, (self.in_channels, self.image_size, self.image_size))


NB201_SYNFLOW = SynflowProxy(network={"channels": 8, "layers": 1})
#: The DARTS-like spaces' proxy network (grey 8x8 input, 8 channels, 3 cells).
DARTS_SYNFLOW = SynflowProxy(in_channels=1, network={"channels": 8, "layers": 3})

#: Proxy settings per search space; spaces with a shipped table read it instead. The
#: TransNAS-Bench-101 micro cell has NB201-style operations and is scored in the same network.
PROXY_NETWORKS: dict[str, SynflowProxy] = {
    "nb201": NB201_SYNFLOW,
    "transnas-micro": NB201_SYNFLOW,
    "darts-tanas": DARTS_SYNFLOW,
    "darts-emtnas": DARTS_SYNFLOW,
    "darts-emtnas-conv": DARTS_SYNFLOW,
}

#: Shipped tables of ``PROXY_NETWORKS[space]`` over every cell of the space (package data,
#: rebuilt by ``benchmarks/make_synflow_table.py --space SPACE``).
PROXY_TABLES: Mapping[str, str] = MappingProxyType(
    {"nb201": "nb201_synflow.csv.gz", "transnas-micro": "tnb101_micro_synflow.csv.gz"}
)

#: Spaces whose table ``zero_cost_proxy(space, table_only=True)`` returns, i.e. the tables the
#: multi-task engine's pre-screen uses by default (``proxy="auto"``), where it then drops its
#: regressor. Only tables measured to screen at least as well as the regressor belong here.
#: On TransNAS-Bench-101 micro the SynFlow screen is worse on room layout (``evo``, 10 seeds,
#: budget 50: mean percentile 5.7 against 0.7; benchmarks/data/PROVENANCE.md), so the engine
#: keeps its regressor there unless asked for ``proxy="synflow"``.
SCREEN_TABLES: frozenset[str] = frozenset({"nb201"})


@cache
def _table(filename: str) -> Mapping[str, float]:
    path = resources.files("tasknas.benchmarks") / "data" / filename
    with path.open("rb") as raw, gzip.open(raw, "rt", newline="") as handle:
        rows = {row["arch"]: float(row["synflow"]) for row in csv.DictReader(handle)}
    return MappingProxyType(rows)


def proxy_table(space: str) -> Mapping[str, float] | None:
    """The shipped log-SynFlow table of the search space called ``space`` (canonical arch
    string -> score, ``-inf`` where no signal reaches the output), or ``None`` if it has none.

    Tables: ``nb201`` (all 15,625 cells) and ``transnas-micro`` (all 4,096 cells), computed with
    ``PROXY_NETWORKS[space]``. The mapping is read-only and read once per process.
    """
    filename = PROXY_TABLES.get(space)
    return None if filename is None else _table(filename)


def zero_cost_proxy(space: str, *, table_only: bool = False) -> Callable[[Any], float] | None:
    """A function ``arch -> log SynFlow`` for the search space called ``space``.

    Reads the shipped table where there is one (``proxy_table``), else computes the score on a
    small network (cached per architecture).

    With ``table_only`` (the multi-task engine's ``proxy="auto"``), returns the table of a space
    in ``SCREEN_TABLES`` (NAS-Bench-201) and ``None`` for every other space, including
    ``transnas-micro``, whose table exists but screens worse than the engine's regressor.

    Raises:
        UnknownNameError: the space has no proxy network (and no table).
    """
    if table_only and space not in SCREEN_TABLES:
        return None
    table = proxy_table(space)
    if table is not None:
        return lambda arch: table[str(arch)]
    if space not in PROXY_NETWORKS:
        raise UnknownNameError("space with a zero-cost proxy", space, PROXY_NETWORKS)
    proxy = PROXY_NETWORKS[space]
    scores: dict[str, float] = {}

    def score(arch: Any) -> float:
        key = str(arch)
        if key not in scores:
            scores[key] = proxy.compute(arch)
        return scores[key]

    return score


def finite(value: float) -> float:
    """``value`` with ``-inf`` (a disconnected network) mapped to a large negative number."""
    return value if math.isfinite(value) else -1e3
