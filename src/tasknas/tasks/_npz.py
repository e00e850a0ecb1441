"""Reading and checking ``.npz`` image files.

Two layouts are understood (see ``data/PROVENANCE.md``):

* **split** files hold ``x_<split>`` (uint8 images) and ``y_<split>`` (integer labels) for some
  of the splits ``train``, ``val`` and ``test``, plus ``classes`` (label ``k`` is named
  ``classes[k]``);
* **unsplit, multi-label** files (``omniglot_mt8.npz``) hold one image array ``x`` and one or
  more *label sets*: a label set ``<name>`` is a ``y_<name>`` array together with a
  ``<name>_names`` array naming its classes. A ``y_<name>`` with no names array (Omniglot's
  ``y_drawer``) is not a label set. The images are kept under the split name ``"all"``.

Other keys are ignored. Images are ``(N, H, W)`` or ``(N, H, W, C)`` with ``C`` in {1, 3}.

Before any array is read, the sizes its header declares and the archive's uncompressed member
sizes are checked against a limit (``max_npz_bytes()``: ``$TASKNAS_MAX_NPZ_BYTES``, else
2 GiB), so a small compressed file cannot make us allocate gigabytes.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import numpy as np
from numpy.lib import format as npy_format

from tasknas.errors import DataFileError, InvalidSettingError, UnknownNameError

__all__ = [
    "DEFAULT_MAX_NPZ_BYTES",
    "MAX_NPZ_BYTES_ENV",
    "SPLITS",
    "UNSPLIT",
    "ImageFile",
    "load_image_file",
    "max_npz_bytes",
]

logger = logging.getLogger(__name__)

SPLITS = ("train", "val", "test")
UNSPLIT = "all"
_SPLIT_KEY = re.compile(r"^([xy])_(.+)$")
#: Environment variable raising (or lowering) the limit on a file's uncompressed arrays.
MAX_NPZ_BYTES_ENV = "TASKNAS_MAX_NPZ_BYTES"
#: The limit without ``$TASKNAS_MAX_NPZ_BYTES``: 2 GiB of arrays, uncompressed.
DEFAULT_MAX_NPZ_BYTES = 2 * 1024**3


def max_npz_bytes() -> int:
    """The most bytes an image file's arrays may take uncompressed, all together:
    ``$TASKNAS_MAX_NPZ_BYTES`` (a positive integer), else ``DEFAULT_MAX_NPZ_BYTES``.

    Raises:
        InvalidSettingError: the variable is set but not a positive integer.
    """
    text = os.environ.get(MAX_NPZ_BYTES_ENV, "").strip()
    if not text:
        return DEFAULT_MAX_NPZ_BYTES
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise InvalidSettingError(
            f"{MAX_NPZ_BYTES_ENV} must be a positive integer number of bytes, got {text!r}"
        )
    return value


@dataclass(frozen=True, eq=False)
class ImageFile:
    """The checked contents of one image file, for one label set.

    Attributes:
        path: the file read.
        x: split name -> read-only uint8 images, ``(N, H, W)`` or ``(N, H, W, C)``.
        y: split name -> read-only int64 labels in ``[0, len(classes))``.
        classes: ``classes[k]`` names label ``k``.
        label_set: the label set chosen, for unsplit multi-label files; else ``None``.
        label_sets: every label set of the file, the default first; ``()`` for split files.
    """

    path: Path
    x: Mapping[str, np.ndarray]
    y: Mapping[str, np.ndarray]
    classes: tuple[str, ...]
    label_set: str | None = None
    label_sets: tuple[str, ...] = ()

    @property
    def splits(self) -> tuple[str, ...]:
        """The splits present, in the order train, val, test (or ``("all",)``)."""
        return tuple(self.x)

    @property
    def in_channels(self) -> int:
        """Number of colour channels of the images (1 or 3)."""
        first = next(iter(self.x.values()))
        return 1 if first.ndim == 3 else int(first.shape[3])

    @property
    def image_size(self) -> tuple[int, int]:
        """Image height and width in pixels."""
        first = next(iter(self.x.values()))
        return int(first.shape[1]), int(first.shape[2])


def load_image_file(
    path: str | os.PathLike[str], *, label_set: str | None = None, max_bytes: int | None = None
) -> ImageFile:
    """Read and check the ``.npz`` image file at ``path``.

    The arrays are cached per resolved path (and the file's size and modification time), so
    loading many tasks from one file reads it once.

    Args:
        path: the file.
        label_set: for unsplit multi-label files, which label set to use; ``None`` takes the
            first. Split files have no label sets and accept only ``None``.
        max_bytes: refuse a file whose arrays take more bytes than this uncompressed, all
            together; ``None`` takes ``max_npz_bytes()``.

    Raises:
        DataFileError: the file is missing, unreadable, malformed or over the size limit;
            the message names the file and what is wrong.
        UnknownNameError: ``label_set`` is not one of the file's label sets.
        InvalidSettingError: ``label_set`` is given for a split file.
    """
    resolved = Path(path).expanduser().resolve()
    try:
        stat = resolved.stat()
    except OSError as exc:
        raise DataFileError(f"image data file {str(resolved)!r} not found ({exc})") from exc
    if max_bytes is None:
        max_bytes = max_npz_bytes()
    elif max_bytes < 1:
        raise InvalidSettingError(f"max_bytes must be >= 1, got {max_bytes}")
    arrays = _read_arrays(resolved, stat.st_size, stat.st_mtime_ns, max_bytes)
    if "x" in arrays and not any(_SPLIT_KEY.match(key) and key[2:] in SPLITS for key in arrays):
        return _unsplit_file(resolved, arrays, label_set)
    if label_set is not None:
        raise InvalidSettingError(
            f"image data file {str(resolved)!r} has a single label set (x_<split>/y_<split>); "
            f"label set {label_set!r} cannot be chosen"
        )
    return _split_file(resolved, arrays)


@functools.lru_cache(maxsize=16)
def _read_arrays(path: Path, size: int, mtime_ns: int, max_bytes: int) -> Mapping[str, np.ndarray]:
    """Every array of the archive, read-only; ``size``/``mtime_ns`` make edits miss the cache.

    Refused before anything is loaded when the arrays would take over ``max_bytes``.
    """
    del size, mtime_ns
    where = f"image data file {str(path)!r}"
    if not zipfile.is_zipfile(path):
        raise DataFileError(f"{where} is not a readable .npz archive (not a zip file)")
    try:
        _check_sizes(where, path, max_bytes)
        with np.load(path, allow_pickle=False) as archive:
            arrays = {key: archive[key] for key in archive.files}
    except DataFileError:
        raise
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise DataFileError(f"{where} holds object arrays; pickles are not loaded") from exc
        raise DataFileError(f"{where} is not a readable .npz archive ({exc})") from exc
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise DataFileError(f"{where} is not a readable .npz archive ({exc})") from exc
    for key, array in arrays.items():
        if not isinstance(array, np.ndarray):
            raise DataFileError(f"{where}: member {key!r} is not a numpy array")
        array.setflags(write=False)
    logger.debug("read %s: %s", path, ", ".join(sorted(arrays)))
    return MappingProxyType(arrays)


def _check_sizes(where: str, path: Path, max_bytes: int) -> None:
    """Refuse the archive if its members would take over ``max_bytes`` once loaded.

    A member's size is the larger of its uncompressed size in the zip directory and, for a
    ``.npy`` member, the bytes of the array its header declares (what ``np.load`` allocates
    up front); only the headers are read, never the data.

    Raises:
        DataFileError: over the limit (naming the array, its size and the limit), or a
            member's header is malformed.
    """
    total = 0
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir():
                continue
            key = info.filename.removesuffix(".npy")
            size, described = info.file_size, ""
            header = _npy_header(where, archive, info)
            if header is not None:
                shape, dtype = header
                size = max(size, math.prod(shape) * dtype.itemsize)
                described = f"shape {shape} {dtype}, "
            described += f"{size:,} bytes uncompressed"
            total += size
            if total > max_bytes:
                before = f"; with the arrays before it {total:,} bytes" if total > size else ""
                raise DataFileError(
                    f"{where}: array {key!r} ({described}{before}) is over the limit of "
                    f"{max_bytes:,} bytes; set {MAX_NPZ_BYTES_ENV} to raise it"
                )


def _npy_header(
    where: str, archive: zipfile.ZipFile, info: zipfile.ZipInfo
) -> tuple[tuple[int, ...], np.dtype] | None:
    """The shape and dtype the ``.npy`` header of member ``info`` declares; ``None`` when
    the member is not a ``.npy`` array (no magic string)."""
    with archive.open(info) as member:
        if member.read(len(npy_format.MAGIC_PREFIX)) != npy_format.MAGIC_PREFIX:
            return None
        member.seek(0)
        try:
            version = npy_format.read_magic(member)
            # Version 3.0 differs from 2.0 only in the header's text encoding (utf-8).
            if version == (1, 0):
                shape, _, dtype = npy_format.read_array_header_1_0(member)
            else:
                shape, _, dtype = npy_format.read_array_header_2_0(member)
        except (ValueError, TypeError, SyntaxError) as exc:
            raise DataFileError(
                f"{where}: member {info.filename!r} has a malformed .npy header ({exc})"
            ) from exc
    return tuple(int(n) for n in shape), dtype


def _split_file(path: Path, arrays: Mapping[str, np.ndarray]) -> ImageFile:
    where = f"image data file {str(path)!r}"
    if "classes" not in arrays:
        raise DataFileError(f"{where} has no 'classes' array naming the labels")
    classes = _names(where, "classes", arrays["classes"])
    xs: dict[str, np.ndarray] = {}
    ys: dict[str, np.ndarray] = {}
    for key, array in arrays.items():
        match = _SPLIT_KEY.match(key)
        if match is None:
            continue
        kind, split = match.groups()
        if split in SPLITS:
            (xs if kind == "x" else ys)[split] = array
        elif kind == "x":
            raise DataFileError(
                f"{where} has images {key!r} of unknown split {split!r}; "
                f"splits are {', '.join(SPLITS)}"
            )
    if not xs and not ys:
        raise DataFileError(f"{where} has no x_<split>/y_<split> pair (splits: {SPLITS})")
    for split in SPLITS:
        if (split in xs) != (split in ys):
            have, lacks = ("x", "y") if split in xs else ("y", "x")
            raise DataFileError(f"{where} has '{have}_{split}' but no '{lacks}_{split}'")
    order = [split for split in SPLITS if split in xs]
    for split in order:
        _check_images(where, f"x_{split}", xs[split])
        _check_labels(where, f"y_{split}", ys[split], len(xs[split]), len(classes))
    _check_same_image_shape(where, {f"x_{s}": xs[s] for s in order})
    return ImageFile(
        path=path,
        x=MappingProxyType({s: xs[s] for s in order}),
        y=MappingProxyType({s: ys[s] for s in order}),
        classes=classes,
    )


def _unsplit_file(path: Path, arrays: Mapping[str, np.ndarray], label_set: str | None) -> ImageFile:
    where = f"image data file {str(path)!r}"
    label_sets = tuple(
        key[2:] for key in arrays if key.startswith("y_") and f"{key[2:]}_names" in arrays
    )
    if not label_sets:
        raise DataFileError(
            f"{where} has images 'x' but no label set: a 'y_<name>' array with a matching "
            "'<name>_names' array (or use x_<split>/y_<split> and 'classes')"
        )
    chosen = label_sets[0] if label_set is None else label_set
    if chosen not in label_sets:
        raise UnknownNameError(f"label set of {path.name}", chosen, label_sets)
    images = arrays["x"]
    _check_images(where, "x", images)
    classes = _names(where, f"{chosen}_names", arrays[f"{chosen}_names"])
    _check_labels(where, f"y_{chosen}", arrays[f"y_{chosen}"], len(images), len(classes))
    return ImageFile(
        path=path,
        x=MappingProxyType({UNSPLIT: images}),
        y=MappingProxyType({UNSPLIT: arrays[f"y_{chosen}"]}),
        classes=classes,
        label_set=chosen,
        label_sets=label_sets,
    )


def _names(where: str, key: str, array: np.ndarray) -> tuple[str, ...]:
    if array.ndim != 1 or array.dtype.kind != "U" or len(array) == 0:
        raise DataFileError(
            f"{where}: {key!r} must be a non-empty 1-D array of strings, "
            f"got shape {array.shape} dtype {array.dtype}"
        )
    names = tuple(str(name) for name in array)
    if len(set(names)) != len(names):
        repeated = sorted({name for name in names if names.count(name) > 1})
        raise DataFileError(f"{where}: {key!r} repeats class names {repeated}")
    return names


def _check_images(where: str, key: str, images: np.ndarray) -> None:
    shape_ok = images.ndim == 3 or (images.ndim == 4 and images.shape[3] in (1, 3))
    if not shape_ok or 0 in images.shape[1:]:
        raise DataFileError(
            f"{where}: {key!r} has shape {images.shape}; images must be (N, H, W) or "
            "(N, H, W, C) with C in {1, 3}"
        )
    if images.dtype != np.uint8:
        raise DataFileError(f"{where}: {key!r} has dtype {images.dtype}; images must be uint8")


def _check_labels(where: str, key: str, labels: np.ndarray, n_images: int, n_classes: int) -> None:
    if labels.dtype.kind not in "iu":
        raise DataFileError(f"{where}: {key!r} has dtype {labels.dtype}; labels must be integers")
    if labels.ndim != 1:
        raise DataFileError(f"{where}: {key!r} has shape {labels.shape}; labels must be 1-D")
    if len(labels) != n_images:
        raise DataFileError(
            f"{where}: {key!r} has {len(labels)} labels but there are {n_images} images"
        )
    if len(labels) and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataFileError(
            f"{where}: {key!r} has labels from {labels.min()} to {labels.max()}, outside "
            f"[0, {n_classes}) for the {n_classes} classes"
        )


def _check_same_image_shape(where: str, images: Mapping[str, np.ndarray]) -> None:
    shapes = {key: array.shape[1:] for key, array in images.items()}
    if len(set(shapes.values())) > 1:
        raise DataFileError(f"{where}: the splits' images differ in shape: {shapes}")
