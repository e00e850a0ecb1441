"""Parsing and formatting the canonical architecture strings of both cell spaces."""

from __future__ import annotations

import csv
import gzip
from importlib import resources

import pytest

from tasknas.errors import InvalidArchitectureError
from tasknas.spaces import NB201Cell, NB201Space, TransNASMicroCell, TransNASMicroSpace

NB201_BEST_C10 = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+"
    "|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|"
)


def _table_strings(filename: str) -> list[str]:
    """The ``arch_str`` column of a bundled table, read without tasknas's loader."""
    path = resources.files("tasknas.benchmarks") / "data" / filename
    with path.open("rb") as raw, gzip.open(raw, "rt", newline="") as handle:
        reader = csv.reader(handle)
        column = next(reader).index("arch_str")
        return [row[column] for row in reader]


@pytest.mark.parametrize(
    ("space", "filename"),
    [(NB201Space(), "nb201_tss.csv.gz"), (TransNASMicroSpace(), "tnb101_micro.csv.gz")],
    ids=["nb201", "transnas-micro"],
)
def test_every_table_string_parses_and_formats_back(space, filename) -> None:
    strings = _table_strings(filename)
    assert len(strings) == space.size
    parsed = [space.parse(s) for s in strings]
    assert [space.format(a) for a in parsed] == strings
    assert set(parsed) == set(space.enumerate())


def test_nb201_parse_known_cell() -> None:
    cell = NB201Space().parse(NB201_BEST_C10)
    assert cell.op_names == (
        "nor_conv_3x3",
        "nor_conv_3x3",
        "nor_conv_3x3",
        "skip_connect",
        "nor_conv_3x3",
        "nor_conv_1x1",
    )
    assert cell.ops == (3, 3, 3, 1, 3, 2)
    assert str(cell) == NB201_BEST_C10


def test_nb201_parse_strips_surrounding_whitespace() -> None:
    assert str(NB201Cell.parse(f"  {NB201_BEST_C10}\n")) == NB201_BEST_C10


def test_transnas_parse_known_cell() -> None:
    cell = TransNASMicroSpace().parse("64-41414-3_32_132")
    assert cell.ops == (3, 3, 2, 1, 3, 2)
    assert cell.op_names == ("conv3x3", "conv3x3", "conv1x1", "skip_connect", "conv3x3", "conv1x1")
    assert str(cell) == "64-41414-3_32_132"


def test_nb201_unknown_op_names_edge_and_valid_ops() -> None:
    text = NB201_BEST_C10.replace("nor_conv_1x1~2", "conv_5x5~2")
    with pytest.raises(InvalidArchitectureError) as info:
        NB201Cell.parse(text)
    message = str(info.value)
    assert "'conv_5x5'" in message
    assert "edge 5" in message and "node 3 <- node 2" in message
    for op in NB201Cell.OPS:
        assert op in message


def test_nb201_unknown_op_on_first_edge() -> None:
    text = NB201_BEST_C10.replace("|nor_conv_3x3~0|+", "|sep_conv~0|+", 1)
    with pytest.raises(
        InvalidArchitectureError, match=r"'sep_conv' on edge 0 \(node 1 <- node 0\)"
    ):
        NB201Cell.parse(text)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("|none~0|", "found 1"),
        ("|none~0|+|none~0|none~1|", "found 2"),
        (NB201_BEST_C10 + "+|none~0|", "found 4"),
    ],
)
def test_nb201_wrong_group_count(text: str, found: str) -> None:
    with pytest.raises(InvalidArchitectureError, match="expected 3 node groups") as info:
        NB201Cell.parse(text)
    assert found in str(info.value)
    assert repr(text) in str(info.value)


def test_nb201_group_without_bars_names_the_node() -> None:
    text = "|none~0|+none~0|none~1|+|none~0|none~1|none~2|"
    with pytest.raises(InvalidArchitectureError, match="node 2 group"):
        NB201Cell.parse(text)


def test_nb201_wrong_input_count_names_the_node() -> None:
    text = "|none~0|+|none~0|+|none~0|none~1|none~2|"
    with pytest.raises(InvalidArchitectureError, match="node 2 needs 2 input"):
        NB201Cell.parse(text)


@pytest.mark.parametrize(
    ("entry", "expect"),
    [("none~1", "OP~0"), ("none", "OP~0"), ("none-0", "OP~0")],
)
def test_nb201_bad_entry_names_the_expected_form(entry: str, expect: str) -> None:
    text = f"|{entry}|+|none~0|none~1|+|none~0|none~1|none~2|"
    with pytest.raises(InvalidArchitectureError, match=expect) as info:
        NB201Cell.parse(text)
    assert "node 1" in str(info.value)


@pytest.mark.parametrize("value", [None, 12, b"|none~0|", ("none",)])
def test_parse_rejects_non_strings(value: object) -> None:
    for cls in (NB201Cell, TransNASMicroCell):
        with pytest.raises(InvalidArchitectureError, match="expected"):
            cls.parse(value)  # type: ignore[arg-type]


def test_transnas_bad_prefix() -> None:
    with pytest.raises(InvalidArchitectureError, match="must start with '64-41414-'"):
        TransNASMicroCell.parse("64-41413-3_32_132")


@pytest.mark.parametrize(
    ("text", "sizes"),
    [
        ("64-41414-3_32_13", "1_2_2"),
        ("64-41414-33_2_132", "2_1_3"),
        ("64-41414-332132", "6"),
        ("64-41414-3_32_132_1", "1_2_3_1"),
    ],
)
def test_transnas_bad_group_sizes(text: str, sizes: str) -> None:
    with pytest.raises(InvalidArchitectureError, match="1_2_3") as info:
        TransNASMicroCell.parse(text)
    assert f"found sizes {sizes}" in str(info.value)


@pytest.mark.parametrize(
    ("text", "digit", "edge"), [("64-41414-4_32_132", "4", 0), ("64-41414-3_32_1x2", "x", 4)]
)
def test_transnas_bad_digit_names_the_edge(text: str, digit: str, edge: int) -> None:
    with pytest.raises(InvalidArchitectureError) as info:
        TransNASMicroCell.parse(text)
    message = str(info.value)
    assert f"{digit!r} on edge {edge}" in message
    assert "0 none, 1 skip_connect, 2 conv1x1, 3 conv3x3" in message


def test_genotype_rejects_out_of_range_ops() -> None:
    with pytest.raises(InvalidArchitectureError, match=r"\[0, 4\]"):
        NB201Cell((0, 0, 0, 0, 0, 5))
    with pytest.raises(InvalidArchitectureError, match=r"\[0, 3\]"):
        TransNASMicroCell((0, 0, 0, 0, 0, 4))
    with pytest.raises(InvalidArchitectureError, match="6 operation indices"):
        NB201Cell((0, 0, 0))
    with pytest.raises(InvalidArchitectureError):
        NB201Cell((0, 0, 0, 0, 0, -1))


def test_cells_of_different_spaces_are_never_equal() -> None:
    ops = (0, 1, 2, 3, 0, 1)
    assert NB201Cell(ops) != TransNASMicroCell(ops)
    assert not NB201Space().contains(TransNASMicroCell(ops))
    assert not TransNASMicroSpace().contains(NB201Cell(ops))


def test_from_names() -> None:
    names = ("none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3", "none")
    assert NB201Cell.from_names(names).ops == (0, 1, 2, 3, 4, 0)
    with pytest.raises(InvalidArchitectureError, match="edge 2"):
        NB201Cell.from_names(("none", "none", "bogus", "none", "none", "none"))
