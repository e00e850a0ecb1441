"""Fisher task distances from the dictionary's base tasks to a target task.

d(b, t) = (1/√2)·‖F_b^{1/2} − F_t^{1/2}‖ with F_b the diagonal Fisher of b's ε-network and
F_t that of t's ε-network, both measured on the first ``fisher_samples`` validation images of
t and normalised to unit trace (``tasknas.similarity``). The target's ε-network is trained
with the dictionary's settings, from the same shared initialisation.

Centred distances (``centre=True``): d(b, t) minus base b's mean distance to the
dictionary's other tasks (``DistanceMatrix.centred``). A base network's distances share an
offset that follows its confidence (measured on the default dictionary:
``benchmarks/tanas_distance_why.py``): near-certain MNIST networks are far from every task,
so without centring a target's nearest bases are the least confident networks. The offsets
come from the dictionary's own distance matrix, computed once and kept in the dictionary
folder (``base_offsets.json``, tied to the dictionary's index) until the dictionary changes.

Tasks with different numbers of classes: a base network's head cannot score the target's
labels, so it gets a new head for the target's classes (the shared initial head of that
shape) trained for ``cnn_epochs`` on the target's training split with the rest of the
network frozen (a linear probe). The distance then compares only the parameters the two
original networks share in shape, i.e. everything but the final layer; each Fisher is
renormalised to unit trace over those parameters. Tasks of equal class count compare every
parameter, which is exactly ``tasknas.similarity.task_distance``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from tasknas._progress import Progress
from tasknas.errors import InvalidSettingError
from tasknas.similarity import DistanceMatrix, diagonal_fisher, fisher_distance
from tasknas.tanas._dictionary import TaskDictionary
from tasknas.tanas._entry import DictionaryEntry
from tasknas.tanas._epsnet import build_epsnet, epsnet_trainer, load_task, train_epsnet
from tasknas.tanas._settings import TANASSettings
from tasknas.tasks import ImageTask

__all__ = ["base_offsets", "dictionary_matrix", "target_distances"]

#: File of the cached base offsets in the dictionary folder.
OFFSETS_FILE = "base_offsets.json"

_log = logging.getLogger(__name__)


def target_distances(
    dictionary: TaskDictionary,
    target: str | ImageTask,
    settings: TANASSettings | None = None,
    progress: Progress | None = None,
    *,
    centre: bool = False,
) -> dict[str, float]:
    """``{base task: d(base, target)}`` for every task of ``dictionary``, in its order.

    ``settings`` default to the dictionary's; given ones must agree with them on the
    ε-network fields (see ``TaskDictionary.resolve_settings``). ``centre``: each distance
    minus the base's mean distance to the dictionary's other tasks (``base_offsets``; the
    first centred call on a dictionary computes its matrix).

    Raises:
        RunStoreError: the dictionary is missing or empty.
        InvalidSettingError: the target's images differ in channels or size from a base task's.
        DataFileError: a base task's ε-network file cannot be loaded (before any training).
    """
    entries = dictionary.require_entries()
    settings = dictionary.resolve_settings(settings)
    task = load_task(target, settings)
    _check_shapes(task, entries)
    # the stored networks first: an unreadable file fails before any training
    bases = {entry.name: dictionary.load_epsnet(entry.name) for entry in entries}
    offsets = base_offsets(dictionary, settings, progress) if centre else None
    model, _ = train_epsnet(task, settings, progress)
    distances = _column(model, task, bases, settings, progress)
    if offsets is not None:
        distances = {name: value - offsets[name] for name, value in distances.items()}
    _log.info("distances to %s%s: %s", task.name, " (centred)" if centre else "", distances)
    return distances


def base_offsets(
    dictionary: TaskDictionary,
    settings: TANASSettings | None = None,
    progress: Progress | None = None,
    *,
    matrix: DistanceMatrix | None = None,
) -> dict[str, float]:
    """``{base task: mean d(base, t) over the dictionary's other tasks t}``.

    Computed from ``dictionary_matrix`` (one Fisher diagonal per pair of dictionary tasks),
    or from ``matrix`` when given (a ``dictionary_matrix`` of this dictionary, extra tasks
    allowed: only the dictionary's own columns count), and kept in the dictionary folder; a
    later call reads it back while the dictionary's index (its tasks, networks' settings)
    is unchanged.

    Raises:
        InvalidSettingError: the dictionary holds fewer than two tasks.
    """
    entries = dictionary.require_entries()
    if len(entries) < 2:
        raise InvalidSettingError(
            f"centred distances need at least two dictionary tasks, {dictionary.root} has "
            f"{len(entries)}"
        )
    settings = dictionary.resolve_settings(settings)
    key = hashlib.sha256(dictionary.index_path.read_bytes()).hexdigest()
    path = dictionary.root / OFFSETS_FILE
    try:
        cached = json.loads(path.read_text(encoding="utf-8"))
        if cached.get("index_sha256") == key:
            return {str(k): float(v) for k, v in cached["offsets"].items()}
    except (OSError, ValueError, KeyError, AttributeError):
        pass  # absent or unreadable: computed again below
    if matrix is None:
        matrix = dictionary_matrix(dictionary, settings, progress)
    names = [entry.name for entry in entries]
    rows = [matrix.index(name) for name in names]
    values = matrix.values[np.ix_(rows, rows)]
    offsets = {
        base: float((values[i].sum() - values[i, i]) / (len(names) - 1))
        for i, base in enumerate(names)
    }
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps({"index_sha256": key, "offsets": offsets}), encoding="utf-8")
    os.replace(temporary, path)
    return offsets


def dictionary_matrix(
    dictionary: TaskDictionary,
    settings: TANASSettings | None = None,
    progress: Progress | None = None,
    *,
    extra: Sequence[str | ImageTask] = (),
) -> DistanceMatrix:
    """Distances among the dictionary's tasks and the ``extra`` tasks (after them, those
    not already in the dictionary): entry ``[b, t]`` is d(b, t); the diagonal is 0.

    Every task's data is loaded with the dictionary's settings (``settings`` as in
    ``target_distances``), and every extra task gets its ε-network trained. Costs one
    Fisher diagonal per (network, task) pair.
    """
    entries = dictionary.require_entries()
    settings = dictionary.resolve_settings(settings)
    tasks: dict[str, ImageTask | None] = {entry.name: None for entry in entries}
    models = {entry.name: dictionary.load_epsnet(entry.name) for entry in entries}
    for spec in extra:
        task = load_task(spec, settings)
        if task.name not in models:
            tasks[task.name] = task
            models[task.name] = train_epsnet(task, settings, progress)[0]
    names = tuple(models)
    values = np.zeros((len(names), len(names)))
    for column, name in enumerate(names):
        task = tasks[name] or load_task(name, settings)
        bases = {base: model for base, model in models.items() if base != name}
        distances = _column(models[name], task, bases, settings, None)
        for row, base in enumerate(names):
            values[row, column] = distances.get(base, 0.0)
        if progress is not None:
            progress("distance matrix", column + 1, len(names))
    return DistanceMatrix(names, values)


def _check_shapes(task: ImageTask, entries: Sequence[DictionaryEntry]) -> None:
    """Refuse a target whose images the base networks cannot read."""
    height, width = task.image_size
    for entry in entries:
        if (entry.in_channels, entry.image_size, entry.image_size) != (
            task.in_channels,
            height,
            width,
        ):
            raise InvalidSettingError(
                f"task {task.name!r} has {task.in_channels}×{height}×{width} images, unlike "
                f"dictionary task {entry.name!r} ({entry.in_channels}×{entry.image_size}×"
                f"{entry.image_size}); the Fisher distance needs the same input shape"
            )


def _column(
    target_model: nn.Module,
    task: ImageTask,
    bases: Mapping[str, nn.Module],
    settings: TANASSettings,
    progress: Progress | None,
) -> dict[str, float]:
    """d(base, task) for every base network, measured on the task's validation images."""
    f_target = _fisher(target_model, task, settings)
    out = {}
    for number, (name, base) in enumerate(bases.items(), 1):
        shared = _shared_names(base, target_model, name, task)
        adapted = _with_target_head(base, task, settings)
        f_base = _fisher(adapted, task, settings)
        out[name] = fisher_distance(_restrict(f_base, shared), _restrict(f_target, shared))
        if progress is not None:
            progress(f"{task.name}: Fisher distances", number, len(bases))
    return out


