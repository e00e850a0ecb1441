"""TA-NAS (Le et al., research notes §4): task dictionary, Fisher task distance, task-aware
search space and FUSE on a target task.

A dictionary of base tasks, each with a trained ε-approximation network and the best cell
FUSE found for it, is built once (``TaskDictionary.build``). For a new target task,
``target_distances`` ranks the base tasks by Fisher task distance, ``task_aware_space``
restricts the cell space to the operations of the closest tasks' cells
(``task_aware_edges_space``: edge by edge), and ``run_fuse``
does all of it and searches that space with FUSE.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.tanas._dictionary import (
        DEFAULT_BASE_TASKS,
        DICTIONARY_ENV,
        TaskDictionary,
        default_dictionary_dir,
    )
    from tasknas.tanas._distance import base_offsets, dictionary_matrix, target_distances
    from tasknas.tanas._entry import DictionaryEntry
    from tasknas.tanas._epsnet import build_epsnet, load_task, train_epsnet
    from tasknas.tanas._pipeline import (
        SEARCH_SPACES,
        closest_tasks,
        load_retrain_task,
        run_fuse,
    )
    from tasknas.tanas._settings import EPSNET_FIELDS, TANASSettings, check_seed
    from tasknas.tanas._space import task_aware_edges_space, task_aware_space

__all__ = [
    "DEFAULT_BASE_TASKS",
    "DICTIONARY_ENV",
    "EPSNET_FIELDS",
    "SEARCH_SPACES",
    "DictionaryEntry",
    "TANASSettings",
    "TaskDictionary",
    "base_offsets",
    "build_epsnet",
    "check_seed",
    "closest_tasks",
    "default_dictionary_dir",
    "dictionary_matrix",
    "load_retrain_task",
    "load_task",
    "run_fuse",
    "target_distances",
    "task_aware_edges_space",
    "task_aware_space",
    "train_epsnet",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "DEFAULT_BASE_TASKS": "tasknas.tanas._settings",
        "DICTIONARY_ENV": "tasknas.tanas._dictionary",
        "TaskDictionary": "tasknas.tanas._dictionary",
        "default_dictionary_dir": "tasknas.tanas._dictionary",
        "base_offsets": "tasknas.tanas._distance",
        "dictionary_matrix": "tasknas.tanas._distance",
        "target_distances": "tasknas.tanas._distance",
        "DictionaryEntry": "tasknas.tanas._entry",
        "build_epsnet": "tasknas.tanas._epsnet",
        "load_task": "tasknas.tanas._epsnet",
        "train_epsnet": "tasknas.tanas._epsnet",
        "SEARCH_SPACES": "tasknas.tanas._pipeline",
        "closest_tasks": "tasknas.tanas._pipeline",
        "load_retrain_task": "tasknas.tanas._pipeline",
        "run_fuse": "tasknas.tanas._pipeline",
        "EPSNET_FIELDS": "tasknas.tanas._settings",
        "TANASSettings": "tasknas.tanas._settings",
        "check_seed": "tasknas.tanas._settings",
        "task_aware_edges_space": "tasknas.tanas._space",
        "task_aware_space": "tasknas.tanas._space",
    },
)
