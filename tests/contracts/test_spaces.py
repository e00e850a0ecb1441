"""Every registered search space passes the ``SearchSpace`` contract."""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import pytest

from tasknas.spaces import SPACES, DartsSpace, SearchSpace, get_space
from tasknas.testing import SearchSpaceContract


class TestRegisteredSpaces(SearchSpaceContract):
    @pytest.fixture(params=SPACES.names())
    def space(self, request: pytest.FixtureRequest) -> SearchSpace:
        return get_space(request.param)

    def genes(self, space: SearchSpace[Any], arch: Any) -> dict[Hashable, Hashable]:
        # DARTS genes are an op *and* an input per slot: changing an input moves an edge.
        if isinstance(space, DartsSpace):
            return dict(space.genes(arch))
        return super().genes(space, arch)


def test_both_cell_spaces_are_registered() -> None:
    assert {"nb201", "transnas-micro"} <= set(SPACES.names())


def test_darts_presets_are_registered() -> None:
    assert {"darts-tanas", "darts-emtnas"} <= set(SPACES.names())
