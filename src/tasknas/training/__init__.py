"""Training engine: the one ``Trainer`` (fit / evaluate / predict), its callbacks, history,
optimisers and batch augmentations (``RandomShift``, ``RandomMirror``, ``final_augmentation``),
and ``train_from_scratch`` (build an architecture's or a hand-designed baseline's network,
train it, score it).

``seeded`` and ``resolve_device`` are re-exported from ``tasknas._torch`` for convenience.
The evaluators that train networks for a search (``TrainingEvaluator``, ``SupernetEvaluator``,
``ImageEvaluator``) and ``final_train`` live in ``tasknas.benchmarks.train``; their names
here are deprecated aliases kept for one release.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas._torch import resolve_device, seeded
    from tasknas.benchmarks.train import (
        FinalResult,
        ImageEvaluator,
        SupernetEvaluator,
        TrainingEvaluator,
        final_train,
    )
    from tasknas.training._augment import Compose, RandomMirror, RandomShift, final_augmentation
    from tasknas.training._callbacks import (
        Callback,
        EarlyStopping,
        LoggingCallback,
        ProgressCallback,
    )
    from tasknas.training._history import History
    from tasknas.training._optim import OPTIMIZERS, SCHEDULERS, build_optimizer, build_scheduler
    from tasknas.training._retrain import Retrained, train_from_scratch
    from tasknas.training._trainer import AugmentFn, FitInfo, LossFn, MetricFn, Trainer, accuracy

#: Deprecated: these names moved to ``tasknas.benchmarks.train``.
_MOVED = ("FinalResult", "ImageEvaluator", "SupernetEvaluator", "TrainingEvaluator", "final_train")

__all__ = [
    "OPTIMIZERS",
    "SCHEDULERS",
    "AugmentFn",
    "Callback",
    "Compose",
    "EarlyStopping",
    "FinalResult",
    "FitInfo",
    "History",
    "ImageEvaluator",
    "LoggingCallback",
    "LossFn",
    "MetricFn",
    "ProgressCallback",
    "RandomMirror",
    "RandomShift",
    "Retrained",
    "SupernetEvaluator",
    "Trainer",
    "TrainingEvaluator",
    "accuracy",
    "build_optimizer",
    "build_scheduler",
    "final_augmentation",
    "final_train",
    "resolve_device",
    "seeded",
    "train_from_scratch",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "resolve_device": "tasknas._torch",
        "seeded": "tasknas._torch",
        "Compose": "tasknas.training._augment",
        "RandomMirror": "tasknas.training._augment",
        "RandomShift": "tasknas.training._augment",
        "final_augmentation": "tasknas.training._augment",
        "Callback": "tasknas.training._callbacks",
        "EarlyStopping": "tasknas.training._callbacks",
        "LoggingCallback": "tasknas.training._callbacks",
        "ProgressCallback": "tasknas.training._callbacks",
        "History": "tasknas.training._history",
        "OPTIMIZERS": "tasknas.training._optim",
        "SCHEDULERS": "tasknas.training._optim",
        "build_optimizer": "tasknas.training._optim",
        "build_scheduler": "tasknas.training._optim",
        "Retrained": "tasknas.training._retrain",
        "train_from_scratch": "tasknas.training._retrain",
        "AugmentFn": "tasknas.training._trainer",
        "FitInfo": "tasknas.training._trainer",
        "LossFn": "tasknas.training._trainer",
        "MetricFn": "tasknas.training._trainer",
        "Trainer": "tasknas.training._trainer",
        "accuracy": "tasknas.training._trainer",
        **dict.fromkeys(_MOVED, "tasknas.benchmarks.train"),
    },
)
