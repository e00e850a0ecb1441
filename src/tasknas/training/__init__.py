"""Training: the one ``Trainer`` (fit / evaluate / predict), its callbacks and history.

``seeded`` and ``resolve_device`` are re-exported from ``tasknas._torch`` for convenience.
"""

from tasknas._torch import resolve_device, seeded
from tasknas.training._callbacks import Callback, EarlyStopping, LoggingCallback, ProgressCallback
from tasknas.training._history import History
from tasknas.training._optim import OPTIMIZERS, SCHEDULERS
from tasknas.training._trainer import FitInfo, LossFn, MetricFn, Trainer, accuracy

__all__ = [
    "OPTIMIZERS",
    "SCHEDULERS",
    "Callback",
    "EarlyStopping",
    "FitInfo",
    "History",
    "LoggingCallback",
    "LossFn",
    "MetricFn",
    "ProgressCallback",
    "Trainer",
    "accuracy",
    "resolve_device",
    "seeded",
]
