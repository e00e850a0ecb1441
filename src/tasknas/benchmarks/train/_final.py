"""``final_train``: retrain one architecture from scratch, longer, and score it on the test set.

The last stage of a search on the ``train`` benchmark: the best architecture found for a task
is trained for more epochs (the search scores candidates after brief training or with shared
weights) and its test accuracy is what a comparison of search strategies reports.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from tasknas.benchmarks.train._evaluator import TrainingEvaluator
from tasknas.benchmarks.train._image_evaluator import METRIC, TEST_METRIC
from tasknas.spaces import SearchSpace, get_space

__all__ = ["FinalResult", "check_final_data", "final_train"]

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FinalResult:
    """The outcome of a final training: accuracies in %, trainable parameters, seconds."""

    task: str
    arch: str
    epochs: int
    val_acc: float
    test_acc: float
    params: int
    seconds: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_final_data(
    tasks: Sequence[str], *, space: str | SearchSpace[Any] = "darts-emtnas", **settings: Any
) -> None:
    """Load the splits of every task with ``settings`` (those of ``final_train``), so that a
    bad setting (a size above a task's split, a missing file) fails before any training.

    Raises:
        InvalidSettingError, UnknownNameError, DataFileError: see ``TrainingEvaluator``.
    """
    TrainingEvaluator(space, list(tasks), **settings).prepare()


def final_train(
    arch: Any,
    task: str,
    *,
    space: str | SearchSpace[Any] = "darts-emtnas",
    epochs: int = 10,
    **settings: Any,
) -> FinalResult:
    """Train ``arch`` (a genotype or its string in ``space``) on the image task ``task``.

    ``settings`` are ``TrainingEvaluator`` settings (``channels``, ``layers``, ``n_train``,
    ``seed``, ``device``, ...); with the same settings as a standalone search, only the number
    of epochs differs. The network is trained on the training split with SGD and a cosine
    schedule over ``epochs``, then scored on the validation and test splits.

    Raises:
        InvalidArchitectureError: ``arch`` is not in ``space``.
        InvalidSettingError, UnknownNameError, DataFileError: see ``TrainingEvaluator``.
    """
    space = get_space(space) if isinstance(space, str) else space
    genotype = space.parse(arch) if isinstance(arch, str) else arch
    evaluator = TrainingEvaluator(space, [task], epochs=epochs, **settings)
    result = evaluator.evaluate(genotype, task)
    if not result.ok:  # pragma: no cover - evaluate raises rather than failing
        raise RuntimeError(result.error)
    final = FinalResult(
        task=task,
        arch=str(genotype),
        epochs=epochs,
        val_acc=result.metrics[METRIC],
        test_acc=result.metrics[TEST_METRIC],
        params=int(result.metrics["params"]),
        seconds=result.cost,
    )
    _log.info("final training of %s on %s: test %.2f%%", final.arch, task, final.test_acc)
    return final
