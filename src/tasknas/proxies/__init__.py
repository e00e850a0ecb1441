"""Zero-cost proxies: scores of an untrained network that rank architectures without training."""

from tasknas.proxies._proxy import NB201_SYNFLOW, PROXY_NETWORKS, SynflowProxy, zero_cost_proxy
from tasknas.proxies._synflow import synflow

__all__ = ["NB201_SYNFLOW", "PROXY_NETWORKS", "SynflowProxy", "synflow", "zero_cost_proxy"]
