"""``TrainingEvaluator``: score an architecture by training its own network briefly.

Each evaluation builds the stand-alone network of the architecture for the task, trains it
from scratch for ``epochs`` epochs on the task's training split with the shared ``Trainer``
(SGD with Nesterov momentum, cosine schedule), and scores it on the validation split (the
objective) and the test split. Initialisation and data order depend only on ``seed``, the
task's name and the stage (not on the architecture, so architectures are compared under the
same random draws): on the CPU the same (architecture, task, seed) gives the same result in
any process.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any

from tasknas._validation import positive_int
from tasknas.benchmarks.train._image_evaluator import METRIC, TEST_METRIC, ImageEvaluator
from tasknas.evaluator import Evaluator
from tasknas.spaces import SearchSpace
from tasknas.training import train_from_scratch
from tasknas.trial import Result

__all__ = ["TrainingEvaluator"]

_log = logging.getLogger(__name__)

# Seed streams of an evaluation.
_INIT, _TRAIN = 1, 2


class TrainingEvaluator(ImageEvaluator, Evaluator):
    """Trains each architecture's network for ``epochs`` epochs and reports its accuracy.

    Results: ``objective`` = validation accuracy (%); ``metrics`` = ``val_acc``, ``test_acc``
    (%), ``params`` (trainable parameters) and ``train_seconds`` (of the fit alone); ``cost``
    = seconds of the whole evaluation. Other arguments: see ``ImageEvaluator`` (defaults are
    CPU-sized: 8 channels, 1,000 training images per task).
    """

    def __init__(
        self, space: str | SearchSpace[Any], tasks: Sequence[str], *, epochs: int = 2, **kwargs: Any
    ) -> None:
        super().__init__(space, tasks, **kwargs)
        self.epochs = positive_int("epochs", epochs)

    def evaluate(self, arch: Any, task: str) -> Result:
        start = time.perf_counter()
        name = self.task(task).name
        self.check_arch(arch)
        trainer = self.trainer(
            epochs=self.epochs, seed=self.task_seed(name, _TRAIN), scheduler="cosine"
        )
        trained = train_from_scratch(
            arch,
            self.data(name),
            trainer,
            seed=self.task_seed(name, _INIT),
            **self.network_options(),
        )
        val, test = (100.0 * trained.accuracy[split] for split in ("val", "test"))
        metrics = {
            METRIC: val,
            TEST_METRIC: test,
            "params": float(trained.params),
            "train_seconds": trained.train_seconds,
        }
        cost = time.perf_counter() - start
        _log.info("%s on %s: val %.2f%%, test %.2f%% (%.1f s)", arch, name, val, test, cost)
        return Result(objective=val, metrics=metrics, cost=cost)
