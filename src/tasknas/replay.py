"""Replay of a resumed run against its store, and answering a whole generation at once.

``replayed`` decides whether a trial the resumed search reached is already in the run store
under the same evaluation number (and refuses a store the search no longer matches);
``answer_generation`` scores one ask of a ``GenerationEvaluator`` in this process, passing it
the stored results so that it replays their generation (see ``tasknas.runner``).
"""

from __future__ import annotations

import time
from typing import Any

from tasknas.errors import RunStoreError
from tasknas.evaluator import GenerationEvaluator
from tasknas.storage import RunStore, TrialRecord
from tasknas.trial import Trial

__all__ = ["answer_generation", "replayed"]


def replayed(
    key: tuple[str, str],
    number: int,
    stored: dict[Any, TrialRecord],
    taken: dict[int, tuple[str, str]],
) -> bool:
    """True when the store holds ``key`` as evaluation ``number`` (a resumed run's replay).

    Raises:
        RunStoreError: the store holds another trial as ``number``, or ``key`` under another
            number: the run's settings or the strategy's code changed since it was stored.
    """
    if key not in stored and number in taken:
        raise RunStoreError(
            f"the run store holds {taken[number][1]} on {taken[number][0]} as evaluation "
            f"{number}, but the resumed search reached {key[1]} on {key[0]} there: the "
            "run's settings or tasknas's strategy code changed since"
        )
    if key not in stored:
        return False
    if stored[key].number != number:
        raise RunStoreError(
            f"the run store holds {key[1]} on {key[0]} as evaluation "
            f"{stored[key].number}, but the resumed search reached it as evaluation "
            f"{number}: the run's settings or tasknas's strategy code changed since"
        )
    return True


def answer_generation(
    evaluator: GenerationEvaluator,
    store: RunStore,
    new: dict[tuple[str, str], tuple[int, Trial]],
    stored: dict[Any, TrialRecord],
    taken: dict[int, tuple[str, str]],
) -> list[TrialRecord]:
    """Records of one ask's new trials, by number: stored ones replayed, the rest scored.

    Every new trial goes to ``evaluator.evaluate_generation`` (with its stored result, if
    any); the records of those not stored are added to ``store``.
    """
    if not new:
        return []
    items = list(new.items())
    known = [stored[key] if replayed(key, n, stored, taken) else None for key, (n, _) in items]
    started = time.time()
    results = evaluator.evaluate_generation(
        [trial for _, (_, trial) in items], [r.result if r is not None else None for r in known]
    )
    finished = time.time()
    records = []
    for (_, (number, trial)), record, result in zip(items, known, results, strict=True):
        if record is None:
            record = TrialRecord(number, trial.task, str(trial.arch), result, started, finished)
            store.add(record)
        records.append(record)
    return sorted(records, key=lambda r: r.number)
