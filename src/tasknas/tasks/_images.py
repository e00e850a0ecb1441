"""Image classification tasks held in memory as tensors, built from ``.npz`` image files."""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import dataclass

import numpy as np
import torch

from tasknas._seeds import seed_rng
from tasknas._validation import check_seed, optional_positive_int
from tasknas.errors import InvalidSettingError
from tasknas.tasks._imagespec import ImageTaskSpec, parse_task_spec, resolve_dataset
from tasknas.tasks._npz import SPLITS, ImageFile, load_image_file
from tasknas.tasks._splits import plan_splits, stratified_sample
from tasknas.tasks._tensordata import TensorData

__all__ = ["ImageTask", "check_split_size", "load_image_task"]

logger = logging.getLogger(__name__)

# Independent random streams, so that e.g. changing n_train leaves the val split unchanged.
_BALANCE, _CAP, _SHUFFLE = 1, 2, 3


@dataclass(frozen=True, eq=False)
class ImageTask:
    """An image classification task with its train, val and test splits in memory.

    Attributes:
        name: the canonical task spec, e.g. ``"quickdraw4:cat"``.
        classes: names of the output classes; label ``k`` is ``classes[k]``.
        in_channels: colour channels of the images (1 or 3).
        image_size: image height and width in pixels.
        train: training split; ``x`` is float32 ``(N, C, H, W)`` in ``[0, 1]``, ``y`` int64.
        val: validation split, for model selection.
        test: held-out test split.
        spec: the parsed spec the task was built from.
        seed: the seed its splits were drawn with.
    """

    name: str
    classes: tuple[str, ...]
    in_channels: int
    image_size: tuple[int, int]
    train: TensorData
    val: TensorData
    test: TensorData
    spec: ImageTaskSpec
    seed: int

    @property
    def num_classes(self) -> int:
        """Number of output classes."""
        return len(self.classes)

    def __str__(self) -> str:
        return self.name


def load_image_task(
    spec: str | ImageTaskSpec,
    *,
    seed: int = 0,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
    balanced: bool = True,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    strict: bool | Collection[str] = False,
) -> ImageTask:
    """Build the task ``spec`` (see ``parse_task_spec``) with splits drawn from ``seed``.

    Steps, each seeded and deterministic:

    1. Splits the file has are used as they are; missing ones are carved out of the file's
       data by stratified sampling (``val_fraction``/``test_fraction`` of the pool; see
       ``plan_splits``). This depends on the file and seed only, not on the task.
    2. The task's classes are kept and relabelled. For a binary task with ``balanced``, each
       split keeps as many negatives (drawn across all other classes, stratified) as it has
       positives; if there are fewer negatives, the positives are subsampled instead.
    3. ``n_train``/``n_val``/``n_test`` cap each split by stratified subsampling. A cap above
       what the split holds keeps the whole split or, if ``strict`` names it (sizes a user
       asked for, e.g. ``{"n_train"}``; ``True``: all three), is refused with the split's
       real size (``check_split_size``).
    4. Each split is shuffled, so batches taken in order are not sorted by class.

    Raises:
        InvalidSettingError: a negative seed, a cap below 1 (or, with ``strict``, above the
            split), fractions outside (0, 1) or summing to 1 or more, or a split left empty.
        UnknownNameError, DataFileError: see ``parse_task_spec``.
    """
    _check_settings(
        seed, {"n_train": n_train, "n_val": n_val, "n_test": n_test}, val_fraction, test_fraction
    )
    spec = parse_task_spec(spec) if isinstance(spec, str) else spec
    file = load_image_file(resolve_dataset(spec.dataset), label_set=spec.label_set)
    _check_indices(spec, file)
    plan = plan_splits(file, seed=seed, val_fraction=val_fraction, test_fraction=test_fraction)
    caps = {"train": n_train, "val": n_val, "test": n_test}
    data = {}
    for index, split in enumerate(SPLITS):
        source, rows = plan[split]
        labels = file.y[source][rows]
        keep, task_labels = _select(spec, file, labels, balanced, seed_rng(seed, _BALANCE, index))
        cap = caps[split]
        if strict is True or (strict and f"n_{split}" in strict):
            check_split_size(f"n_{split}", cap, len(keep), split, spec.name)
        if cap is not None and cap < len(keep):
            chosen = stratified_sample(task_labels, cap, seed_rng(seed, _CAP, index))
            keep, task_labels = keep[chosen], task_labels[chosen]
        order = seed_rng(seed, _SHUFFLE, index).permutation(len(keep))
        if len(keep) == 0:
            raise InvalidSettingError(f"task {spec.name!r} has no {split} images (seed {seed})")
        data[split] = _tensors(file.x[source][rows[keep[order]]], task_labels[order])
    logger.debug(
        "image task %s (seed %d): train %d, val %d, test %d",
        spec.name,
        seed,
        len(data["train"]),
        len(data["val"]),
        len(data["test"]),
    )
    return ImageTask(
        name=spec.name,
        classes=_output_classes(spec, file),
        in_channels=file.in_channels,
        image_size=file.image_size,
        train=data["train"],
        val=data["val"],
        test=data["test"],
        spec=spec,
        seed=seed,
    )


