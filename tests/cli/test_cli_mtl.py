"""``tasknas mtl`` on tiny data: the --json contract, the table, the figure and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

TINY = ("--n-train", "64", "--n-test", "32", "--epochs", "1", "--pretrain-epochs", "0")


def test_json_has_exactly_the_contract_shape(cli, tmp_path: Path) -> None:
    plot = tmp_path / "edges.png"
    outcome = cli("mtl", "--dataset", "multimnist", *TINY, "--plot", str(plot), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert list(data) == [
        "dataset",
        "tasks",
        "edges",
        "gate_entropy",
        "params",
        "search_start",
        "epochs",
    ]
    assert data["search_start"] == "all_edges"  # the default
    assert data["epochs"] == {"single_task": 2, "all_edges": 2, "searched": 2}
    assert data["dataset"] == "multimnist"
    assert list(data["tasks"]) == ["left", "right"]
    for scores in data["tasks"].values():
        assert list(scores) == ["single_task", "all_edges", "searched"]
        assert all(isinstance(v, float) and 0 <= v <= 100 for v in scores.values())
    for edge in data["edges"]:
        assert len(edge) == 2 and all(isinstance(end, str) and "/stage" in end for end in edge)
        assert edge[0].split("/")[0] != edge[1].split("/")[0]
    assert isinstance(data["gate_entropy"], float) and 0 <= data["gate_entropy"] <= 0.7
    assert list(data["params"]) == ["single_task", "all_edges", "searched"]
    assert all(isinstance(v, int) for v in data["params"].values())
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_the_search_start_sets_how_long_every_network_trains(cli, tmp_path: Path) -> None:
    args = ("mtl", "--dataset", "multimnist", *TINY, "--plot", str(tmp_path / "e.png"))
    outcome = cli(*args, "--search-start", "pretrained", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["search_start"] == "pretrained"
    assert data["epochs"] == {"single_task": 1, "all_edges": 1, "searched": 1}
    table = cli(*args, "--search-start", "all-edges", "--out", str(tmp_path / "net"))
    assert table.exit_code == 0, table.stderr
    assert "every network trained 2 epochs after pretraining" in table.stdout
    plain = cli(*args, "--search-start", "pretrained", "--out", str(tmp_path / "net2"))
    assert "every network trained" not in plain.stdout


def test_table_and_default_figure_path(cli, tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    outcome = cli(
        "mtl",
        "--dataset",
        "omniglot",
        *TINY,
        "--gate",
        "sigmoid",
        "--seed",
        "2",
        env={"TASKNAS_RUNS_DIR": str(runs)},
    )
    assert outcome.exit_code == 0, outcome.stderr
    for text in ("alphabet", "character", "single-task", "all-edges", "searched", "chosen edges"):
        assert text in outcome.stdout
    assert (runs / "mtl-omniglot-seed2-edges.png").is_file()


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--dataset", "nope"], ["'nope'", "multimnist, omniglot", ".npz"]),
        (["--dataset", "missing.npz"], ["'missing.npz' not found"]),
        (["--dataset", "multimnist", "--gate", "soft"], ["'soft'", "sigmoid, gumbel, hard"]),
        (["--dataset", "multimnist", "--lam", "-1"], ["lam", "got -1.0"]),
        (["--dataset", "multimnist", "--epochs", "0"], ["epochs", "got 0"]),
        (["--dataset", "multimnist", "--pretrain-epochs", "-1"], ["integer >= 0", "got -1"]),
        (["--dataset", "multimnist", "--n-train", "0"], ["n_train", "got 0"]),
        (["--dataset", "multimnist", "--device", "tpu"], ["'tpu'", "cpu, cuda"]),
        (
            ["--dataset", "multimnist", "--search-start", "all_edges"],
            ["'all_edges'", "pretrained, all-edges"],
        ),
    ],
)
def test_bad_input_is_one_error_line(cli, args: list[str], fragments: list[str]) -> None:
    cli("mtl", *args).usage_error(*fragments)


def test_an_unparsable_number_is_one_error_line_from_the_installed_script(tasknas_process) -> None:
    outcome = tasknas_process.run("mtl", "--dataset", "multimnist", "--limit", "abc")
    outcome.usage_error("'--limit'", "integer", "got 'abc'")


def test_a_search_run_folder_is_refused_as_out(cli, tmp_path) -> None:
    """``export`` reads a search run's folder as the run, not as this network."""
    (tmp_path / "run.sqlite").write_bytes(b"")
    outcome = cli("mtl", "--dataset", "multimnist", *TINY, "--out", str(tmp_path))
    outcome.usage_error(f"{tmp_path} holds a search run (run.sqlite)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.sqlite"]
