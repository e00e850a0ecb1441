"""Every registered search space passes the ``SearchSpace`` contract."""

from __future__ import annotations

import pytest

from tasknas.spaces import SPACES, SearchSpace, get_space
from tasknas.testing import SearchSpaceContract


class TestRegisteredSpaces(SearchSpaceContract):
    @pytest.fixture(params=SPACES.names())
    def space(self, request: pytest.FixtureRequest) -> SearchSpace:
        return get_space(request.param)


def test_both_cell_spaces_are_registered() -> None:
    assert {"nb201", "transnas-micro"} <= set(SPACES.names())
