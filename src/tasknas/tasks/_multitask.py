"""Multi-task image sets: one set of images with one label array per task.

Shipped sets (``multitask_datasets()``):

* ``multimnist``: two MNIST test digits side by side, overlapping (``multimnist``); tasks
  ``left`` and ``right`` (the digit on each side).
* ``multifashion``: the same construction on the shipped Fashion-MNIST test images; tasks
  ``left`` and ``right`` (a held-out set for MTL-NAS: nothing was tuned on it).
* ``omniglot``: the shipped Omniglot subset; tasks ``alphabet`` (8 classes) and ``character``
  (242 classes). Split by drawer, as its PROVENANCE.md suggests: drawers 0-12 train, 13-14
  val, 15-19 test, so every character is in every split but no drawing is.

Any other name is read as the path of a ``.npz`` file with one image array ``x`` and two or
more *label sets* (``y_<name>`` + ``<name>_names``, see ``tasknas.tasks._npz``); each label set
is one task, and train/val/test are carved out by a seeded split stratified by the label set
with the most classes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path

import numpy as np

from tasknas._seeds import seed_rng
from tasknas._validation import check_seed, optional_positive_int
from tasknas.errors import DataFileError, InvalidSettingError, UnknownNameError
from tasknas.tasks._images import _tensors, check_split_size
from tasknas.tasks._imagespec import existing_file, resolve_dataset
from tasknas.tasks._multimnist import multifashion, multimnist
from tasknas.tasks._multitask_names import multitask_datasets
from tasknas.tasks._multitaskset import MultiTaskSet
from tasknas.tasks._npz import SPLITS, UNSPLIT, ImageFile, load_image_file
from tasknas.tasks._splits import plan_splits, stratified_sample

__all__ = [
    "load_multitask_set",
    "multitask_datasets",
    "multitask_from_npz",
    "omniglot_multitask",
]

logger = logging.getLogger(__name__)

#: Omniglot drawers of each split (see the module docstring).
OMNIGLOT_DRAWERS = {"train": range(0, 13), "val": range(13, 15), "test": range(15, 20)}
_CAP, _SHUFFLE = 11, 12  # random streams, distinct from those of ``load_image_task``


Builder = Callable[..., MultiTaskSet]


def omniglot_multitask(
    *,
    seed: int = 0,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
    soft: Collection[str] = (),
) -> MultiTaskSet:
    """The shipped Omniglot subset as tasks ``alphabet`` and ``character``, split by drawer
    (``soft``: see ``load_multitask_set``)."""
    path = resolve_dataset("omniglot")
    with np.load(path) as arrays:
        drawer = arrays["y_drawer"]
    rows = {s: np.flatnonzero(np.isin(drawer, list(d))) for s, d in OMNIGLOT_DRAWERS.items()}
    caps = {"train": n_train, "val": n_val, "test": n_test}
    return _assemble("omniglot", path, rows, caps, seed, soft=soft)


def multitask_from_npz(
    path: str | os.PathLike[str],
    *,
    seed: int = 0,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
    val_fraction: float = 0.15,
    test_fraction: float = 0.15,
    soft: Collection[str] = (),
) -> MultiTaskSet:
    """A multi-task set from a user's ``.npz`` with several label sets (module docstring;
    ``soft``: see ``load_multitask_set``).

    Raises:
        DataFileError: the file is missing, malformed, or has fewer than two label sets.
    """
    file = load_image_file(path)
    _require_label_sets(file)
    finest = max(file.label_sets, key=lambda s: len(load_image_file(path, label_set=s).classes))
    plan = plan_splits(
        load_image_file(path, label_set=finest),
        seed=seed,
        val_fraction=val_fraction,
        test_fraction=test_fraction,
    )
    rows = {split: plan[split][1] for split in SPLITS}
    caps = {"train": n_train, "val": n_val, "test": n_test}
    return _assemble(os.fspath(path), Path(path), rows, caps, seed, soft=soft)


#: One builder per name of ``multitask_datasets()`` (names in a torch-free module, for `info`).
_BUILDERS: Mapping[str, Builder] = {
    "multimnist": multimnist,
    "omniglot": omniglot_multitask,
    "multifashion": multifashion,
}


def load_multitask_set(
    name_or_path: str | os.PathLike[str],
    *,
    seed: int = 0,
    n_train: int | None = None,
    n_val: int | None = None,
    n_test: int | None = None,
    soft: Collection[str] = (),
) -> MultiTaskSet:
    """The multi-task set called ``name_or_path``: a shipped name or a ``.npz`` path.

    ``n_train``/``n_val``/``n_test`` set the size of each split (MultiMNIST: the number of
    pairs made; the others: a stratified subset; ``None`` keeps the default or all). A size
    above what the split holds is refused with its real size, except for the names in
    ``soft`` (e.g. ``{"n_test"}``: sizes that are defaults, not the user's request), which
    are caps: a smaller split is taken whole.

    Raises:
        UnknownNameError: neither a shipped name nor an existing file; lists the names.
        DataFileError: the file is missing or not a multi-task file.
        InvalidSettingError: a negative seed, or a split size below 1 or above the split.
    """
    seed = check_seed(seed)
    for key, cap in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test)):
        optional_positive_int(key, cap)
    sizes = {k: v for k, v in (("n_train", n_train), ("n_val", n_val), ("n_test", n_test))}
    sizes = {k: v for k, v in sizes.items() if v is not None}
    text = os.fspath(name_or_path)
    if text in _BUILDERS:
        return _BUILDERS[text](seed=seed, soft=soft, **sizes)
    path = existing_file(text)
    if path is not None:
        return multitask_from_npz(path, seed=seed, soft=soft, **sizes)
    if text.lower().endswith(".npz"):
        raise DataFileError(f"multi-task data file {text!r} not found")
    error = UnknownNameError("multi-task dataset", text, _BUILDERS)
    error.args = (f"{error}, or the path of a .npz with several label sets",)
    raise error


def _require_label_sets(file: ImageFile) -> None:
    if len(file.label_sets) < 2:
        raise DataFileError(
            f"image data file {str(file.path)!r} has {len(file.label_sets) or 'a single'} "
            "label set(s); a multi-task file holds images 'x' and two or more label sets "
            "'y_<name>' with '<name>_names'"
        )


def _assemble(
    name: str,
    path: Path,
    rows: dict[str, np.ndarray],
    caps: dict[str, int | None],
    seed: int,
    *,
    soft: Collection[str] = (),
) -> MultiTaskSet:
    """Every label set of ``path`` as a task, on the given rows of each split."""
    file = load_image_file(path)
    _require_label_sets(file)
    files = [load_image_file(path, label_set=s) for s in file.label_sets]
    labels = np.stack([f.y[UNSPLIT] for f in files], axis=1)
    finest = int(np.argmax([len(f.classes) for f in files]))
    data = {}
    for index, split in enumerate(SPLITS):
        keep = rows[split]
        cap = caps[split]
        if f"n_{split}" not in soft:
            check_split_size(f"n_{split}", cap, len(keep), split, name)
        if cap is not None and cap < len(keep):
            rng = seed_rng(seed, _CAP, index)
            keep = keep[stratified_sample(labels[keep, finest], cap, rng)]
        keep = keep[seed_rng(seed, _SHUFFLE, index).permutation(len(keep))]
        if len(keep) == 0:
            raise InvalidSettingError(f"multi-task set {name!r} has no {split} images")
        data[split] = _tensors(file.x[UNSPLIT][keep], labels[keep])
    logger.debug(
        "multi-task set %s (seed %d): %s", name, seed, {s: len(d) for s, d in data.items()}
    )
    return MultiTaskSet(
        name=name,
        tasks=tuple(file.label_sets),
        classes=tuple(f.classes for f in files),
        in_channels=file.in_channels,
        image_size=file.image_size,
        train=data["train"],
        val=data["val"],
        test=data["test"],
        seed=seed,
    )