def _fisher(model: nn.Module, task: ImageTask, settings: TANASSettings) -> dict[str, torch.Tensor]:
    """The unit-trace diagonal Fisher of ``model`` on ``task``'s validation images, by name."""
    flat = diagonal_fisher(
        model,
        task.val,
        batch_size=settings.batch_size,
        max_samples=settings.fisher_samples,
        device=settings.device,
    )
    model.cpu()
    out, begin = {}, 0
    for name, parameter in model.named_parameters():
        out[name] = flat[begin : begin + parameter.numel()]
        begin += parameter.numel()
    return out


def _shared_names(base: nn.Module, target: nn.Module, base_name: str, task: ImageTask) -> list[str]:
    """Names of the parameters with the same shape in both networks: all of them, or all
    but the head's when the class counts differ. Anything else means other input shapes."""
    shapes = {name: p.shape for name, p in base.named_parameters()}
    shared = [n for n, p in target.named_parameters() if shapes.get(n) == p.shape]
    body = [name for name in shapes if not name.startswith("head.")]
    if not set(body) <= set(shared):
        height, width = task.image_size
        raise InvalidSettingError(
            f"task {task.name!r} has {task.in_channels}×{height}×{width} images, unlike "
            f"dictionary task {base_name!r}; the Fisher distance needs the same input shape"
        )
    return shared


def _restrict(fisher: Mapping[str, torch.Tensor], names: list[str]) -> torch.Tensor:
    """The entries of ``names``, renormalised to unit trace."""
    vector = torch.cat([fisher[name] for name in names])
    return vector / vector.sum()


def _with_target_head(base: nn.Module, task: ImageTask, settings: TANASSettings) -> nn.Module:
    """``base`` itself if its head fits the task's classes, else a linear-probe copy."""
    if base.head.out_features == task.num_classes:
        return base
    probe = build_epsnet(task.in_channels, task.num_classes, task.image_size[0], settings)
    body = {k: v for k, v in base.state_dict().items() if not k.startswith("head.")}
    probe.load_state_dict({**probe.state_dict(), **body})
    epsnet_trainer(settings).fit(probe, task.train, parameters=list(probe.head.parameters()))
    return probe.cpu()
