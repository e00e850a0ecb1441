"""The ``RunStore`` protocol: an append-only record of a run's trials and settings."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tasknas.trial import Result


@dataclass(frozen=True)
class TrialRecord:
    """One distinct evaluation of a run.

    ``number`` is the evaluation's position in the run (1, 2, ...), fixed by the order the
    strategy asked, not by the order workers finished, so it is the same in every replay.
    """

    number: int
    task: str
    arch: str
    result: Result
    started_at: float = 0.0
    finished_at: float = 0.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.task, self.arch)


class RunStore(ABC):
    """Append-only storage of one run.

    Contract: ``add`` never replaces a record; adding a record whose ``(task, arch)`` is
    already stored returns ``False`` and changes nothing; adding a new ``(task, arch)`` under a
    ``number`` another record holds raises ``RunStoreError``. Settings are written once, and
    replaced only by ``update_settings`` (a run continued with a larger budget). A record is
    durable when ``add`` returns. One process writes a store at a time.
    """

    @abstractmethod
    def settings(self) -> dict[str, Any] | None:
        """The run settings saved with ``save_settings``, or ``None``."""

    @abstractmethod
    def save_settings(self, settings: Mapping[str, Any]) -> None:
        """Save the run settings (only once; raises ``RunStoreError`` when already saved)."""

    @abstractmethod
    def update_settings(self, settings: Mapping[str, Any]) -> None:
        """Replace the saved run settings (raises ``RunStoreError`` when none are saved)."""

    @abstractmethod
    def add(self, record: TrialRecord) -> bool:
        """Append ``record``; ``False`` if its ``(task, arch)`` was already recorded.

        Raises:
            RunStoreError: another record already has ``record.number``.
        """

    @abstractmethod
    def records(self) -> list[TrialRecord]:
        """Every record, by ``number``."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources (no-op by default)."""

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
