"""Property tests over every genotype of both cell spaces (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from tasknas.errors import InvalidArchitectureError
from tasknas.spaces import EDGES, CellSpace, EdgeCell, NB201Space, TransNASMicroSpace

SPACES: dict[str, CellSpace] = {"nb201": NB201Space(), "transnas-micro": TransNASMicroSpace()}


def cells(space: CellSpace) -> st.SearchStrategy[EdgeCell]:
    """Genotypes of ``space``, drawn as tuples of operation indices."""
    op = st.integers(min_value=0, max_value=len(space.ops) - 1)
    return st.tuples(*[op] * len(EDGES)).map(space.genotype)


def space_and_cell() -> st.SearchStrategy[tuple[CellSpace, EdgeCell]]:
    return st.sampled_from(sorted(SPACES)).flatmap(
        lambda name: st.tuples(st.just(SPACES[name]), cells(SPACES[name]))
    )


seeds = st.integers(min_value=0, max_value=2**32 - 1)
common = settings(max_examples=200, deadline=None)


@common
@given(space_and_cell())
def test_format_parse_round_trip(pair: tuple[CellSpace, EdgeCell]) -> None:
    space, arch = pair
    text = space.format(arch)
    assert text == str(arch)
    assert space.parse(text) == arch
    assert space.format(space.parse(text)) == text


@common
@given(space_and_cell(), seeds)
def test_mutate_stays_in_space_and_changes_one_edge(
    pair: tuple[CellSpace, EdgeCell], seed: int
) -> None:
    space, arch = pair
    child = space.mutate(arch, np.random.default_rng(seed))
    assert space.contains(child)
    assert sum(a != b for a, b in zip(arch.ops, child.ops, strict=True)) == 1
    assert child in space.neighbours(arch)


@common
@given(st.data(), seeds)
def test_crossover_stays_in_space(data: st.DataObject, seed: int) -> None:
    space = SPACES[data.draw(st.sampled_from(sorted(SPACES)))]
    first, second = data.draw(cells(space)), data.draw(cells(space))
    child = space.crossover(first, second, np.random.default_rng(seed))
    assert space.contains(child)
    for a, b, c in zip(first.ops, second.ops, child.ops, strict=True):
        assert c in (a, b)


@common
@given(cells(SPACES["nb201"]), st.integers(0, 5), st.text(min_size=1, max_size=12))
def test_nb201_unknown_op_is_reported_on_its_edge(arch: EdgeCell, edge: int, name: str) -> None:
    assume(name not in arch.OPS and not any(c in name for c in "|+~"))
    names = list(arch.op_names)
    names[edge] = name
    entries = iter(names)
    text = "+".join(
        "|" + "|".join(f"{next(entries)}~{src}" for src in range(target)) + "|"
        for target in (1, 2, 3)
    )
    with pytest.raises(InvalidArchitectureError) as info:
        SPACES["nb201"].parse(text)
    assert f"{name!r} on edge {edge}" in str(info.value)


@common
@given(cells(SPACES["transnas-micro"]), st.integers(0, 5), st.characters())
def test_transnas_bad_digit_is_reported_on_its_edge(arch: EdgeCell, edge: int, ch: str) -> None:
    assume(ch not in "0123_" and not ch.isspace())
    digits = "".join(str(o) for o in arch.ops)
    digits = digits[:edge] + ch + digits[edge + 1 :]
    text = f"64-41414-{digits[0]}_{digits[1:3]}_{digits[3:]}"
    with pytest.raises(InvalidArchitectureError) as info:
        SPACES["transnas-micro"].parse(text)
    assert f"{ch!r} on edge {edge}" in str(info.value)


@common
@given(space_and_cell())
def test_pruning_only_turns_edges_off_and_is_idempotent(pair: tuple[CellSpace, EdgeCell]) -> None:
    _, arch = pair
    pruned = arch.pruned()
    assert type(pruned) is type(arch)
    assert pruned.pruned() == pruned
    for before, after in zip(arch.ops, pruned.ops, strict=True):
        assert after in (before, arch.OPS.index("none"))
    # every edge into the output node is kept: its result always reaches the output
    assert pruned.ops[3:] == arch.ops[3:]


def test_pruning_by_hand() -> None:
    space = SPACES["transnas-micro"]
    # node 2's only way to the output is a `none` edge, so the edges into node 2 are dead;
    # node 1 reaches the output directly, so the edge into node 1 stays
    arch = space.genotype.from_names(
        ["conv3x3", "conv1x1", "skip_connect", "skip_connect", "conv3x3", "none"]
    )
    assert arch.pruned().op_names == ("conv3x3", "none", "none", "skip_connect", "conv3x3", "none")
    # a cell whose nodes all reach the output is its own pruned form
    live = space.genotype.from_names(["conv3x3"] * 6)
    assert live.pruned() is live


def test_cells_of_one_pruned_form_agree_on_the_real_table() -> None:
    # Cells that share a pruned form are one network trained several times, so on the
    # bundled TransNAS table their entries differ only by training noise: far less than
    # cells grouped at random (same group sizes) differ.
    from tasknas import get_benchmark
    from tasknas.stats import variance_components

    bench = get_benchmark("transnas-micro")
    archs = list(bench.space.enumerate())
    groups = bench.space.pruned_groups()
    assert len(groups) > 50
    for rows in groups:  # each group is one pruned form
        assert len({archs[i].pruned() for i in rows}) == 1
    rng = np.random.default_rng(0)
    shuffled = rng.permutation(len(archs))
    for task in bench.tasks:
        objectives = bench.objectives(task)
        values = np.array([objectives[bench.row(a)] for a in archs], dtype=float)
        _, noise = variance_components([values[rows] for rows in groups])
        _, chance = variance_components([values[shuffled[rows]] for rows in groups])
        assert noise < 0.3 * values.std(), task
        assert chance > 0.8 * values.std(), task
