"""The DARTS-like cell spaces: presets, genotypes, strings, operators, restricted spaces."""

from __future__ import annotations

import itertools
import pickle
from collections.abc import Hashable
from typing import Any

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.spaces import (
    EMTNAS_OPS,
    SPACES,
    TANAS_OPS,
    DartsCell,
    DartsEMTNASSpace,
    DartsGenotype,
    DartsSpace,
    DartsTANASSpace,
    SearchSpace,
    get_space,
    ops_of,
)
from tasknas.testing import SearchSpaceContract

TANAS = DartsTANASSpace()
EMTNAS = DartsEMTNASSpace()
TINY = DartsSpace(("a", "b"), nodes=2, reduction=False, name="tiny")
TINY_REDUCE = DartsSpace(("a", "b"), nodes=1, reduction=True, name="tiny-reduce")
RESTRICTED = EMTNAS.with_ops(["skip_connect", "dw_conv_3x3", "avg_pool_3x3"])
#: Two fixed TA-NAS cells and the space of their edge-by-edge recombinations.
AROUND_CELLS = [
    TANAS.parse(
        "normal=sep_conv_3x3~0,skip_connect~1|max_pool_3x3~2,dil_conv_5x5~0|"
        "conv_7x1_1x7~3,conv_7x1_1x7~3"
    ),
    TANAS.parse(
        "normal=sep_conv_3x3~1,max_pool_3x3~1|max_pool_3x3~2,dil_conv_3x3~1|"
        "skip_connect~0,conv_7x1_1x7~2"
    ),
]
AROUND = TANAS.around(AROUND_CELLS, name="around")
ALL = {s.name: s for s in (TANAS, EMTNAS, TINY, TINY_REDUCE, RESTRICTED, AROUND)}

seeds = st.integers(min_value=0, max_value=2**32 - 1)
spaces = st.sampled_from(sorted(ALL)).map(ALL.__getitem__)
common = settings(max_examples=100, deadline=None)


def _cell(*nodes: tuple[tuple[str, int], tuple[str, int]]) -> DartsCell:
    return DartsCell(tuple(nodes))


TANAS_ARCH = DartsGenotype(
    _cell(
        (("sep_conv_3x3", 0), ("skip_connect", 1)),
        (("max_pool_3x3", 2), ("dil_conv_5x5", 0)),
        (("conv_7x1_1x7", 3), ("conv_7x1_1x7", 3)),
    )
)
TANAS_TEXT = (
    "normal=sep_conv_3x3~0,skip_connect~1|max_pool_3x3~2,dil_conv_5x5~0|"
    "conv_7x1_1x7~3,conv_7x1_1x7~3"
)


class TestTinySpaceContract(SearchSpaceContract):
    """Small enough for the contract's exhaustive enumeration check."""

    @pytest.fixture(params=["tiny", "tiny-reduce", RESTRICTED.name, "around"])
    def space(self, request: pytest.FixtureRequest) -> SearchSpace[Any]:
        return ALL[request.param]

    def genes(self, space: SearchSpace[Any], arch: Any) -> dict[Hashable, Hashable]:
        assert isinstance(space, DartsSpace)
        return dict(space.genes(arch))

    def mutable_genes(self, space: SearchSpace[Any], arch: Any) -> dict[Hashable, Hashable]:
        assert isinstance(space, DartsSpace)
        # A restricted edge may have a single choice (``around``).
        return {g: v for g, v in space.genes(arch).items() if len(space.choices(g)) > 1}


# -- presets -----------------------------------------------------------------------------


def test_presets_are_registered() -> None:
    assert {"darts-tanas", "darts-emtnas"} <= set(SPACES.names())
    tanas, emtnas = get_space("darts-tanas"), get_space("darts-emtnas")
    assert isinstance(tanas, DartsSpace) and isinstance(emtnas, DartsSpace)
    assert (tanas.name, tanas.ops, tanas.nodes, tanas.reduction) == (
        "darts-tanas",
        TANAS_OPS,
        3,
        False,
    )
    assert (emtnas.name, emtnas.ops, emtnas.nodes, emtnas.reduction) == (
        "darts-emtnas",
        EMTNAS_OPS,
        5,
        True,
    )
    assert len(TANAS_OPS) == 7 and len(EMTNAS_OPS) == 9


