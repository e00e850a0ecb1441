"""Black-box multi-task search strategies (ask/tell)."""

from __future__ import annotations

from tasknas._lazy import lazy_exports
from tasknas._registry import Registry
from tasknas.strategies._base import Strategy, StrategyFactory
from tasknas.strategies._evolution import RegularizedEvolution
from tasknas.strategies._multitask import MultiTaskEvolution
from tasknas.strategies._random import RandomSearch

__all__ = [
    "DEFAULT_STRATEGY",
    "STRATEGIES",
    "TRAINING_DEFAULT_STRATEGY",
    "LocalSearch",
    "MultiTaskBO",
    "MultiTaskEvolution",
    "OptunaTPE",
    "RandomSearch",
    "RegularizedEvolution",
    "SingleTaskBO",
    "Strategy",
    "StrategyFactory",
]

# the strategies that need torch, GPyTorch or Optuna load on first use
__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "LocalSearch": "._local",
        "MultiTaskBO": "._mtbo",
        "OptunaTPE": "._optuna",
        "SingleTaskBO": "._mtbo",
    },
)

#: Strategy factories by name: ``Strategy`` classes and the presets of
#: ``tasknas.strategies._presets`` (functions), all called as
#: ``STRATEGIES.get(name)(space, tasks, seed=seed, **options)``.
STRATEGIES: Registry[StrategyFactory] = Registry(
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
        "bo": "tasknas.strategies._mtbo:SingleTaskBO",
    },
)

#: The strategy ``tasknas search`` uses when none is named: the best one available
#: (BENCHMARKS.md, "Transfer that pays off").
DEFAULT_STRATEGY = "mtbo"
#: The default of a search that trains networks: the weight-sharing supernet evaluator trains
#: one epoch per ask (a generation), which suits the generational engine, not a model that
#: asks for one architecture per task at a time.
TRAINING_DEFAULT_STRATEGY = "ktnas"
