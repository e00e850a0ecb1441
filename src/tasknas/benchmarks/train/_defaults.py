"""Defaults of the ``train`` benchmark that the CLI shows without importing torch."""

__all__ = ["ALL", "DEFAULT_EVALUATOR", "DEFAULT_SPACE"]

#: The search space of a training search when ``--space`` is not given.
DEFAULT_SPACE = "darts-emtnas"
#: The evaluator kind of a training search when ``--evaluator`` is not given.
DEFAULT_EVALUATOR = "supernet"
#: A split size (``n_train``, ``n_val``, ``n_test``) that asks for all of each task's split.
ALL = "all"