def test_preset_sizes() -> None:
    # node j: (ops * (j + 2)) ** 2 choices; two independent cells with a reduction cell.
    assert TANAS.size == (7 * 2) ** 2 * (7 * 3) ** 2 * (7 * 4) ** 2
    per_cell = 1
    for j in range(5):
        per_cell *= (9 * (j + 2)) ** 2
    assert EMTNAS.size == per_cell**2


def _brute_force_count(space: DartsSpace) -> int:
    """Count genotypes by filtering every (op, input < nodes + 2) assignment."""
    pairs = list(itertools.product(space.ops, range(space.nodes + 2)))
    cells = []
    for flat in itertools.product(pairs, repeat=2 * space.nodes):
        try:
            cells.append(DartsCell(tuple(zip(flat[::2], flat[1::2], strict=True))))
        except InvalidArchitectureError:
            continue
    reduces: list[DartsCell | None] = list(cells) if space.reduction else [None]
    return sum(space.contains(DartsGenotype(n, r)) for n in cells for r in reduces)


@pytest.mark.parametrize("space", [TINY, TINY_REDUCE], ids=lambda s: s.name)
def test_size_matches_brute_force(space: DartsSpace) -> None:
    count = _brute_force_count(space)
    assert space.size == count
    archs = list(space.enumerate())
    assert len(archs) == len(set(archs)) == count


def test_enumerate_is_lazy_on_a_huge_space() -> None:
    first = list(itertools.islice(EMTNAS.enumerate(), 3))
    assert len(set(first)) == 3 and all(EMTNAS.contains(a) for a in first)


# -- genotypes and strings ---------------------------------------------------------------


def test_canonical_string_example() -> None:
    assert str(TANAS_ARCH) == TANAS.format(TANAS_ARCH) == TANAS_TEXT
    assert TANAS.parse(TANAS_TEXT) == TANAS_ARCH
    assert TANAS.parse(f"  {TANAS_TEXT}\n") == TANAS_ARCH


def test_reduction_string_has_both_cells() -> None:
    arch = EMTNAS.sample(np.random.default_rng(0))
    normal, reduce = str(arch).split(";")
    assert normal == f"normal={arch.normal}" and reduce == f"reduce={arch.reduce}"


@common
@given(spaces, seeds)
def test_format_parse_round_trip(space: DartsSpace, seed: int) -> None:
    arch = space.sample(np.random.default_rng(seed))
    text = space.format(arch)
    assert text == str(arch)
    back = space.parse(text)
    assert back == arch and hash(back) == hash(arch) and space.format(back) == text


@common
@given(spaces, seeds, st.integers(0, 10_000), st.text(min_size=1, max_size=6))
def test_corrupted_strings_raise_only_invalid_architecture(
    space: DartsSpace, seed: int, where: int, junk: str
) -> None:
    text = space.format(space.sample(np.random.default_rng(seed)))
    where %= len(text) + 1
    corrupted = text[:where] + junk + text[where:]
    try:
        arch = space.parse(corrupted)
    except InvalidArchitectureError:
        return
    assert space.contains(arch) and space.format(arch) == corrupted.strip()


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            TANAS_TEXT.replace("conv_7x1_1x7~3,", "conv_7x1_1x7~5,"),
            "normal: node 2 input 5 out of range 0..3",
        ),
        (
            TANAS_TEXT.replace("max_pool_3x3~2", "max_pool_3x3~3"),
            "node 1 input 3 out of range 0..2",
        ),
        (TANAS_TEXT.replace("sep_conv_3x3", "sep_conv_9x9"), "unknown operation 'sep_conv_9x9'"),
        (TANAS_TEXT.replace("~0,", "~01,", 1), "node 0 slot 0"),
        (TANAS_TEXT.replace("~0,", ",", 1), "'OP~INPUT'"),
        (TANAS_TEXT.replace("normal=", "reduce="), "must start with 'normal='"),
        (TANAS_TEXT + "|skip_connect~0,skip_connect~1", "needs 3 '|'-separated nodes, found 4"),
        (TANAS_TEXT + ";reduce=" + TANAS_TEXT[7:], "expected 1 cell(s)"),
        (TANAS_TEXT.replace(",skip_connect~1", ""), "node 0 needs 2"),
    ],
)
def test_parse_errors_say_what_and_where(text: str, fragment: str) -> None:
    with pytest.raises(InvalidArchitectureError) as info:
        TANAS.parse(text)
    assert fragment in str(info.value)


