"""Zero-cost proxies: scores of an untrained network that rank architectures without training."""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "NB201_SYNFLOW": "tasknas.proxies._proxy",
        "PROXY_NETWORKS": "tasknas.proxies._proxy",
        "PROXY_TABLES": "tasknas.proxies._proxy",
        "SCREEN_TABLES": "tasknas.proxies._proxy",
        "SynflowProxy": "tasknas.proxies._proxy",
        "proxy_table": "tasknas.proxies._proxy",
        "zero_cost_proxy": "tasknas.proxies._proxy",
        "synflow": "tasknas.proxies._synflow",
    },
)
