"""``History``: the per-epoch record of one ``Trainer.fit`` call."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from tasknas._validation import check_choice

__all__ = ["History"]

_MODES = ("min", "max")


@dataclass
class History:
    """One dict per finished epoch, in order.

    Each record holds ``epoch`` (0-based), ``train_loss``, ``train_accuracy``, ``lr`` (the
    learning rate used during the epoch) and ``seconds``; with validation data also
    ``val_loss`` and ``val_accuracy``. ``*_accuracy`` is the value of the trainer's metric,
    which is accuracy unless another metric was given. ``stopped_early`` is true when a
    callback stopped the fit before its last epoch.
    """

    records: list[dict[str, float]] = field(default_factory=list)
    stopped_early: bool = False

    def append(self, record: dict[str, float]) -> None:
        """Add the record of a finished epoch."""
        self.records.append(dict(record))

    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[dict[str, float]]:
        return iter(self.records)

    def __getitem__(self, index: int) -> dict[str, float]:
        return self.records[index]

    @property
    def last(self) -> dict[str, float]:
        """The record of the last finished epoch."""
        if not self.records:
            raise IndexError("history is empty")
        return self.records[-1]

    def column(self, key: str) -> list[float]:
        """The values of ``key`` over the epochs."""
        self._check_key(key)
        return [record[key] for record in self.records]

    def best(self, key: str, mode: str | None = None) -> dict[str, float]:
        """The record of the epoch with the best ``key``; the earliest one wins ties.

        ``mode`` is ``"min"`` or ``"max"``; by default keys containing ``loss`` are minimised
        and all others maximised.
        """
        self._check_key(key)
        mode = mode or ("min" if "loss" in key else "max")
        check_choice("mode", mode, _MODES)
        sign = 1.0 if mode == "min" else -1.0
        return min(self.records, key=lambda record: sign * record[key])

    def to_list(self) -> list[dict[str, float]]:
        """The records as plain dicts (a copy), e.g. for JSON."""
        return [dict(record) for record in self.records]

    def _check_key(self, key: str) -> None:
        if not self.records:
            raise IndexError("history is empty")
        check_choice("history key", key, tuple(self.records[0]))
