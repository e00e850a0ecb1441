"""Validation of trainer settings; every failure names the bad value (and the choices)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from tasknas.errors import InvalidSettingError

__all__ = ["check_choice", "non_negative", "positive_int"]


def check_choice(
    kind: str, value: str | None, choices: Sequence[str], *, optional: bool = False
) -> None:
    """Raise ``InvalidSettingError`` unless ``value`` is one of ``choices`` (or ``None``)."""
    if optional and value is None:
        return
    if value not in choices:
        valid = ", ".join([*choices, *(["None"] if optional else [])])
        raise InvalidSettingError(f"unknown {kind} {value!r}; valid choices: {valid}")


def positive_int(name: str, value: object) -> int:
    """``value`` if it is an integer >= 1 (not a bool), else ``InvalidSettingError``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidSettingError(f"{name} must be an integer >= 1, got {value!r}")
    return value


def non_negative(name: str, value: object, *, strict: bool = False) -> float:
    """``value`` as a float if it is finite and >= 0 (> 0 with ``strict``)."""
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if not number or not math.isfinite(value) or value < 0 or (strict and value == 0):
        bound = "> 0" if strict else ">= 0"
        raise InvalidSettingError(f"{name} must be a finite number {bound}, got {value!r}")
    return float(value)
