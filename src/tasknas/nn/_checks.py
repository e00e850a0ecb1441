"""Argument checks shared by the network constructors."""

from __future__ import annotations

from tasknas.errors import InvalidSettingError


def check_positive_ints(**settings: object) -> None:
    """Raise ``InvalidSettingError`` naming the first setting that is not an integer >= 1."""
    for setting, value in settings.items():
        if not isinstance(value, int) or value < 1:
            raise InvalidSettingError(f"{setting} must be a positive integer, got {value!r}")
