"""Defaults of the ``train`` benchmark that the CLI shows without importing torch."""

__all__ = ["DEFAULT_SPACE"]

#: The search space of a training search when ``--space`` is not given.
DEFAULT_SPACE = "darts-emtnas"
