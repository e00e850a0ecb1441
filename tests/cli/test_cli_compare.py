"""``tasknas compare``: the JSON contract, the table, the figures and bad input."""

from __future__ import annotations

from pathlib import Path

import pytest

STRATEGY_KEYS = {
    "evals_to_optimum_mean",
    "evals_to_optimum_std",
    "found_optimum",
    "best_objective_mean",
    "percentile_mean",
}


def test_compare_json_contract(cli) -> None:
    outcome = cli(
        "compare",
        "--benchmark",
        "transnas-micro",
        "--tasks",
        "class_scene,room_layout",
        "--strategies",
        "random,re",
        "--seeds",
        "2",
        "--budget",
        "30",
        "--json",
    )
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["benchmark"] == "transnas-micro"
    assert set(data["results"]) == {"random", "re"}
    for per_task in data["results"].values():
        assert set(per_task) == {"class_scene", "room_layout"}
        for row in per_task.values():
            assert set(row) >= STRATEGY_KEYS
            assert 0 <= row["found_optimum"] <= 2
            assert 0 <= row["percentile_mean"] <= 100
            if row["found_optimum"] == 0:
                assert row["evals_to_optimum_mean"] is None
            else:
                assert 1 <= row["evals_to_optimum_mean"] <= 30
        assert per_task["room_layout"]["best_objective_mean"] < 0  # a loss, maximised negated


def test_compare_table_and_figures(cli, tmp_path: Path) -> None:
    outcome = cli(
        "compare",
        "--tasks",
        "cifar10,cifar100",
        "--strategies",
        "re,ktnas-random",
        "--seeds",
        "2",
        "--budget",
        "40",
        "--plots",
        str(tmp_path / "figs"),
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert "cifar100" in outcome.stdout and "ktnas-random" in outcome.stdout
    for name in ("convergence.png", "positive_transfer.png", "task_correlations.png"):
        assert (tmp_path / "figs" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--strategies", "nope"], "unknown strategy 'nope'"),
        (["--strategies", "re", "--seeds", "0"], "--seeds must be >= 1"),
        (["--strategies", "re", "--budget", "0"], "budget must be a positive"),
        (["--strategies", "re", "--tasks", "mnist"], "unknown task 'mnist'"),
    ],
)
def test_compare_bad_input(cli, args: list[str], needle: str) -> None:
    outcome = cli("compare", *args)
    assert outcome.exit_code == 2
    assert needle in outcome.error_line()