def test_unknown_op_error_lists_valid_ops() -> None:
    with pytest.raises(InvalidArchitectureError) as info:
        TANAS.parse(TANAS_TEXT.replace("max_pool_3x3", "avg_pool_3x3"))
    assert all(op in str(info.value) for op in TANAS_OPS)


def test_missing_reduction_cell_is_an_error() -> None:
    with pytest.raises(InvalidArchitectureError, match="expected 2 cell"):
        EMTNAS.parse(str(EMTNAS.sample(np.random.default_rng(0))).split(";")[0])
    with pytest.raises(InvalidArchitectureError):
        EMTNAS.parse(None)  # type: ignore[arg-type]


def test_cell_validation() -> None:
    with pytest.raises(InvalidArchitectureError, match=r"node 1 input 3 out of range 0\.\.2"):
        _cell((("a", 0), ("a", 1)), (("a", 3), ("a", 0)))
    with pytest.raises(InvalidArchitectureError, match="node 0"):
        DartsCell(((("a", 0),),))  # type: ignore[arg-type]
    with pytest.raises(InvalidArchitectureError):
        DartsCell(((("a", "0"), ("a", 1)),))  # type: ignore[arg-type]
    with pytest.raises(InvalidArchitectureError):
        DartsCell(())
    with pytest.raises(InvalidArchitectureError):
        DartsGenotype("normal=...")  # type: ignore[arg-type]
    lists = DartsCell([[["a", np.int64(0)], ["b", 1]]])  # type: ignore[list-item]
    assert lists == _cell((("a", 0), ("b", 1))) and isinstance(lists.nodes[0][0][1], int)


def test_contains() -> None:
    arch = EMTNAS.sample(np.random.default_rng(0))
    assert EMTNAS.contains(arch) and not TANAS.contains(arch)
    assert not EMTNAS.contains(DartsGenotype(arch.normal))  # reduction cell missing
    assert not TANAS.contains(DartsGenotype(TANAS_ARCH.normal, TANAS_ARCH.normal))
    assert not TANAS.contains(DartsGenotype(_cell((("skip_connect", 0), ("skip_connect", 1)))))
    assert not TANAS.contains(TANAS_TEXT)
    with pytest.raises(InvalidArchitectureError, match="darts-tanas"):
        TANAS.mutate(arch, np.random.default_rng(0))


# -- operators ---------------------------------------------------------------------------


def _changed(space: DartsSpace, a: DartsGenotype, b: DartsGenotype) -> list[Any]:
    first, second = space.genes(a), space.genes(b)
    assert first.keys() == second.keys()
    return [g for g in first if first[g] != second[g]]


@common
@given(spaces, seeds)
def test_mutate_changes_exactly_one_gene(space: DartsSpace, seed: int) -> None:
    rng = np.random.default_rng(seed)
    arch = space.sample(rng)
    child = space.mutate(arch, rng)
    assert space.contains(child) and child != arch
    assert len(_changed(space, arch, child)) == 1
    assert child in space.neighbours(arch)


@common
@given(spaces, seeds)
def test_crossover_takes_each_node_from_a_parent(space: DartsSpace, seed: int) -> None:
    rng = np.random.default_rng(seed)
    first, second = space.sample(rng), space.sample(rng)
    child = space.crossover(first, second, rng)
    assert space.contains(child)
    for (_, c), (_, a), (_, b) in zip(child.cells, first.cells, second.cells, strict=True):
        for node_c, node_a, node_b in zip(c.nodes, a.nodes, b.nodes, strict=True):
            assert node_c in (node_a, node_b)


def test_neighbour_count() -> None:
    arch = TANAS_ARCH
    expected = sum(2 * ((len(TANAS_OPS) - 1) + (j + 1)) for j in range(3))
    assert len(TANAS.neighbours(arch)) == len(set(TANAS.neighbours(arch))) == expected


def test_mutate_on_a_one_op_space_changes_an_input() -> None:
    space = TANAS.with_ops(["skip_connect"])
    rng = np.random.default_rng(0)
    arch = space.sample(rng)
    for _ in range(20):
        child = space.mutate(arch, rng)
        (gene,) = _changed(space, arch, child)
        assert gene[3] == "input"


