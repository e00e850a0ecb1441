"""Image data sets by name, and task specs such as ``fashion_mnist:Trouser``.

Grammar of a task spec::

    spec     := dataset ["@" labelset] [":" classes]
    dataset  := a shipped name (see ``image_datasets()``) | the path of a .npz image file
    classes  := class ("+" class)*
    class    := a class name (case-insensitive) | a class index

``dataset`` alone is the k-class task over every class. One class, ``dataset:cat``, is the
binary task "is it a cat" (label 1 = cat, 0 = any other class). Several classes,
``dataset:cat+apple``, are a k-class task over those classes only, relabelled 0..k-1 in the
order given. ``@labelset`` picks a label set of a multi-label file (``omniglot@character``);
the first label set is the default. A class token is matched first exactly, then ignoring
case, then as an index; a selection that is itself a class name (one containing ``+``) is
that one class. The text is split at its last ``:`` only when what precedes it names
a data set, so Windows drive letters and paths that contain ``:`` still work.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from tasknas._validation import check_length
from tasknas.errors import DataFileError, InvalidSettingError, UnknownNameError
from tasknas.tasks._npz import ImageFile, load_image_file

__all__ = [
    "ImageTaskSpec",
    "image_datasets",
    "mirror_invariant",
    "parse_task_spec",
    "resolve_dataset",
]

_SHIPPED = {
    "mnist": "mnist_test.npz",
    "fashion_mnist": "fashion_mnist.npz",
    "quickdraw4": "quickdraw4.npz",
    "pneumoniamnist": "pneumoniamnist.npz",
    "breastmnist": "breastmnist.npz",
    "pathmnist": "pathmnist_train1000.npz",
    "omniglot": "omniglot_mt8.npz",
}
#: Shipped data sets whose labels survive a left-right mirror image: clothing, sketches and
#: medical images whose class does not depend on the side (a mirrored chest X-ray with
#: pneumonia still has pneumonia). Not digits (MNIST) or characters (Omniglot).
_MIRROR_INVARIANT = frozenset(
    {"fashion_mnist", "quickdraw4", "pneumoniamnist", "breastmnist", "pathmnist"}
)
_LABEL_SET = re.compile(r"^(.+)@(\w+)$")


def existing_file(text: str) -> Path | None:
    """The existing file ``text`` names (``~`` expanded), else ``None``. A name the system
    cannot look up (too long, a NUL byte, an unknown ``~user``) names no file."""
    try:
        path = Path(text).expanduser()
        return path if path.is_file() else None
    except (OSError, RuntimeError, ValueError):
        return None


def image_datasets() -> tuple[str, ...]:
    """Names of the image data sets shipped with tasknas."""
    return tuple(_SHIPPED)


def mirror_invariant(task: str) -> bool:
    """Whether the labels of ``task`` (a task spec or a data set name) survive a left-right
    mirror image, so that mirrored training images are a fair augmentation: true for the
    shipped ``fashion_mnist``, ``quickdraw4`` and MedMNIST sets, false for ``mnist``,
    ``omniglot`` and any ``.npz`` file (tasknas cannot know what a file's labels mean)."""
    head, _ = _split_classes(str(task).strip())
    return _split_label_set(head)[0] in _MIRROR_INVARIANT


def resolve_dataset(dataset: str | os.PathLike[str]) -> Path:
    """The file behind ``dataset``: a shipped name, or the path of a ``.npz`` file.

    Raises:
        DataFileError: ``dataset`` ends in ``.npz`` but no such file exists.
        UnknownNameError: ``dataset`` is neither; the message lists the shipped names.
    """
    text = os.fspath(dataset)
    if text in _SHIPPED:
        return Path(str(resources.files("tasknas.tasks") / "data" / _SHIPPED[text]))
    path = existing_file(text)
    if path is not None:
        return path
    if text.lower().endswith(".npz"):
        raise DataFileError(f"image data file {text!r} not found")
    error = UnknownNameError("image dataset", text, _SHIPPED)
    error.args = (f"{error} (or the path of a .npz image file)",)
    raise error


@dataclass(frozen=True)
class ImageTaskSpec:
    """A checked task spec; make one with ``parse_task_spec``.

    Attributes:
        dataset: the shipped name or file path, as written.
        classes: the chosen class indices of the file, in task order; ``None`` for all.
        binary: whether the task is "is it ``classes[0]``" rather than k-class.
        name: the canonical spec text; equal specs have equal names.
        label_set: the label set of a multi-label file; ``None`` for split files.
    """

    dataset: str
    classes: tuple[int, ...] | None
    binary: bool
    name: str
    label_set: str | None = None

    def __post_init__(self) -> None:
        if self.classes is not None and (
            not self.classes or len(set(self.classes)) != len(self.classes)
        ):
            raise InvalidSettingError(f"task {self.name!r}: classes must be distinct, not empty")
        if self.binary and (self.classes is None or len(self.classes) != 1):
            raise InvalidSettingError(f"task {self.name!r}: a binary task names one class")

    def __str__(self) -> str:
        return self.name


def parse_task_spec(text: str) -> ImageTaskSpec:
    """Parse and check a task spec (grammar in the module docstring) against its file.

    Raises:
        UnknownNameError: unknown data set, label set or class; the message lists the choices.
        DataFileError: the data set's file is missing or malformed.
        InvalidSettingError: a class is named twice, or the text is not a string or is longer
            than ``MAX_TEXT`` characters.
    """
    if not isinstance(text, str):
        raise InvalidSettingError(f"a task spec must be a string, got {text!r}")
    text = check_length("task spec", text).strip()
    head, selection = _split_classes(text)
    dataset, label_set = _split_label_set(head)
    file = load_image_file(resolve_dataset(dataset), label_set=label_set)
    prefix = dataset if file.label_set is None else f"{dataset}@{file.label_set}"
    if selection is None:
        return ImageTaskSpec(dataset, None, False, prefix, file.label_set)
    tokens = (
        [selection] if _find_name(file.classes, selection) is not None else selection.split("+")
    )
    indices = tuple(_class_index(file, prefix, token) for token in tokens)
    if len(set(indices)) != len(indices):
        raise InvalidSettingError(f"task {text!r} names a class more than once")
    canonical = "+".join(_class_token(file.classes, k) for k in indices)
    return ImageTaskSpec(
        dataset, indices, len(indices) == 1, f"{prefix}:{canonical}", file.label_set
    )


def _looks_like_dataset(text: str) -> bool:
    base = _split_label_set(text)[0]
    return base in _SHIPPED or base.lower().endswith(".npz") or existing_file(base) is not None


def _split_classes(text: str) -> tuple[str, str | None]:
    if ":" not in text or existing_file(text) is not None:
        return text, None
    head, selection = text.rsplit(":", 1)
    return (head, selection) if _looks_like_dataset(head) else (text, None)


def _split_label_set(text: str) -> tuple[str, str | None]:
    match = _LABEL_SET.match(text)
    if match is None or text in _SHIPPED or existing_file(text) is not None:
        return text, None
    return match.group(1), match.group(2)


def _find_name(classes: tuple[str, ...], token: str) -> int | None:
    """The index of the class named ``token``: exactly, else ignoring case if unambiguous."""
    token = token.strip()
    if token in classes:
        return classes.index(token)
    folded = [k for k, name in enumerate(classes) if name.casefold() == token.casefold()]
    return folded[0] if len(folded) == 1 else None


def _class_index(file: ImageFile, dataset: str, token: str) -> int:
    index = _find_name(file.classes, token)
    if index is not None:
        return index
    token = token.strip()
    if token.isdecimal() and int(token) < len(file.classes):
        return int(token)
    error = UnknownNameError(f"class of {dataset}", token, file.classes)
    error.args = (f"{error} (or a class index 0..{len(file.classes) - 1})",)
    raise error


def _class_token(classes: tuple[str, ...], index: int) -> str:
    """The class name if it reads back unchanged in a spec, else the index."""
    name = classes[index]
    readable = name and name == name.strip() and "+" not in name and ":" not in name
    return name if readable else str(index)
