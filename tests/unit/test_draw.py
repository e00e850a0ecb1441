"""Drawings of cells (``tasknas.report._cells``): the drawn graphs hold each space's nodes and
operations, the figures are written, and a run's report draws its best cells."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import numpy as np
import pytest

from tasknas.errors import InvalidArchitectureError
from tasknas.experiment import RunSettings, run_experiment
from tasknas.report import cell_graphs, draw_cells, draw_run_cells, load_run, write_report
from tasknas.report._cells import _wrap, default_cell_path, parse_any
from tasknas.spaces import get_space

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NB201 = "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|none~1|skip_connect~2|"
TRANSNAS = "64-41414-3_12_013"
EMTNAS = (
    "normal=dw_conv_3x3~0,skip_connect~1|dil_conv_5x5~2,dw_conv_3x3~2|max_pool_3x3~0,"
    "avg_pool_3x3~3|dw_conv_7x7~4,skip_connect~1|dil_conv_3x3~5,dw_conv_5x5~0;"
    "reduce=max_pool_3x3~0,max_pool_3x3~1|avg_pool_3x3~2,skip_connect~0|dw_conv_5x5~1,"
    "dw_conv_5x5~3|dil_conv_7x7~4,max_pool_3x3~0|skip_connect~5,dil_conv_3x3~5"
)
TANAS = (
    "normal=sep_conv_3x3~1,sep_conv_3x3~0|dil_conv_5x5~1,sep_conv_3x3~2|"
    "skip_connect~3,max_pool_3x3~2"
)


def _edges(graph, kind: str = "op") -> list[tuple]:
    return sorted(
        (str(s), str(d), data["op"])
        for s, d, data in graph.edges(data=True)
        if data["kind"] == kind
    )


def _check_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0  # not a blank canvas


def test_nb201_graph_has_the_cell_nodes_and_leaves_none_edges_out():
    space, arch = parse_any(NB201)
    assert space.name == "nb201"
    graphs = cell_graphs(space, arch)
    assert list(graphs) == ["cell"]
    graph = graphs["cell"]
    assert list(graph.nodes) == [0, 1, 2, 3]
    assert graph.nodes[0]["role"] == "input" and graph.nodes[3]["role"] == "output"
    assert _edges(graph) == [
        ("0", "1", "nor_conv_3x3"),
        ("0", "2", "nor_conv_3x3"),
        ("0", "3", "skip_connect"),
        ("1", "2", "avg_pool_3x3"),
        ("2", "3", "skip_connect"),
    ]  # 1 -> 3 is none: not drawn


def test_transnas_graph_has_its_operations():
    space, arch = parse_any(TRANSNAS)
    assert space.name == "transnas-micro"
    assert _edges(cell_graphs(space, arch)["cell"]) == [
        ("0", "1", "conv3x3"),
        ("0", "2", "skip_connect"),
        ("1", "2", "conv1x1"),
        ("1", "3", "skip_connect"),
        ("2", "3", "conv3x3"),
    ]  # 0 -> 3 is none


def test_darts_emtnas_graph_has_a_normal_and_a_reduction_cell():
    space, arch = parse_any(EMTNAS)
    assert space.name == "darts-emtnas"
    graphs = cell_graphs(space, arch)
    assert list(graphs) == ["normal", "reduce"]
    nodes = ["c_{k-2}", "c_{k-1}", "n0", "n1", "n2", "n3", "n4", "out"]
    for graph in graphs.values():
        assert list(graph.nodes) == nodes
        assert _edges(graph, "concat") == [(f"n{j}", "out", "concat") for j in range(5)]
    normal = _edges(graphs["normal"])
    assert len(normal) == 10
    assert ("c_{k-2}", "n0", "dw_conv_3x3") in normal
    assert ("n2", "n3", "dw_conv_7x7") in normal
    assert ("n3", "n4", "dil_conv_3x3") in normal
    # reduction node 0 reads c_{k-2} and c_{k-1} through the same operation
    reduce = _edges(graphs["reduce"])
    assert ("c_{k-2}", "n0", "max_pool_3x3") in reduce
    assert ("c_{k-1}", "n0", "max_pool_3x3") in reduce
    assert ("n3", "n4", "dil_conv_3x3") in reduce


def test_a_dense_conv_names_the_conv_space_and_plain_emtnas_strings_keep_theirs():
    # Every darts-emtnas string also parses in darts-emtnas-conv: the smaller space names it.
    assert parse_any(EMTNAS)[0].name == "darts-emtnas"
    text = EMTNAS.replace("dil_conv_5x5~2", "nor_conv_3x3~2", 1)
    space, arch = parse_any(text)
    assert space.name == "darts-emtnas-conv"
    assert ("n0", "n1", "nor_conv_3x3") in _edges(cell_graphs(space, arch)["normal"])
    assert parse_any(EMTNAS, "darts-emtnas-conv")[0].name == "darts-emtnas-conv"


def test_darts_same_input_twice_gives_two_parallel_edges():
    space = get_space("darts-tanas")
    arch = space.parse(
        "normal=sep_conv_3x3~1,skip_connect~1|dil_conv_5x5~1,sep_conv_3x3~2|"
        "skip_connect~3,max_pool_3x3~2"
    )
    graph = cell_graphs(space, arch)["normal"]
    assert graph.number_of_edges("c_{k-1}", "n0") == 2
    assert {d["op"] for d in graph.get_edge_data("c_{k-1}", "n0").values()} == {
        "sep_conv_3x3",
        "skip_connect",
    }


def test_darts_tanas_is_guessed_and_has_one_cell():
    space, arch = parse_any(TANAS)
    assert space.name == "darts-tanas"
    graphs = cell_graphs(space, arch)
    assert list(graphs) == ["normal"]
    assert list(graphs["normal"].nodes) == ["c_{k-2}", "c_{k-1}", "n0", "n1", "n2", "out"]
    assert ("n1", "n2", "skip_connect") in _edges(graphs["normal"])


@pytest.mark.parametrize("text", [NB201, TRANSNAS, EMTNAS, TANAS])
def test_every_space_is_drawn_to_a_png(text: str, tmp_path: Path):
    space, arch = parse_any(text)
    path = draw_cells(space, arch, tmp_path / "cell.png")
    _check_png(path)


def test_random_darts_cells_are_drawn_as_svg(tmp_path: Path):
    rng = np.random.default_rng(0)
    for name in ("darts-emtnas", "darts-emtnas-conv", "darts-tanas"):
        space = get_space(name)
        path = draw_cells(space, space.sample(rng), tmp_path / f"{name}.svg")
        assert path.read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_the_space_named_is_used_and_a_wrong_one_is_refused():
    space, _ = parse_any(NB201, "nb201")
    assert space.name == "nb201"
    with pytest.raises(InvalidArchitectureError, match="malformed NB201"):
        parse_any(TRANSNAS, "nb201")


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("hello", "neither a run directory nor an architecture"),
        ("|bad_op~0|+|none~0|none~1|+|none~0|none~1|none~2|", "unknown operation 'bad_op'"),
        ("64-41414-3_12_01", "sizes 1_2_3"),
        ("normal=sep_conv_3x3~7,sep_conv_3x3~0|a~0,b~0|c~0,d~0", "darts-tanas"),
    ],
)
def test_bad_strings_give_one_line_errors(text: str, fragment: str):
    with pytest.raises(InvalidArchitectureError) as caught:
        parse_any(text)
    assert fragment in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_genotype_of_another_space_is_refused():
    _, arch = parse_any(TANAS)
    with pytest.raises(InvalidArchitectureError, match="not a genotype"):
        cell_graphs(get_space("nb201"), arch)


def test_default_path_differs_by_architecture():
    space = get_space("nb201")
    first, second = space.parse(NB201), space.parse(NB201.replace("avg_pool", "nor_conv"))
    assert default_cell_path(space, first) == default_cell_path(space, first)
    assert default_cell_path(space, first) != default_cell_path(space, second)
    assert default_cell_path(space, first).name.startswith("cell-nb201-")


def test_titles_wrap_at_separators():
    lines = _wrap(EMTNAS, 60)
    assert "".join(lines) == EMTNAS
    assert all(len(line) <= 60 for line in lines)
    assert all(line[-1] in "+|;," for line in lines[:-1])


@pytest.fixture(scope="module")
def nb201_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("draw") / "run"
    settings = RunSettings(
        benchmark="nb201", tasks=("cifar10", "cifar100"), strategy="re", budget=6, seed=3
    )
    run_experiment(settings, run_dir)
    return run_dir


def test_a_run_draws_the_best_cell_of_each_task(nb201_run: Path, tmp_path: Path):
    path = draw_run_cells(load_run(nb201_run), tmp_path / "cells.png")
    assert path == tmp_path / "cells.png"
    _check_png(path)


def test_the_report_writes_and_shows_the_cells(nb201_run: Path, tmp_path: Path):
    written = write_report(nb201_run, tmp_path)
    assert tmp_path / "cells.png" in written
    _check_png(tmp_path / "cells.png")
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "](cells.png)" in summary