# -- restricted (task-aware) spaces -----------------------------------------------------


def test_restricted_space_samples_only_allowed_ops() -> None:
    allowed = {"skip_connect", "dw_conv_3x3", "avg_pool_3x3"}
    assert RESTRICTED.ops == ("dw_conv_3x3", "skip_connect", "avg_pool_3x3")  # pool order kept
    assert RESTRICTED.nodes == 5 and RESTRICTED.reduction
    rng = np.random.default_rng(0)
    archs = [RESTRICTED.sample(rng) for _ in range(50)]
    archs += [RESTRICTED.mutate(a, rng) for a in archs]
    assert set().union(*(ops_of(a) for a in archs)) == allowed
    assert all(EMTNAS.contains(a) for a in archs)
    outside = EMTNAS.sample(np.random.default_rng(1))
    assert not ops_of(outside) <= allowed and not RESTRICTED.contains(outside)


def test_task_aware_space_from_chosen_cells() -> None:
    rng = np.random.default_rng(3)
    best = [TANAS.sample(rng) for _ in range(2)]
    ops = set().union(*(ops_of(g) for g in best))
    space = TANAS.with_ops(ops, name="task-aware")
    assert space.name == "task-aware" and set(space.ops) == ops
    assert all(space.contains(g) for g in best)
    assert space.size <= TANAS.size


def test_around_allows_each_edge_only_what_the_cells_use_there() -> None:
    # Per edge: slot 0 of node 0 has one op and two inputs, slot 1 two ops and one input...
    assert AROUND.size == (1 * 2) * (2 * 1) * (1 * 1) * (2 * 2) * (2 * 2) * (1 * 2) == 128
    assert set(AROUND.ops) == set().union(*(ops_of(c) for c in AROUND_CELLS))
    assert all(AROUND.contains(c) for c in AROUND_CELLS)
    archs = list(AROUND.enumerate())
    for arch in archs:
        for gene, value in AROUND.genes(arch).items():
            assert value in {TANAS.genes(c)[gene] for c in AROUND_CELLS}
    # A genotype with only allowed operations but an edge no cell has is outside.
    outside = TANAS.parse(
        "normal=sep_conv_3x3~0,skip_connect~1|max_pool_3x3~2,dil_conv_5x5~0|"
        "conv_7x1_1x7~3,skip_connect~3"
    )
    assert ops_of(outside) <= set(AROUND.ops) and not AROUND.contains(outside)
    with pytest.raises(InvalidArchitectureError, match="not a genotype of space 'around'"):
        AROUND.parse(TANAS.format(outside))
    # Mutation stays inside; one cell gives a one-genotype space that cannot mutate.
    rng = np.random.default_rng(0)
    assert all(AROUND.contains(AROUND.mutate(a, rng)) for a in archs[:50])
    single = TANAS.around(AROUND_CELLS[:1])
    assert single.size == 1 and list(single.enumerate()) == AROUND_CELLS[:1]
    with pytest.raises(InvalidSettingError, match="one genotype"):
        single.mutate(AROUND_CELLS[0], rng)


def test_around_errors() -> None:
    with pytest.raises(InvalidSettingError, match="at least one cell"):
        TANAS.around([])
    with pytest.raises(InvalidArchitectureError):
        TANAS.around([EMTNAS.sample(np.random.default_rng(0))])
    with pytest.raises(InvalidSettingError, match="restricts each edge"):
        AROUND.with_ops(["sep_conv_3x3"])
    with pytest.raises(InvalidSettingError, match="every"):
        DartsSpace(("a",), nodes=1, reduction=False, edges={("normal", 0, 0): (["a"], [0])})
    edges = {("normal", 0, 0): (["a"], [0]), ("normal", 0, 1): (["a"], [2])}
    with pytest.raises(InvalidSettingError, match=r"inputs \[2\].*0\.\.1"):
        DartsSpace(("a",), nodes=1, reduction=False, edges=edges)
    edges = {("normal", 0, 0): (["a"], [0]), ("normal", 0, 1): (["b"], [1])}
    with pytest.raises(InvalidSettingError, match=r"operations \['b'\]"):
        DartsSpace(("a",), nodes=1, reduction=False, edges=edges)


