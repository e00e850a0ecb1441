"""The shipped zero-cost proxy tables: coverage, keys, and which callers see which table."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tasknas.errors import UnknownNameError
from tasknas.proxies import PROXY_TABLES, SCREEN_TABLES, proxy_table, zero_cost_proxy
from tasknas.spaces import NB201Cell, get_space
from tasknas.strategies import STRATEGIES


@pytest.mark.parametrize(("space", "cells"), [("nb201", 15_625), ("transnas-micro", 4_096)])
def test_a_table_holds_every_cell_of_its_space_under_its_canonical_string(space, cells) -> None:
    table = proxy_table(space)
    assert table is not None and len(table) == cells
    assert set(table) == {str(a) for a in get_space(space).enumerate()}
    values = np.array(list(table.values()))
    assert not np.isnan(values).any() and not (values == math.inf).any()
    assert np.isfinite(values).all()  # -inf would be allowed; the skeleton's residuals prevent it


def test_transnas_scores_are_those_of_the_nb201_cells_with_the_same_operations() -> None:
    # TransNAS ops 0..3 (none, skip, conv1x1, conv3x3) are NB201's ops 0..3 in the same network.
    tnb, nb201 = proxy_table("transnas-micro"), proxy_table("nb201")
    assert tnb is not None and nb201 is not None
    space = get_space("transnas-micro")
    for arch, value in tnb.items():
        assert nb201[str(NB201Cell(space.parse(arch).ops))] == value, arch


def test_tables_are_read_only_and_absent_for_spaces_without_one() -> None:
    table = proxy_table("transnas-micro")
    with pytest.raises(TypeError):
        table["64-41414-3_33_333"] = 0.0  # type: ignore[index]
    assert proxy_table("darts-tanas") is None and proxy_table("no-such-space") is None
    assert set(PROXY_TABLES) == {"nb201", "transnas-micro"}


def test_zero_cost_proxy_reads_the_transnas_table() -> None:
    space = get_space("transnas-micro")
    proxy, table = zero_cost_proxy("transnas-micro"), proxy_table("transnas-micro")
    assert proxy is not None and table is not None
    for arch in (space.sample(np.random.default_rng(i)) for i in range(5)):
        assert proxy(arch) == table[str(arch)]


def test_table_only_gives_the_screen_tables_alone() -> None:
    # The engine's proxy="auto" screen: NB201's table, not TransNAS's (it would drop the
    # regressor that screens TransNAS better), nothing for spaces without a table.
    assert frozenset({"nb201"}) == SCREEN_TABLES
    nb201 = zero_cost_proxy("nb201", table_only=True)
    assert nb201 is not None
    assert nb201(get_space("nb201").parse("|none~0|+|none~0|none~1|+|none~0|none~1|none~2|")) < 0
    assert zero_cost_proxy("transnas-micro", table_only=True) is None
    assert zero_cost_proxy("darts-tanas", table_only=True) is None
    assert zero_cost_proxy("no-such-space", table_only=True) is None


def test_a_space_with_neither_table_nor_network_names_the_choices() -> None:
    with pytest.raises(UnknownNameError, match=r"no-such-space.*transnas-micro"):
        zero_cost_proxy("no-such-space")


def test_the_engine_screens_transnas_by_synflow_only_when_asked() -> None:
    space, tasks = get_space("transnas-micro"), ["a", "b"]
    default = STRATEGIES.get("evo")(space, tasks, seed=0)
    assert default.prescreen.proxy is None and default.prescreen.predictor == "extra_trees"
    asked = STRATEGIES.get("evo")(space, tasks, seed=0, proxy="synflow")
    assert asked.prescreen.proxy is not None and asked.prescreen.predictor is None
    arch = space.parse("64-41414-3_33_333")
    assert asked.prescreen.proxy(arch) == proxy_table("transnas-micro")[str(arch)]
