"""Contract test suites: pytest base classes that every implementation of a protocol passes.

Each ``*Contract`` class holds the checks of one protocol's documented promises. Subclass it in
a test module under a name pytest collects (``Test...``) and override its abstract fixture(s);
pytest then runs every inherited check against your implementation::

    import pytest
    from tasknas.testing import SearchSpaceContract

    class TestMySpace(SearchSpaceContract):
        @pytest.fixture
        def space(self):
            return MySpace()

Contracts and what to override:

- ``SearchSpaceContract``: fixture ``space`` (optionally the ``genes`` hook).
- ``EvaluatorContract``: fixture ``evaluator`` (optionally ``foreign_arch``, ``deterministic``).
- ``GenerationEvaluatorContract``: fixture ``evaluator`` (a fresh weight-sharing evaluator).
- ``StrategyContract``: fixtures ``space`` and ``tasks``, method
  ``make_strategy(space, tasks, seed)``.
- ``RunStoreContract``: fixture ``store`` (a fresh, empty store).
- ``ExecutorContract``: fixture ``executor`` (optionally ``survives_worker_death``); it runs
  the picklable fakes ``FakeEvaluator`` and ``KillsWorkerOnce``.

The contracts import pytest on use; they are meant for test suites and ``tasknas`` never imports
them. The fakes live in an installed module so that worker processes can import them.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.testing._contracts import (
        EvaluatorContract,
        GenerationEvaluatorContract,
        RunStoreContract,
        SearchSpaceContract,
        StrategyContract,
        fake_result,
    )
    from tasknas.testing._executors import ExecutorContract, FakeEvaluator, KillsWorkerOnce

__all__ = [
    "EvaluatorContract",
    "ExecutorContract",
    "FakeEvaluator",
    "GenerationEvaluatorContract",
    "KillsWorkerOnce",
    "RunStoreContract",
    "SearchSpaceContract",
    "StrategyContract",
    "fake_result",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "EvaluatorContract": "tasknas.testing._contracts",
        "GenerationEvaluatorContract": "tasknas.testing._contracts",
        "RunStoreContract": "tasknas.testing._contracts",
        "SearchSpaceContract": "tasknas.testing._contracts",
        "StrategyContract": "tasknas.testing._contracts",
        "fake_result": "tasknas.testing._contracts",
        "ExecutorContract": "tasknas.testing._executors",
        "FakeEvaluator": "tasknas.testing._executors",
        "KillsWorkerOnce": "tasknas.testing._executors",
    },
)