#: How each split is named in a message.
_SPLIT_WORDS = {"train": "training", "val": "validation", "test": "test"}


def check_split_size(name: str, size: int | None, available: int, split: str, data: str) -> None:
    """Refuse a requested ``size`` of ``split`` above the ``available`` images of ``data``.

    The one check of a size the user asked for (``None``: none asked), shared by the image
    tasks and the multi-task sets; the message names the setting, the value and the real size.

    Raises:
        InvalidSettingError: ``size`` is above ``available``.
    """
    if size is not None and size > available:
        raise InvalidSettingError(
            f"{name} {size} is above the {available:,} {_SPLIT_WORDS.get(split, split)} "
            f"images of {data}; choose at most {available:,}"
        )


def _check_settings(
    seed: int, caps: dict[str, int | None], val_fraction: float, test_fraction: float
) -> None:
    check_seed(seed)
    for name, cap in caps.items():
        optional_positive_int(name, cap)
    for name, fraction in (("val_fraction", val_fraction), ("test_fraction", test_fraction)):
        if not 0 < fraction < 1:
            raise InvalidSettingError(f"{name} must be in (0, 1), got {fraction}")
    if val_fraction + test_fraction >= 1:
        raise InvalidSettingError(
            f"val_fraction + test_fraction must be < 1, got {val_fraction + test_fraction}"
        )


def _select(
    spec: ImageTaskSpec,
    file: ImageFile,
    labels: np.ndarray,
    balanced: bool,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the rows the task keeps, and their task labels."""
    if spec.classes is None:
        return np.arange(len(labels)), labels.astype(np.int64)
    if spec.binary:
        positive = labels == spec.classes[0]
        keep = np.arange(len(labels))
        if balanced:
            keep = _balance(labels, positive, rng)
        return keep, positive[keep].astype(np.int64)
    relabel = np.full(len(file.classes), -1, dtype=np.int64)
    relabel[list(spec.classes)] = np.arange(len(spec.classes))
    keep = np.flatnonzero(relabel[labels] >= 0)
    return keep, relabel[labels[keep]]


def _balance(labels: np.ndarray, positive: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Sorted positions of an equal number of positives and (stratified) negatives."""
    pos, neg = np.flatnonzero(positive), np.flatnonzero(~positive)
    size = min(len(pos), len(neg))
    pos = np.sort(rng.permutation(pos)[:size])
    neg = neg[stratified_sample(labels[neg], size, rng)]
    return np.sort(np.concatenate([pos, neg]))


def _check_indices(spec: ImageTaskSpec, file: ImageFile) -> None:
    bad = [k for k in spec.classes or () if not 0 <= k < len(file.classes)]
    if bad:
        raise InvalidSettingError(
            f"task {spec.name!r}: class index {bad[0]} is out of range for the "
            f"{len(file.classes)} classes of {spec.dataset}"
        )


def _output_classes(spec: ImageTaskSpec, file: ImageFile) -> tuple[str, ...]:
    if spec.classes is None:
        return file.classes
    names = tuple(file.classes[k] for k in spec.classes)
    return (f"not {names[0]}", names[0]) if spec.binary else names


def _tensors(images: np.ndarray, labels: np.ndarray) -> TensorData:
    x = torch.from_numpy(images.astype(np.float32) / 255.0)
    x = x.unsqueeze(1) if x.ndim == 3 else x.permute(0, 3, 1, 2).contiguous()
    return TensorData(x=x, y=torch.from_numpy(labels.astype(np.int64)))
