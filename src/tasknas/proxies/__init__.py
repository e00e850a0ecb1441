"""Zero-cost proxies: scores of an untrained network that rank architectures without training."""

from tasknas.proxies._proxy import (
    NB201_SYNFLOW,
    PROXY_NETWORKS,
    PROXY_TABLES,
    SCREEN_TABLES,
    SynflowProxy,
    proxy_table,
    zero_cost_proxy,
)
from tasknas.proxies._synflow import synflow

__all__ = [
    "NB201_SYNFLOW",
    "PROXY_NETWORKS",
    "PROXY_TABLES",
    "SCREEN_TABLES",
    "SynflowProxy",
    "proxy_table",
    "synflow",
    "zero_cost_proxy",
]
