"""``DictionaryEntry``: what the task dictionary keeps about one base task."""

from __future__ import annotations

import dataclasses
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from tasknas.errors import DataFileError

__all__ = ["DictionaryEntry", "folder_name"]

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def folder_name(task: str) -> str:
    """A file-system-safe, collision-free folder name for task ``task``.

    ``fashion_mnist:T-shirt/top`` -> ``fashion_mnist_T-shirt_top-<8 hex digits>``.
    """
    slug = _UNSAFE.sub("_", task).strip("_.")[-48:] or "task"
    return f"{slug}-{hashlib.sha1(task.encode()).hexdigest()[:8]}"


@dataclass(frozen=True)
class DictionaryEntry:
    """One base task of a ``TaskDictionary``.

    Attributes:
        name: canonical task spec, e.g. ``"mnist:3"``.
        folder: the task's folder inside the dictionary (holds ``epsnet.pt``).
        num_classes, in_channels, image_size: the task's output and input shape.
        epsnet_accuracy: test accuracy (fraction) of the task's ε-network.
        best_cell: canonical genotype of the best cell FUSE found for the task.
        best_cell_test_error: % test error of that cell, retrained.
        best_cell_params: parameters of the retrained network.
        space: name of the search space the cell belongs to.
        seed: seed of the build (the FUSE search used ``task_seed(seed, name)``).
        seconds: wall time spent building the entry.
        created: ISO-8601 time the entry was made.
        settings: ``TANASSettings.to_dict()`` of the build.
    """

    name: str
    folder: str
    num_classes: int
    in_channels: int
    image_size: int
    epsnet_accuracy: float
    best_cell: str
    best_cell_test_error: float
    best_cell_params: int
    space: str
    seed: int
    seconds: float
    created: str
    settings: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready values."""
        return {**dataclasses.asdict(self), "settings": dict(self.settings)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], where: str) -> DictionaryEntry:
        """The entry ``to_dict`` wrote; ``where`` names the file in error messages."""
        names = [f.name for f in dataclasses.fields(cls)]
        missing = [name for name in names if name not in data]
        if missing:
            raise DataFileError(f"{where}: an entry lacks the fields {missing}")
        return cls(**{name: data[name] for name in names})
