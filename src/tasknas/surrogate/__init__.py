"""Surrogate models of architecture performance shared across tasks."""

from tasknas.surrogate._mtgp import MultiTaskGP, expected_improvement

__all__ = ["MultiTaskGP", "expected_improvement"]
