"""``tasknas search``, ``info`` and ``report`` on valid input (in process)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import matplotlib.image
import pytest

from tasknas import get_benchmark

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NB201_TASKS = ("cifar10", "cifar100", "ImageNet16-120")


@pytest.fixture(scope="module")
def default_run(cli, tmp_path_factory: pytest.TempPathFactory):
    run_dir = tmp_path_factory.mktemp("default") / "run"
    outcome = cli("search", "--out", str(run_dir), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    return run_dir, outcome


def test_search_json_defaults_follow_the_contract(default_run, store_rows):
    run_dir, outcome = default_run
    data = outcome.json()  # stdout is exactly one JSON object
    assert data["run_dir"] == str(run_dir)
    settings = (data["benchmark"], data["strategy"], data["seed"], data["budget"])
    assert settings == ("nb201", "mtbo", 0, 100)
    assert list(data["tasks"]) == list(NB201_TASKS)
    bench = get_benchmark("nb201")
    rows = store_rows(run_dir)
    assert len(rows) == 3 * 100
    for task, row in data["tasks"].items():
        assert isinstance(row["best_arch"], str)
        assert isinstance(row["objective"], float)
        assert isinstance(row["metrics"], dict)
        assert type(row["evaluations"]) is int
        assert type(row["rank"]) is int
        assert row["evaluations"] == 100  # the default budget, fully used
        assert 1 <= row["rank"] <= bench.space.size
        # the reported numbers are the benchmark's numbers for the reported architecture
        arch = bench.space.parse(row["best_arch"])
        truth = bench.evaluate(arch, task)
        assert row["metrics"] == dict(truth.metrics)
        assert row["objective"] == truth.objective == row["metrics"]["valid_acc"]
        assert row["rank"] == bench.rank(arch, task)
        # ... and the best of what the run evaluated on that task
        own = [r for r in rows if r[1] == task]
        assert len(own) == 100
        assert len({r[2] for r in own}) == 100  # distinct architectures
        assert row["objective"] == max(r[4] for r in own)
        assert row["best_arch"] in {r[2] for r in own if r[4] == row["objective"]}


def test_search_table_prints_every_task(cli, tmp_path: Path, store_rows):
    outcome = cli("search", "--out", str(tmp_path / "run"), "--budget", "12", "--seed", "1")
    assert outcome.exit_code == 0, outcome.stderr
    for task in NB201_TASKS:
        assert task in outcome.stdout
    assert "tasknas report" in outcome.stdout
    assert len(store_rows(tmp_path / "run")) == 3 * 12


def test_search_transnas_random_with_a_loss_task(cli, tmp_path: Path, store_rows):
    run_dir = tmp_path / "tn"
    outcome = cli(
        "search",
        "--benchmark",
        "transnas-micro",
        "--tasks",
        "room_layout,class_scene",
        "--budget",
        "20",
        "--strategy",
        "random",
        "--out",
        str(run_dir),
        "--json",
    )
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["benchmark"] == "transnas-micro"
    assert data["strategy"] == "random"
    assert list(data["tasks"]) == ["room_layout", "class_scene"]
    room = data["tasks"]["room_layout"]
    assert room["evaluations"] == 20
    assert room["metrics"]["valid_l2_loss"] > 0
    assert room["objective"] < 0
    assert room["objective"] == -room["metrics"]["valid_l2_loss"]
    # the best is the *lowest* loss evaluated
    rows = store_rows(run_dir)
    losses = [json.loads(r[5])["valid_l2_loss"] for r in rows if r[1] == "room_layout"]
    assert len(losses) == 20
    assert room["metrics"]["valid_l2_loss"] == min(losses)
    scene = data["tasks"]["class_scene"]
    assert scene["evaluations"] == 20
    assert scene["objective"] == scene["metrics"]["valid_top1"] > 0
    assert scene["rank"] >= 1


def test_info_json_lists_benchmarks_strategies_and_spaces(cli):
    outcome = cli("info", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    benchmarks = data["benchmarks"]
    assert list(benchmarks["nb201"]["tasks"]) == list(NB201_TASKS)
    micro = benchmarks["transnas-micro"]["tasks"]
    assert {"class_scene", "class_object", "room_layout"} <= set(micro)
    assert micro["room_layout"]["direction"] == "min"
    assert benchmarks["nb201"]["tasks"]["cifar10"]["direction"] == "max"
    assert {"random", "re"} <= set(data["strategies"])
    assert [n for n, s in data["strategies"].items() if s["default"]] == ["mtbo"]
    assert data["spaces"]["nb201"]["size"] == 15625
    assert data["spaces"]["transnas-micro"]["size"] == 4096
    for bench in benchmarks.values():
        assert bench["space"] in data["spaces"]
    assert {"local", "process"} <= set(data["executors"])


def test_info_table_names_everything(cli):
    outcome = cli("info")
    assert outcome.exit_code == 0, outcome.stderr
    for name in ("nb201", "transnas-micro", "cifar100", "room_layout", "random", "re", "process"):
        assert name in outcome.stdout


def _check_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = matplotlib.image.imread(path)
    assert image.ndim == 3
    assert image.shape[0] > 100
    assert image.shape[1] > 100
    assert image.std() > 0  # not a blank canvas


def test_report_writes_png_and_summary(cli, default_run):
    run_dir, search = default_run
    outcome = cli("report", str(run_dir))
    assert outcome.exit_code == 0, outcome.stderr
    assert "convergence.png" in outcome.stdout
    _check_png(run_dir / "convergence.png")
    summary = (run_dir / "summary.md").read_text(encoding="utf-8")
    for task, row in search.json()["tasks"].items():
        assert f"| {task} |" in summary
        assert row["best_arch"].replace("|", "\\|") in summary  # escaped in the table
    assert "evaluations recorded: 300" in summary


def test_report_out_dir_and_partial_task_list(cli, tmp_path: Path):
    run_dir, out_dir = tmp_path / "run", tmp_path / "report"
    searched = cli("search", "--out", str(run_dir), "--tasks", "cifar100", "--budget", "15")
    assert searched.exit_code == 0, searched.stderr
    outcome = cli("report", str(run_dir), "--out", str(out_dir))
    assert outcome.exit_code == 0, outcome.stderr
    _check_png(out_dir / "convergence.png")
    summary = (out_dir / "summary.md").read_text(encoding="utf-8")
    assert "| cifar100 |" in summary
    assert "cifar10 |" not in summary.replace("cifar100 |", "")
    assert not (run_dir / "convergence.png").exists()


def test_resume_of_a_finished_run_changes_nothing(cli, tmp_path: Path, store_rows):
    run_dir = tmp_path / "run"
    first = cli("search", "--out", str(run_dir), "--budget", "30", "--seed", "5", "--json")
    assert first.exit_code == 0, first.stderr
    rows = store_rows(run_dir)
    again = cli("search", "--out", str(run_dir), "--resume", "--json")
    assert again.exit_code == 0, again.stderr
    assert again.json()["tasks"] == first.json()["tasks"]
    assert again.json()["seed"] == 5
    assert store_rows(run_dir) == rows
    assert all(math.isfinite(r[4]) for r in rows)


def test_two_default_runs_in_the_same_second_get_two_folders(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, store_rows
) -> None:
    import types

    import tasknas.experiment

    clock = types.SimpleNamespace(strftime=lambda fmt: "20261204-225813")
    monkeypatch.setattr(tasknas.experiment, "time", clock)
    env = {"TASKNAS_RUNS_DIR": str(tmp_path)}
    args = ("search", "--strategy", "re", "--tasks", "cifar10", "--budget", "5", "--json")
    first, second = cli(*args, env=env), cli(*args, env=env)
    assert (first.exit_code, second.exit_code) == (0, 0), second.stderr
    name = "nb201-re-seed0-20261204-225813"
    runs = [Path(outcome.json()["run_dir"]) for outcome in (first, second)]
    assert runs == [tmp_path / name, tmp_path / f"{name}-2"]
    assert store_rows(runs[0]) == store_rows(runs[1])
    assert len(store_rows(runs[0])) == 5


def test_the_report_command_in_the_footer_pastes_as_it_is(cli, tmp_path: Path) -> None:
    import shlex

    run_dir = tmp_path / "my runs" / "it's"
    outcome = cli("search", "--strategy", "random", "--budget", "2", "--out", str(run_dir))
    assert outcome.exit_code == 0, outcome.stderr
    command = outcome.stdout.rsplit("`", 2)[-2]
    assert shlex.split(command) == ["tasknas", "report", str(run_dir)]
