"""The ``train`` benchmark: real training on image tasks the user names.

``tasknas search --benchmark train --tasks mnist,fashion_mnist`` builds its evaluator here.
Options (all optional; CPU-sized defaults):

* ``evaluator``: ``supernet`` (default; EMT-NAS weight sharing, one epoch per generation,
  ``SupernetEvaluator``) or ``standalone`` (each architecture trained from scratch for
  ``epochs`` epochs, ``TrainingEvaluator``);
* ``space``: ``darts-emtnas`` (default), ``darts-emtnas-conv`` (with a dense 3x3 conv) or
  ``nb201`` (any space with networks);
* ``epochs`` (standalone only, default 2), ``channels`` (8), ``layers`` (DARTS 5 cells,
  NB201 1 cell per stage), ``batch_size`` (64), ``lr`` (0.1), ``n_train`` (1,000; ``all``: every
  training image of each task),
  ``n_val`` (500), ``n_test`` (1,000), ``data_seed`` (0), ``device`` (``cpu``), and for the
  supernet ``parent_prob`` (0.5), ``parents`` (10), ``generation_epochs`` (1) and
  ``fitness`` (``accuracy``; or ``loss``).

The run's seed seeds the networks; its per-task budget anneals the supernet's learning rate.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from tasknas._validation import check_choice
from tasknas.benchmarks.train._defaults import DEFAULT_EVALUATOR, DEFAULT_SPACE
from tasknas.benchmarks.train._evaluator import TrainingEvaluator
from tasknas.benchmarks.train._image_evaluator import ImageEvaluator
from tasknas.benchmarks.train._supernet import SupernetEvaluator
from tasknas.errors import InvalidSettingError

__all__ = ["DEFAULT_SPACE", "EVALUATORS", "evaluator_options", "option_owners", "train_benchmark"]


#: Evaluator kinds of the ``train`` benchmark.
EVALUATORS: dict[str, type[ImageEvaluator]] = {
    "supernet": SupernetEvaluator,
    "standalone": TrainingEvaluator,
}


def _keywords(cls: type[ImageEvaluator]) -> set[str]:
    """The keyword settings of ``cls`` (its own and ``ImageEvaluator``'s)."""
    names: set[str] = set()
    for klass in (cls, ImageEvaluator):
        params = inspect.signature(klass.__init__).parameters.values()
        names |= {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}
    return names


def evaluator_options(evaluator: str) -> set[str]:
    """The options the ``evaluator`` kind takes (besides ``evaluator`` and ``space``).

    Raises:
        InvalidSettingError: an unknown evaluator kind (lists the valid ones).
    """
    check_choice("evaluator", evaluator, tuple(EVALUATORS))
    return _keywords(EVALUATORS[evaluator]) - {"budget", "seed"}  # the run's own settings


def option_owners(option: str) -> list[str]:
    """The evaluator kinds that take ``option``, in ``EVALUATORS`` order."""
    return [kind for kind in EVALUATORS if option in evaluator_options(kind)]


def _taken_by(option: str, evaluator: str) -> str:
    """`` (the standalone evaluator takes it)``, or nothing when no other kind does."""
    owners = [kind for kind in option_owners(option) if kind != evaluator]
    return f" (the {' and '.join(owners)} evaluator takes it)" if owners else ""


def train_benchmark(
    tasks: Sequence[str],
    *,
    budget: int | None = None,
    evaluator: str = DEFAULT_EVALUATOR,
    space: str = DEFAULT_SPACE,
    seed: int = 0,
    **options: Any,
) -> ImageEvaluator:
    """The evaluator of the ``train`` benchmark on the image task specs ``tasks``.

    Raises:
        InvalidSettingError: no task, an unknown evaluator kind, or an option that kind does
            not take (the message lists those it takes).
    """
    from tasknas.tasks import image_datasets

    if not tasks:
        raise InvalidSettingError(
            "the train benchmark needs --tasks: image task specs such as mnist,fashion_mnist "
            f"(shipped data sets: {', '.join(image_datasets())}; or .npz paths, optionally "
            "with :CLASS)"
        )
    check_choice("evaluator", evaluator, tuple(EVALUATORS))
    cls = EVALUATORS[evaluator]
    unknown = sorted(set(options) - evaluator_options(evaluator))
    if unknown:
        raise InvalidSettingError(
            f"the {evaluator} evaluator takes no option {', '.join(map(repr, unknown))}"
            f"{_taken_by(unknown[0], evaluator)}; valid options: "
            f"{', '.join(sorted(evaluator_options(evaluator) | {'evaluator', 'space'}))}"
        )
    if "budget" in _keywords(cls):
        options["budget"] = budget
    return cls(space, tasks, seed=seed, **options)
