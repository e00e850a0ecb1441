"""Defaults of the ``train`` benchmark that the CLI shows without importing torch, and the
check of a split size it shares with the evaluators (and its parser for command lines)."""

from tasknas._validation import optional_positive_int
from tasknas.errors import InvalidSettingError

__all__ = ["ALL", "DEFAULT_EVALUATOR", "DEFAULT_SPACE", "parse_split_size", "split_size"]

#: The search space of a training search when ``--space`` is not given.
DEFAULT_SPACE = "darts-emtnas"
#: The evaluator kind of a training search when ``--evaluator`` is not given.
DEFAULT_EVALUATOR = "supernet"
#: A split size (``n_train``, ``n_val``, ``n_test``) that asks for all of each task's split.
ALL = "all"


def split_size(name: str, value: object) -> int | str | None:
    """A split size setting checked: ``None`` (left out), ``"all"`` or an integer >= 1.

    Raises:
        InvalidSettingError: anything else (names the setting and the valid values).
    """
    if isinstance(value, str) and value.strip().lower() == ALL:
        return ALL
    try:
        return optional_positive_int(name, value)
    except InvalidSettingError:
        raise InvalidSettingError(
            f"{name} must be an integer >= 1 or {ALL!r}, got {value!r}"
        ) from None


def parse_split_size(flag: str, text: str) -> int | str | None:
    """A split size typed on a command line (``flag``'s value): digits or ``all``.

    Raises:
        InvalidSettingError: anything else, in one line naming the flag, the value and the
            choices.
    """
    word = text.strip()
    try:
        return split_size(flag, int(word) if word.isdigit() else word)
    except InvalidSettingError:
        raise InvalidSettingError(
            f"{flag} must be an integer >= 1 or {ALL}, got {text!r}"
        ) from None
