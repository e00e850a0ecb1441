"""Argument checks shared by the whole library.

Each check returns the value it accepted (normalised: ``int`` or ``float``) or raises
``InvalidSettingError`` with one line that names the argument, the bad value and what is
valid, so the CLI can print it as it is. Integers are ``int`` or numpy integers, never
``bool``; numbers are finite ``int`` or ``float`` values, never ``bool``.
"""

from __future__ import annotations

import math
import numbers
import os
from collections.abc import Sequence
from pathlib import Path

from tasknas.errors import InvalidSettingError, TasknasError

#: The longest text a parser reads (an architecture string, a task spec): a longer one is
#: refused before any parsing, so that a megabyte of input fails at once, in one line.
MAX_TEXT = 4096

#: Stem strides of a DARTS network: 1 keeps the image's resolution, 2 (the default) halves it.
STEM_STRIDES = (1, 2)

__all__ = [
    "MAX_TEXT",
    "STEM_STRIDES",
    "as_int",
    "check_choice",
    "check_int",
    "check_length",
    "check_output_dir",
    "check_seed",
    "check_stem_stride",
    "non_negative",
    "optional_positive_int",
    "positive_int",
]


def as_int(value: object) -> int | None:
    """``value`` as an ``int`` if it is an integer (``int``, a numpy integer; not a ``bool``),
    else ``None``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    return None


def check_int(name: str, value: object, minimum: int = 0) -> int:
    """``value`` as an ``int`` if it is an integer >= ``minimum``, else an error."""
    number = as_int(value)
    if number is None or number < minimum:
        raise InvalidSettingError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return number


def positive_int(name: str, value: object) -> int:
    """``value`` as an ``int`` if it is an integer >= 1, else an error."""
    return check_int(name, value, 1)


def optional_positive_int(name: str, value: object) -> int | None:
    """``None``, or ``value`` as an ``int`` if it is an integer >= 1, else an error."""
    if value is None:
        return None
    number = as_int(value)
    if number is None or number < 1:
        raise InvalidSettingError(f"{name} must be an integer >= 1 or None, got {value!r}")
    return number


def check_flag(name: str, value: object) -> bool:
    """``value`` if it is a ``bool``, else an error (``1`` or ``"yes"`` are not flags)."""
    if not isinstance(value, bool):
        raise InvalidSettingError(f"{name} must be true or false, got {value!r}")
    return value


def check_seed(seed: object, name: str = "seed") -> int:
    """``seed`` as an ``int`` if it is an integer >= 0; a ``bool`` or a float is refused."""
    return check_int(name, seed, 0)


def non_negative(name: str, value: object, *, strict: bool = False) -> float:
    """``value`` as a ``float`` if it is a finite number >= 0 (> 0 with ``strict``)."""
    real = isinstance(value, numbers.Real) and not isinstance(value, bool)
    number = float(value) if real else math.nan  # type: ignore[arg-type]
    if not math.isfinite(number) or number < 0 or (strict and number == 0):
        bound = "> 0" if strict else ">= 0"
        raise InvalidSettingError(f"{name} must be a finite number {bound}, got {value!r}")
    return number


def check_distinct_tasks(tasks: Sequence[str]) -> tuple[str, ...]:
    """``tasks`` as a tuple if no task is named twice."""
    if len(set(tasks)) != len(tasks):
        raise InvalidSettingError(f"a task is named twice in {', '.join(tasks)}")
    return tuple(tasks)


#: The longest ``Latency`` delay, in seconds (a day; ``time.sleep`` refuses some larger ones).
MAX_DELAY = 86_400.0


def check_delay(delay: object) -> float:
    """``delay`` as seconds if it is a finite number from 0 to ``MAX_DELAY``."""
    seconds = non_negative("delay", delay)
    if seconds > MAX_DELAY:
        raise InvalidSettingError(f"delay must be <= {MAX_DELAY:g} seconds, got {delay!r}")
    return seconds


def check_choice(
    kind: str, value: str | None, choices: Sequence[str], *, optional: bool = False
) -> None:
    """An error naming ``value`` and the valid ``choices`` unless it is one of them (or
    ``None`` with ``optional``)."""
    if optional and value is None:
        return
    if value not in choices:
        valid = ", ".join([*choices, *(["None"] if optional else [])])
        raise InvalidSettingError(f"unknown {kind} {value!r}; valid choices: {valid}")


def check_length(
    kind: str,
    text: str,
    *,
    error: type[TasknasError] = InvalidSettingError,
    limit: int = MAX_TEXT,
) -> str:
    """``text`` if it has at most ``limit`` characters, else ``error`` naming ``kind`` and the
    length (never the text itself, which may be huge)."""
    if len(text) > limit:
        raise error(f"{kind} of {len(text):,} characters is longer than the limit of {limit:,}")
    return text


def check_output_dir(path: str | os.PathLike[str], flag: str = "--out") -> Path:
    """``path`` as a folder that can be created or written, checked without writing anything:
    it is a folder or does not exist yet, and its nearest existing parent is a writable folder.

    Raises:
        InvalidSettingError: one line naming ``flag``, the path and what is wrong.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise InvalidSettingError(f"{flag} {path} is a file, not a folder; choose a folder")
    parent = path
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise InvalidSettingError(
            f"{flag} {path}: {parent} is a file, not a folder; choose another path"
        )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise InvalidSettingError(f"{flag} {path}: folder {parent} is not writable")
    return path


def check_stem_stride(kind: str, value: object) -> int:
    """``value`` if it is a DARTS stem stride (one of ``STEM_STRIDES``, an integer), else an
    error naming ``kind``, the value and the valid strides."""
    stride = as_int(value)
    if stride not in STEM_STRIDES:
        valid = " or ".join(map(str, STEM_STRIDES))
        raise InvalidSettingError(f"{kind} must be {valid}, got {value!r}")
    return stride
