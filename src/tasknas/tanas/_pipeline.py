"""``run_fuse``: TA-NAS end to end for one target task (distances → space → FUSE)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from tasknas._progress import Progress
from tasknas._validation import check_seed
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.oneshot import fuse_search
from tasknas.spaces import DartsGenotype, DartsSpace, get_space
from tasknas.tanas._dictionary import CELL_SPACE, TaskDictionary
from tasknas.tanas._distance import target_distances
from tasknas.tanas._epsnet import load_task, load_task_sized
from tasknas.tanas._settings import SEARCH_SPACE_NAMES, TANASSettings
from tasknas.tanas._space import task_aware_edges_space, task_aware_space
from tasknas.tasks import ImageTask

__all__ = ["SEARCH_SPACES", "closest_tasks", "load_retrain_task", "run_fuse"]

_log = logging.getLogger(__name__)

SpaceBuilder = Callable[[TaskDictionary, Sequence[str]], tuple[DartsSpace, list[DartsGenotype]]]


def _standard_space(
    dictionary: TaskDictionary, closest: Sequence[str]
) -> tuple[DartsSpace, list[DartsGenotype]]:
    """The full ``darts-tanas`` space, FUSE starting from random cells."""
    space = get_space(CELL_SPACE)
    assert isinstance(space, DartsSpace)
    return space, []


#: The spaces ``run_fuse`` can search: name -> (dictionary, closest tasks) -> (space, cells).
SEARCH_SPACES: dict[str, SpaceBuilder] = dict(
    zip(
        SEARCH_SPACE_NAMES,
        (task_aware_space, _standard_space, task_aware_edges_space),
        strict=True,
    )
)


def closest_tasks(distances: dict[str, float], k: int) -> list[str]:
    """The ``k`` tasks with the smallest distance, nearest first (ties by name)."""
    return [name for name, _ in sorted(distances.items(), key=lambda kv: (kv[1], kv[0]))[:k]]


def load_retrain_task(spec: str | ImageTask, settings: TANASSettings) -> ImageTask:
    """The target task the winner and the baselines are retrained on and scored on:
    ``spec`` with ``settings.final_n_train`` training and ``settings.final_n_test`` test
    images (``None``: all of them) and the validation split of ``load_task(spec, settings)``
    (every validation image with ``settings.final_all_val``). A task passes through (its
    splits cannot grow)."""
    return load_task_sized(
        spec,
        settings,
        settings.final_n_train,
        settings.final_n_test,
        all_val=settings.final_all_val,
    )


def run_fuse(
    target: str,
    *,
    dictionary: TaskDictionary,
    space: str = "task-aware",
    settings: TANASSettings | None = None,
    seed: int = 0,
    progress: Progress | None = None,
    keep_network: bool = False,
) -> dict[str, Any]:
    """Find an architecture for ``target`` with TA-NAS.

    Trains the target's ε-network and measures its distance to every dictionary task
    (centred with ``settings.centre``), picks the ``settings.k`` closest, builds the search
    space (``"task-aware"``: the closest tasks' operations, FUSE starting from their cells;
    ``"standard"``: the full ``darts-tanas`` space from random cells, closest tasks reported
    all the same; ``"task-aware-edges"``: per edge, only the operations and inputs the
    closest tasks' cells have there, FUSE starting from their cells), runs ``fuse_search``
    with ``settings.target_fuse`` and retrains the winner on ``load_retrain_task``
    (``settings.final_n_train`` training images; scored on ``settings.final_n_test`` test
    images).

    Returns:
        ``{"target", "closest", "arch", "test_error" (%), "params"}`` plus ``"space"``,
        ``"space_ops"``, ``"space_size"`` (cells in the searched space), ``"initial"`` (the
        starting cells), ``"distances"``, ``"centred"``
        (``settings.centre``), ``"num_classes"``, ``"val_accuracy"``, ``"seed"``,
        ``"candidate_epochs"``, ``"n_train_retrain"`` (training images of the retraining),
        ``"n_test"`` (test images the winner was scored on), ``"n_val_retrain"``
        (validation images of the retraining's early stopping),
        ``"seconds"`` (total) and ``"stage_seconds"`` (``distances``, ``search``). With
        ``keep_network`` also ``"network"`` (the retrained winner), ``"input_shape"`` and
        ``"classes"``.

    Raises:
        UnknownNameError: unknown ``space``; the message lists the valid choices.
        InvalidSettingError: the space of the closest tasks holds one cell.
        RunStoreError: the dictionary is missing or empty.
    """
    if space not in SEARCH_SPACES:
        raise UnknownNameError("search space", space, SEARCH_SPACES)
    check_seed(seed)
    start = time.perf_counter()
    dictionary.require_entries()
    settings = dictionary.resolve_settings(settings)
    task = load_task(target, settings)
    distances = target_distances(dictionary, task, settings, progress, centre=settings.centre)
    closest = closest_tasks(distances, settings.k)
    searched, initial = SEARCH_SPACES[space](dictionary, closest)
    if searched.size == 1:
        raise InvalidSettingError(
            f"the {space} space of {', '.join(closest)} holds a single cell, nothing to "
            f"search; use k >= 2 (--k) or another space ({', '.join(SEARCH_SPACES)})"
        )
    middle = time.perf_counter()
    _log.info("%s: closest tasks %s; searching %s", task.name, closest, searched.name)
    retrain_on = load_retrain_task(target, settings)
    result = fuse_search(
        searched,
        task,
        settings=settings.target_fuse,
        seed=seed,
        initial=initial,
        progress=progress,
        retrain_task=retrain_on,
    )
    end = time.perf_counter()
    kept = (
        {
            "network": result.network,
            "input_shape": [task.in_channels, *task.image_size],
            "classes": list(task.classes),
        }
        if keep_network
        else {}
    )
    return {
        **kept,
        "target": task.name,
        "closest": closest,
        "arch": result.arch,
        "test_error": result.test_error,
        "params": result.params,
        "space": space,
        "space_ops": list(searched.ops),
        "space_size": searched.size,
        "initial": [str(cell) for cell in initial],
        "distances": distances,
        "centred": settings.centre,
        "num_classes": task.num_classes,
        "val_accuracy": result.val_accuracy,
        "seed": seed,
        "candidate_epochs": result.candidate_epochs,
        "n_train_retrain": len(retrain_on.train),
        "n_test": len(retrain_on.test),
        "n_val_retrain": len(retrain_on.val),
        "seconds": end - start,
        "stage_seconds": {"distances": middle - start, "search": end - middle},
    }
