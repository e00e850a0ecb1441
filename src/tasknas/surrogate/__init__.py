"""Surrogate models of architecture performance shared across tasks."""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.surrogate._mtgp import MultiTaskGP, expected_improvement

__all__ = ["MultiTaskGP", "expected_improvement"]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "MultiTaskGP": "tasknas.surrogate._mtgp",
        "expected_improvement": "tasknas.surrogate._mtgp",
    },
)
