"""Training: the one ``Trainer`` (fit / evaluate / predict), its callbacks and history, and
the evaluators that train networks (``TrainingEvaluator``, ``SupernetEvaluator``) with the
final retraining of a search's winners (``final_train``).

``seeded`` and ``resolve_device`` are re-exported from ``tasknas._torch`` for convenience.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas._torch import resolve_device, seeded
    from tasknas.training._callbacks import (
        Callback,
        EarlyStopping,
        LoggingCallback,
        ProgressCallback,
    )
    from tasknas.training._evaluator import TrainingEvaluator
    from tasknas.training._final import FinalResult, final_train
    from tasknas.training._history import History
    from tasknas.training._image_evaluator import ImageEvaluator
    from tasknas.training._optim import OPTIMIZERS, SCHEDULERS
    from tasknas.training._supernet import SupernetEvaluator
    from tasknas.training._trainer import FitInfo, LossFn, MetricFn, Trainer, accuracy

__all__ = [
    "OPTIMIZERS",
    "SCHEDULERS",
    "Callback",
    "EarlyStopping",
    "FinalResult",
    "FitInfo",
    "History",
    "ImageEvaluator",
    "LoggingCallback",
    "LossFn",
    "MetricFn",
    "ProgressCallback",
    "SupernetEvaluator",
    "Trainer",
    "TrainingEvaluator",
    "accuracy",
    "final_train",
    "resolve_device",
    "seeded",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "resolve_device": "tasknas._torch",
        "seeded": "tasknas._torch",
        "Callback": "tasknas.training._callbacks",
        "EarlyStopping": "tasknas.training._callbacks",
        "LoggingCallback": "tasknas.training._callbacks",
        "ProgressCallback": "tasknas.training._callbacks",
        "TrainingEvaluator": "tasknas.training._evaluator",
        "FinalResult": "tasknas.training._final",
        "final_train": "tasknas.training._final",
        "History": "tasknas.training._history",
        "ImageEvaluator": "tasknas.training._image_evaluator",
        "OPTIMIZERS": "tasknas.training._optim",
        "SCHEDULERS": "tasknas.training._optim",
        "SupernetEvaluator": "tasknas.training._supernet",
        "FitInfo": "tasknas.training._trainer",
        "LossFn": "tasknas.training._trainer",
        "MetricFn": "tasknas.training._trainer",
        "Trainer": "tasknas.training._trainer",
        "accuracy": "tasknas.training._trainer",
    },
)
