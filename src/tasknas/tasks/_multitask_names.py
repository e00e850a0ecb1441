"""Names of the shipped multi-task sets, importable without torch (``tasknas info`` lists
them); ``tasknas.tasks._multitask`` builds each."""

from __future__ import annotations

__all__ = ["multitask_datasets"]

_NAMES = ("multimnist", "omniglot", "multifashion")


def multitask_datasets() -> tuple[str, ...]:
    """Names of the shipped multi-task sets."""
    return _NAMES
