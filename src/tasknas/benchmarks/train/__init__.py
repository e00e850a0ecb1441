"""The ``train`` benchmark: evaluators that train networks on the image tasks users name.

``TrainingEvaluator`` trains each architecture's own network from scratch (stand-alone);
``SupernetEvaluator`` scores a generation with one weight-sharing supernet per task (EMT-NAS);
both share ``ImageEvaluator``. ``train_benchmark`` builds one from ``--benchmark train``
options, and ``final_train`` retrains a search's winner for longer and scores its test split
(``train_baseline``: a hand-designed network, the same way).
The training itself is the engine's (``tasknas.training``).
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.benchmarks.train._benchmark import EVALUATORS, train_benchmark
    from tasknas.benchmarks.train._defaults import DEFAULT_SPACE
    from tasknas.benchmarks.train._evaluator import TrainingEvaluator
    from tasknas.benchmarks.train._final import (
        FinalResult,
        check_final_data,
        final_train,
        train_baseline,
    )
    from tasknas.benchmarks.train._image_evaluator import METRIC, TEST_METRIC, ImageEvaluator
    from tasknas.benchmarks.train._supernet import SupernetEvaluator

__all__ = [
    "DEFAULT_SPACE",
    "EVALUATORS",
    "METRIC",
    "TEST_METRIC",
    "FinalResult",
    "ImageEvaluator",
    "SupernetEvaluator",
    "TrainingEvaluator",
    "check_final_data",
    "final_train",
    "train_baseline",
    "train_benchmark",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DEFAULT_SPACE": "tasknas.benchmarks.train._defaults",
        "EVALUATORS": "tasknas.benchmarks.train._benchmark",
        "train_benchmark": "tasknas.benchmarks.train._benchmark",
        "TrainingEvaluator": "tasknas.benchmarks.train._evaluator",
        "FinalResult": "tasknas.benchmarks.train._final",
        "final_train": "tasknas.benchmarks.train._final",
        "check_final_data": "tasknas.benchmarks.train._final",
        "train_baseline": "tasknas.benchmarks.train._final",
        "METRIC": "tasknas.benchmarks.train._image_evaluator",
        "TEST_METRIC": "tasknas.benchmarks.train._image_evaluator",
        "ImageEvaluator": "tasknas.benchmarks.train._image_evaluator",
        "SupernetEvaluator": "tasknas.benchmarks.train._supernet",
    },
)
