"""Run stores: append-only records of every trial of a run."""

from tasknas.storage._base import RunStore, TrialRecord
from tasknas.storage._memory import InMemoryStore
from tasknas.storage._sqlite import STORE_FILE, SQLiteStore

__all__ = ["STORE_FILE", "InMemoryStore", "RunStore", "SQLiteStore", "TrialRecord"]
