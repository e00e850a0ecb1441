"""Every test of ``tests/faults/`` carries the ``faults`` marker (``pytest -m faults`` runs
the fault-injection suite alone; CI runs it with everything else)."""

from __future__ import annotations

from pathlib import Path

import pytest

_HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if _HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.faults)
