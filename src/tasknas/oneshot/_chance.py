"""Chance level: whether a classification score is no better than guessing.

The one check behind the warnings of ``fuse``, ``mtl`` and ``dictionary build|add``: settings
too small to learn anything (a few epochs on a few images) give a number that means nothing,
and the user should be told so rather than read it as a result.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = ["CHANCE_MARGIN", "at_chance", "chance_warning"]

#: A score within this much accuracy (a fraction) of guessing still counts as chance level.
CHANCE_MARGIN = 0.02


def at_chance(accuracy: float, num_classes: int) -> bool:
    """Whether ``accuracy`` (a fraction in [0, 1]) is at or below chance level for
    ``num_classes`` balanced classes: ``1 / num_classes + CHANCE_MARGIN``; that is, an error
    of at least ``1 - 1 / num_classes - CHANCE_MARGIN`` (50 % error on a binary task)."""
    return num_classes >= 2 and accuracy <= 1.0 / num_classes + CHANCE_MARGIN


def chance_warning(scores: Mapping[str, tuple[float, int]], remedy: str) -> str | None:
    """One line naming every score of ``scores`` at chance level, with ``remedy`` (the
    settings to raise); ``None`` when none is.

    Args:
        scores: what was scored (e.g. ``"the winner on mnist:3 (test error 50.00 %)"``) ->
            ``(accuracy as a fraction, number of classes)``.
        remedy: what to do about it, e.g. ``"raise --epochs or --n-train"``.
    """
    low = [
        f"{what}: accuracy {100 * accuracy:.1f} %, chance {100 / classes:.1f} % ({classes} classes)"
        for what, (accuracy, classes) in scores.items()
        if at_chance(accuracy, classes)
    ]
    if not low:
        return None
    return f"no better than chance, so meaningless: {'; '.join(low)}; {remedy}"
