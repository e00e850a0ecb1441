"""Training: the one ``Trainer`` (fit / evaluate / predict), its callbacks and history, and
the evaluators that train networks (``TrainingEvaluator``, ``SupernetEvaluator``) with the
final retraining of a search's winners (``final_train``).

``seeded`` and ``resolve_device`` are re-exported from ``tasknas._torch`` for convenience.
"""

from tasknas._torch import resolve_device, seeded
from tasknas.training._callbacks import Callback, EarlyStopping, LoggingCallback, ProgressCallback
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
