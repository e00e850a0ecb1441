"""Black-box multi-task search strategies (ask/tell)."""

from __future__ import annotations

from tasknas._registry import Registry
from tasknas.strategies._base import Strategy
from tasknas.strategies._evolution import RegularizedEvolution
from tasknas.strategies._multitask import MultiTaskEvolution
from tasknas.strategies._random import RandomSearch

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "MultiTaskEvolution",
    "RandomSearch",
    "RegularizedEvolution",
    "Strategy",
]

STRATEGIES: Registry[type[Strategy]] = Registry(
    "strategy",
    {
        "random": "tasknas.strategies._random:RandomSearch",
        "re": "tasknas.strategies._evolution:RegularizedEvolution",
        "local": "tasknas.strategies._local:LocalSearch",
        "tpe": "tasknas.strategies._optuna:OptunaTPE",
        "evo": "tasknas.strategies._presets:evolution",
        "emtnas": "tasknas.strategies._presets:emtnas",
        "ktnas": "tasknas.strategies._presets:ktnas",
        "ktnas-random": "tasknas.strategies._presets:ktnas_random",
        "ktnas-onehot": "tasknas.strategies._presets:ktnas_onehot",
        "mtbo": "tasknas.strategies._mtbo:MultiTaskBO",
    },
)

#: The strategy ``tasknas search`` uses when none is named: the best one available.
DEFAULT_STRATEGY = "ktnas"
