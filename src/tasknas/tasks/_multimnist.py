"""Side-by-side pairs of shipped images; tasks ``left`` and ``right``.

* ``multimnist``: two MNIST test digits (MultiMNIST).
* ``multifashion``: two Fashion-MNIST test items, built the same way (a held-out set: the
  MTL-NAS schedules were chosen on ``multimnist`` and ``omniglot`` only).

Construction (seeded, deterministic; one builder, ``side_by_side``):

1. The 10,000 shipped test images of the source are split, stratified by class, into
   disjoint *pools* for train (70 %), val (10 %) and test (20 %), so no source image appears
   in two splits.
2. Each image of a split pairs two different images of that split's pool, drawn uniformly
   by a numpy ``Generator``.
3. On a ``28 x (28 + 2 * shift)`` canvas (``28 x 36`` for the default ``shift=4``) the left
   image is placed ``shift`` pixels left of the centre and the right one ``shift`` pixels
   right of it; where they overlap (20 columns by default) the brighter pixel wins
   (pixelwise maximum). Nothing is resized.

The labels are the two images' classes, in the columns ``left`` and ``right``.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

from tasknas._seeds import seed_rng
from tasknas._validation import check_seed, positive_int
from tasknas.errors import InvalidSettingError
from tasknas.tasks._images import _tensors, check_split_size
from tasknas.tasks._imagespec import resolve_dataset
from tasknas.tasks._multitaskset import MultiTaskSet
from tasknas.tasks._npz import SPLITS, load_image_file
from tasknas.tasks._splits import carve

__all__ = ["multifashion", "multimnist", "overlay", "side_by_side"]

#: Share of the source digits in each split's pool (val, test; train takes the rest).
POOL_FRACTIONS = (0.1, 0.2)
_POOLS, _PAIRS = 21, 22  # random streams


def overlay(left: np.ndarray, right: np.ndarray, shift: int) -> np.ndarray:
    """``left`` and ``right`` ``(N, H, W)`` digits on ``(N, H, W + 2*shift)`` canvases."""
    n, height, width = left.shape
    canvas = np.zeros((n, height, width + 2 * shift), dtype=left.dtype)
    canvas[:, :, :width] = left
    canvas[:, :, 2 * shift :] = np.maximum(canvas[:, :, 2 * shift :], right)
    return canvas


def multimnist(
    *,
    seed: int = 0,
    n_train: int = 6000,
    n_val: int = 1000,
    n_test: int = 2000,
    shift: int = 4,
    soft: Collection[str] = (),
) -> MultiTaskSet:
    """MultiMNIST: ``side_by_side`` of the shipped MNIST test digits."""
    return side_by_side(
        "mnist", "multimnist", seed=seed, n_train=n_train, n_val=n_val, n_test=n_test,
        shift=shift, soft=soft,
    )  # fmt: skip


def multifashion(
    *,
    seed: int = 0,
    n_train: int = 6000,
    n_val: int = 1000,
    n_test: int = 2000,
    shift: int = 4,
    soft: Collection[str] = (),
) -> MultiTaskSet:
    """MultiFashion: ``side_by_side`` of the shipped Fashion-MNIST test images."""
    return side_by_side(
        "fashion_mnist", "multifashion", seed=seed, n_train=n_train, n_val=n_val,
        n_test=n_test, shift=shift, soft=soft,
    )  # fmt: skip


def side_by_side(
    source: str,
    name: str,
    *,
    seed: int = 0,
    n_train: int = 6000,
    n_val: int = 1000,
    n_test: int = 2000,
    shift: int = 4,
    soft: Collection[str] = (),
) -> MultiTaskSet:
    """The pair set ``name`` of ``seed`` built from the test images of the shipped image
    data set ``source`` (module docstring) with the given numbers of pairs (a size named in
    ``soft``, e.g. ``"n_test"``, above the distinct pairs is a cap, not an error).

    Same arguments, same images and labels, bit for bit.

    Raises:
        InvalidSettingError: a bad seed, a size below 1 or above the distinct pairs of the
            split's pool, or a shift outside ``[0, 28]``.
    """
    seed = check_seed(seed)
    sizes = {"train": n_train, "val": n_val, "test": n_test}
    sizes = {key: positive_int(f"n_{key}", size) for key, size in sizes.items()}
    if isinstance(shift, bool) or not isinstance(shift, int) or not 0 <= shift <= 28:
        raise InvalidSettingError(f"shift must be an integer in [0, 28], got {shift!r}")
    file = load_image_file(resolve_dataset(source))
    images, labels = file.x["test"], file.y["test"]
    val_pool, test_pool, train_pool = carve(labels, list(POOL_FRACTIONS), seed_rng(seed, _POOLS))
    pools = {"train": train_pool, "val": val_pool, "test": test_pool}
    for split, pool in pools.items():  # every size checked before any image is made
        what = f"{name} (distinct pairs of its {len(pool):,} {split} images)"
        pairs = len(pool) * (len(pool) - 1)
        if f"n_{split}" in soft:
            sizes[split] = min(sizes[split], pairs)
        check_split_size(f"n_{split}", sizes[split], pairs, split, what)
    data = {}
    for index, split in enumerate(SPLITS):
        pool, size = pools[split], sizes[split]
        rng = seed_rng(seed, _PAIRS, index)
        first = rng.integers(len(pool), size=size)
        second = (first + rng.integers(1, len(pool), size=size)) % len(pool)  # never `first`
        left, right = pool[first], pool[second]
        x = overlay(images[left], images[right], shift)
        data[split] = _tensors(x, np.stack([labels[left], labels[right]], axis=1))
    return MultiTaskSet(
        name=name,
        tasks=("left", "right"),
        classes=(file.classes, file.classes),
        in_channels=1,
        image_size=(28, 28 + 2 * shift),
        train=data["train"],
        val=data["val"],
        test=data["test"],
        seed=seed,
    )