def test_sampling_the_unrestricted_space_is_unchanged() -> None:
    # The per-edge choices must not change what a seed draws in the full space.
    assert TANAS.format(TANAS.sample(np.random.default_rng(0))) == (
        "normal=skip_connect~1,dil_conv_5x5~0|dil_conv_3x3~0,sep_conv_3x3~0|"
        "sep_conv_5x5~3,max_pool_3x3~3"
    )


def test_with_ops_errors() -> None:
    with pytest.raises(InvalidArchitectureError) as info:
        TANAS.with_ops(["skip_connect", "dw_conv_3x3"])
    assert "dw_conv_3x3" in str(info.value) and "sep_conv_3x3" in str(info.value)
    with pytest.raises(InvalidArchitectureError, match="at least one"):
        TANAS.with_ops([])


def test_ops_of() -> None:
    assert ops_of(TANAS_ARCH) == {
        "sep_conv_3x3",
        "skip_connect",
        "max_pool_3x3",
        "dil_conv_5x5",
        "conv_7x1_1x7",
    }


def test_bad_space_arguments() -> None:
    with pytest.raises(InvalidSettingError):
        DartsSpace(("a", "a"), nodes=2, reduction=False)
    with pytest.raises(InvalidSettingError):
        DartsSpace(("a",), nodes=0, reduction=False)


# -- representations ---------------------------------------------------------------------


def test_graph_of_a_space_without_reduction_cell() -> None:
    graph = TANAS.to_graph(TANAS_ARCH)
    assert set(graph.nodes) == {"c_{k-2}", "c_{k-1}", "n0", "n1", "n2", "out"}
    assert graph.graph["space"] == "darts-tanas"
    assert graph.edges["c_{k-2}", "n0"]["op"] == "sep_conv_3x3"
    assert graph.edges["c_{k-2}", "n0"]["op_index"] == TANAS_OPS.index("sep_conv_3x3")
    assert graph.edges["n0", "n1"]["op"] == "max_pool_3x3"
    # Node 2 reads node 1 twice: one edge that lists both operations.
    assert graph.edges["n1", "n2"]["ops"] == ("conv_7x1_1x7", "conv_7x1_1x7")
    assert {u for u, v in graph.in_edges("out")} == {"n0", "n1", "n2"}
    assert graph.number_of_edges() == 5 + 3


def test_graph_with_reduction_cell_is_two_disjoint_cells() -> None:
    arch = EMTNAS.sample(np.random.default_rng(0))
    graph = EMTNAS.to_graph(arch)
    assert nx.number_weakly_connected_components(graph) == 2
    for kind in ("normal", "reduce"):
        ids = {f"{kind}/{n}" for n in ("c_{k-2}", "c_{k-1}", "out")}
        ids |= {f"{kind}/n{j}" for j in range(5)}
        assert ids <= set(graph.nodes)
    assert graph.number_of_nodes() == 2 * 8
    for u, v, data in graph.edges(data=True):
        assert u.split("/")[0] == v.split("/")[0]
        if v.endswith("/out"):
            assert data["op"] == "concat"
        else:
            assert EMTNAS.ops[data["op_index"]] == data["op"]


def test_encode_layout() -> None:
    vector = TANAS.encode(TANAS_ARCH)
    assert vector.shape == (2 * sum(len(TANAS_OPS) + j + 2 for j in range(3)),)
    assert vector.sum() == 2 * 2 * 3  # one 1 per op gene and per input gene
    first_op = vector[: len(TANAS_OPS)]
    assert first_op[TANAS_OPS.index("sep_conv_3x3")] == 1.0 and first_op.sum() == 1.0
    assert list(vector[len(TANAS_OPS) : len(TANAS_OPS) + 2]) == [1.0, 0.0]  # input 0


@pytest.mark.parametrize("space", [TANAS, EMTNAS, RESTRICTED, AROUND], ids=lambda s: s.name)
def test_spaces_and_genotypes_pickle(space: DartsSpace) -> None:
    copy = pickle.loads(pickle.dumps(space))
    assert (copy.name, copy.ops, copy.nodes, copy.reduction) == (
        space.name,
        space.ops,
        space.nodes,
        space.reduction,
    )
    arch = space.sample(np.random.default_rng(0))
    assert copy.sample(np.random.default_rng(0)) == arch
    assert pickle.loads(pickle.dumps(arch)) == arch
