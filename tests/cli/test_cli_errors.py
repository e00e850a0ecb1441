"""Bad input: exit code 2, one line on stderr naming the bad value and the valid choices,
and nothing written or changed on disk."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def finished_run(cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("finished") / "run"
    outcome = cli("search", "--out", str(run_dir), "--budget", "8", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    return run_dir


@pytest.fixture
def run_copy(finished_run: Path, tmp_path: Path) -> Path:
    """A private copy of a small finished run (seed 0, budget 8, every NB201 task)."""
    return Path(shutil.copytree(finished_run, tmp_path / "run"))


BAD_SETTINGS = {
    "unknown-benchmark": (["--benchmark", "nope"], ["'nope'", "choices: nb201, transnas-micro"]),
    "unknown-task": (["--tasks", "cifar10,foo"], ["'foo'", "cifar10, cifar100, ImageNet16-120"]),
    "task-of-another-benchmark": (
        ["--benchmark", "transnas-micro", "--tasks", "cifar10"],
        ["'cifar10'", "class_scene", "class_object", "room_layout"],
    ),
    "task-name-with-brackets": (["--tasks", "[oops]"], ["'[oops]'", "cifar10"]),
    "unknown-strategy": (["--strategy", "nope"], ["'nope'", "valid choices: random, re"]),
    "budget-0": (["--budget", "0"], ["budget", "got 0"]),
    "budget-negative": (["--budget", "-3"], ["budget", "got -3"]),
    "seed-negative": (["--seed", "-1"], ["seed", "got -1"]),
    "unknown-executor": (["--executor", "nope"], ["'nope'", "valid choices: local, process"]),
    "process-0-workers": (["--executor", "process", "--workers", "0"], ["workers", "got 0"]),
    "local-2-workers": (["--executor", "local", "--workers", "2"], ["workers=2", "process"]),
    "ray-0-workers": (["--executor", "ray", "--workers", "0"], ["workers", "got 0"]),
    "bad-ray-address": (
        ["--executor", "ray", "--address", "nowhere"],
        ["'nowhere'", "'auto', 'HOST:PORT' or 'ray://HOST:PORT'"],
    ),
    "delay-infinite": (["--delay", "inf"], ["delay", "got inf"]),
    "delay-too-long-to-sleep": (
        ["--delay", "1e10"],
        ["delay must be <= 86400", "got 10000000000.0"],
    ),
    "address-without-ray": (
        ["--executor", "process", "--address", "auto"],
        ["address='auto'", "connect to a cluster: ray"],
    ),
}


@pytest.mark.parametrize(("args", "fragments"), BAD_SETTINGS.values(), ids=BAD_SETTINGS.keys())
def test_bad_search_setting(cli, tmp_path: Path, args, fragments):
    run_dir = tmp_path / "run"
    outcome = cli("search", "--out", str(run_dir), "--json", *args)
    outcome.usage_error(*fragments)
    assert not run_dir.exists()  # nothing half-made is left behind
    # executor errors surface when the run starts: the directory must still be free to use
    if args[0] == "--executor":  # (no Ray started: a bad setting is refused before)
        fixed = cli("search", "--out", str(run_dir), "--json", "--budget", "2")
        assert fixed.exit_code == 0, fixed.stderr


def test_existing_run_dir_without_resume_is_refused_and_untouched(cli, run_copy, store_rows):
    store = run_copy / "run.sqlite"
    rows, digest = store_rows(run_copy), _digest(store)
    for extra in ([], ["--seed", "1"], ["--budget", "20"]):
        outcome = cli("search", "--out", str(run_copy), "--json", "--budget", "8", *extra)
        outcome.usage_error(str(store), "already holds a run", "--resume")
    assert store_rows(run_copy) == rows
    assert _digest(store) == digest
    assert sorted(p.name for p in run_copy.iterdir()) == ["run.sqlite"]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["--seed", "1"], ["seed (stored 0, given 1)"]),
        (["--budget", "7"], ["cannot lower the budget", "from 8 to 7"]),
        (["--strategy", "random"], ["strategy (stored 'mtbo', given 'random')"]),
        (["--tasks", "cifar10"], ["tasks (stored", "given ('cifar10',)"]),
        (["--benchmark", "transnas-micro"], ["benchmark (stored 'nb201', given 'transnas-micro')"]),
    ],
)
def test_resume_with_other_settings_is_refused(cli, run_copy, store_rows, args, fragments):
    store = run_copy / "run.sqlite"
    rows, digest = store_rows(run_copy), _digest(store)
    outcome = cli("search", "--out", str(run_copy), "--resume", "--json", *args)
    outcome.usage_error(str(store), "cannot resume", *fragments)
    assert store_rows(run_copy) == rows
    assert _digest(store) == digest


def test_resume_needs_a_store(cli, tmp_path: Path):
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "missing"
    for run_dir in (empty, missing):
        outcome = cli("search", "--out", str(run_dir), "--resume", "--json")
        outcome.usage_error(str(run_dir / "run.sqlite"), "nothing to resume")
    assert list(empty.iterdir()) == []
    assert not missing.exists()
    outcome = cli("search", "--resume", "--json")
    outcome.usage_error("--resume needs --out")


def test_report_needs_a_store(cli, tmp_path: Path):
    outcome = cli("report", str(tmp_path))
    outcome.usage_error(str(tmp_path / "run.sqlite"))
    assert list(tmp_path.iterdir()) == []


def _garbage(store: Path) -> None:
    store.write_bytes(bytes(range(256)) * 16)


def _truncated(store: Path) -> None:
    store.write_bytes(store.read_bytes()[:4096])


def _scribbled(store: Path) -> None:
    """Valid header, later pages overwritten."""
    data = bytearray(store.read_bytes())
    data[4096:] = b"\xa5" * (len(data) - 4096)
    store.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", [_garbage, _truncated, _scribbled])
def test_corrupted_store(cli, run_copy, damage):
    store = run_copy / "run.sqlite"
    damage(store)
    digest = _digest(store)
    report = cli("report", str(run_copy))
    report.usage_error(str(store), "corrupted")
    resume = cli("search", "--out", str(run_copy), "--resume", "--json")
    resume.usage_error(str(store), "corrupted")
    assert _digest(store) == digest
    assert sorted(p.name for p in run_copy.iterdir()) == ["run.sqlite"]


@pytest.mark.parametrize(
    ("benchmark", "filename"),
    [("nb201", "nb201_tss.csv.gz"), ("transnas-micro", "tnb101_micro.csv.gz")],
)
def test_missing_benchmark_table(cli, tmp_path: Path, benchmark, filename):
    data_dir = tmp_path / "no-data"
    data_dir.mkdir()
    run_dir = tmp_path / "run"
    env = {"TASKNAS_BENCHMARK_DIR": str(data_dir)}
    outcome = cli("search", "--benchmark", benchmark, "--out", str(run_dir), "--json", env=env)
    outcome.usage_error(str(data_dir / filename), "TASKNAS_BENCHMARK_DIR")
    assert not run_dir.exists()
    # the same command in plain (table) mode: still one line, no progress bar first
    outcome = cli("search", "--benchmark", benchmark, "--out", str(run_dir), env=env)
    outcome.usage_error(filename)
    assert not run_dir.exists()


def test_report_with_missing_benchmark_table(cli, run_copy, tmp_path: Path):
    data_dir = tmp_path / "no-data"
    data_dir.mkdir()
    outcome = cli("report", str(run_copy), env={"TASKNAS_BENCHMARK_DIR": str(data_dir)})
    outcome.usage_error("nb201_tss.csv.gz", "TASKNAS_BENCHMARK_DIR")
    assert sorted(p.name for p in run_copy.iterdir()) == ["run.sqlite"]


def test_missing_ray_is_one_line_naming_the_extra(cli, tmp_path: Path, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    run_dir = tmp_path / "run"
    outcome = cli("search", "--out", str(run_dir), "--executor", "ray", "--json")
    line = outcome.usage_error()
    assert line == "error: executor 'ray' needs Ray: pip install 'tasknas[ray]'"
    assert not run_dir.exists()


def test_bad_executor_in_table_mode_is_one_line(cli, tmp_path: Path):
    outcome = cli("search", "--out", str(tmp_path / "run"), "--executor", "nope")
    outcome.usage_error("'nope'", "local, process")


def test_a_runs_folder_that_is_a_file_is_named_as_set(cli, tmp_path: Path):
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    outcome = cli("search", "--budget", "2", env={"TASKNAS_RUNS_DIR": str(afile)})
    outcome.usage_error(f"TASKNAS_RUNS_DIR {afile}", "is a file, not a folder")
    assert afile.read_text(encoding="utf-8") == "x"


def test_query_refuses_a_task_named_twice(cli):
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|none~1|none~2|"
    cli("query", arch, "--tasks", "cifar10,cifar10").usage_error("named twice", "cifar10")


def test_compare_refuses_a_seed_count_it_cannot_mean(cli):
    outcome = cli("compare", "--strategies", "random", "--seeds", "1000000000000", "--budget", "5")
    outcome.usage_error("seeds must be a count from 1 to 100,000", "1,000,000,000,000")


def test_a_report_file_that_cannot_be_written_is_one_line(cli, run_copy: Path):
    (run_copy / "summary.md").mkdir()
    outcome = cli("report", str(run_copy))
    outcome.usage_error(f"cannot write {run_copy / 'summary.md'}")


def test_compare_prints_its_results_before_a_plot_that_cannot_be_written(cli, tmp_path: Path):
    (tmp_path / "convergence.png").mkdir()
    args = ["--strategies", "random", "--seeds", "2", "--budget", "5", "--tasks", "cifar10"]
    outcome = cli("compare", *args, "--plots", str(tmp_path), "--json")
    assert outcome.exit_code == 2, outcome.stderr
    assert f"cannot write {tmp_path / 'convergence.png'}" in outcome.error_line()
    assert set(outcome.json()["results"]) == {"random"}  # the results are not lost
