"""Tasks: what an architecture is evaluated on.

The image-task names (``ImageTask``, ``TensorData``, ``load_image_task``, ...) are imported on
first use, so ``import tasknas`` does not import torch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports
from tasknas.tasks._task import Direction, Task

if TYPE_CHECKING:
    from tasknas.tasks._images import ImageTask, load_image_task
    from tasknas.tasks._imagespec import (
        ImageTaskSpec,
        image_datasets,
        mirror_invariant,
        parse_task_spec,
    )
    from tasknas.tasks._multimnist import multimnist
    from tasknas.tasks._multitask import load_multitask_set, multitask_from_npz, omniglot_multitask
    from tasknas.tasks._multitask_names import multitask_datasets
    from tasknas.tasks._multitaskset import MultiTaskSet
    from tasknas.tasks._npz import ImageFile, load_image_file
    from tasknas.tasks._tensordata import TensorData

__all__ = [
    "Direction",
    "ImageFile",
    "ImageTask",
    "ImageTaskSpec",
    "MultiTaskSet",
    "Task",
    "TensorData",
    "image_datasets",
    "load_image_file",
    "load_image_task",
    "load_multitask_set",
    "mirror_invariant",
    "multimnist",
    "multitask_datasets",
    "multitask_from_npz",
    "omniglot_multitask",
    "parse_task_spec",
]

_LAZY = {
    "ImageFile": "tasknas.tasks._npz",
    "ImageTask": "tasknas.tasks._images",
    "ImageTaskSpec": "tasknas.tasks._imagespec",
    "TensorData": "tasknas.tasks._tensordata",
    "image_datasets": "tasknas.tasks._imagespec",
    "load_image_file": "tasknas.tasks._npz",
    "load_image_task": "tasknas.tasks._images",
    "mirror_invariant": "tasknas.tasks._imagespec",
    "MultiTaskSet": "tasknas.tasks._multitaskset",
    "load_multitask_set": "tasknas.tasks._multitask",
    "multimnist": "tasknas.tasks._multimnist",
    "multitask_datasets": "tasknas.tasks._multitask_names",
    "multitask_from_npz": "tasknas.tasks._multitask",
    "omniglot_multitask": "tasknas.tasks._multitask",
    "parse_task_spec": "tasknas.tasks._imagespec",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
