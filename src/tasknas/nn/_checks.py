"""Argument checks shared by the network constructors."""

from __future__ import annotations

from tasknas._validation import positive_int


def check_positive_ints(**settings: object) -> None:
    """Raise ``InvalidSettingError`` naming the first setting that is not an integer >= 1."""
    for setting, value in settings.items():
        positive_int(setting, value)
