"""What a NAS user expects of the command line: ``--version``, ``-v`` anywhere, help that
shows defaults and flags as flags, ``info`` listing every benchmark and data set, and
``tasknas runs`` (in process, on real runs)."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from pathlib import Path

import pytest
import typer

import tasknas
from tasknas.cli import app
from tasknas.tasks import image_datasets, multitask_datasets

SEARCH = ("search", "--benchmark", "nb201", "--strategy", "random", "--tasks", "cifar10")


def _commands() -> list[tuple[str, ...]]:
    """Every command path of the app: ``("search",)``, ``("dictionary", "list")``, ..."""
    paths: list[tuple[str, ...]] = []

    def walk(command, prefix: tuple[str, ...]) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            if getattr(sub, "commands", None):
                walk(sub, (*prefix, name))
            else:
                paths.append((*prefix, name))

    walk(typer.main.get_command(app), ())
    return sorted(paths)


COMMANDS = _commands()


def test_every_command_is_found():
    assert {("search",), ("info",), ("runs",), ("dictionary", "list"), ("fuse",)} <= set(COMMANDS)


# --- --version ---------------------------------------------------------------------------


def test_version_prints_the_package_version(cli):
    outcome = cli("--version")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.stdout == f"tasknas {tasknas.__version__}\n"
    assert outcome.stderr == ""


# --- -v anywhere -------------------------------------------------------------------------


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_takes_verbose(cli, path):
    outcome = cli(*path, "--help")
    assert outcome.exit_code == 0, outcome.stderr
    assert "-v, --verbose" in outcome.stdout


def test_verbose_after_the_command_logs_like_before_it(cli, tmp_path: Path):
    quiet = cli(*SEARCH, "--budget", "3", "--out", str(tmp_path / "quiet"), "--json")
    after = cli(*SEARCH, "--budget", "3", "--out", str(tmp_path / "after"), "--json", "-v")
    before = cli("-v", *SEARCH, "--budget", "3", "--out", str(tmp_path / "before"), "--json")
    for outcome in (quiet, after, before):
        assert outcome.exit_code == 0, outcome.stderr
        assert outcome.json()["tasks"]["cifar10"]["evaluations"] == 3
    assert "info: " not in quiet.stderr
    # stderr is not a terminal here: one plain line per record, ``info: MESSAGE``
    for outcome in (after, before):
        lines = [line for line in outcome.stderr.splitlines() if "evaluation 1 found" in line]
        assert len(lines) == 1 and lines[0].startswith("info: cifar10: evaluation 1 found")


def test_verbose_after_info_is_accepted(cli):
    outcome = cli("info", "--json", "--verbose")
    assert outcome.exit_code == 0, outcome.stderr
    assert "nb201" in outcome.json()["benchmarks"]


# --- --help ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_help_shows_flags_as_flags_and_no_markup(cli, path):
    text = cli(*path, "--help").stdout
    assert "<bool>" not in text
    assert "\\[" not in text  # an escaped bracket of rich markup, shown as is


def test_search_help_shows_defaults_once(cli):
    text = " ".join(cli("search", "--help").stdout.split())  # undo the wrapping
    for shown in (
        "[default: nb201]",  # written by hand: the flag's value is None until resolved
        "[default: CPU count]",  # computed
        "[default: local]",  # typer's, from the signature
        "[default: 0.0; x>=0.0]",
        "[default: darts-emtnas]",
    ):
        assert shown in text, shown
    assert text.count("[default: local") == 1
    assert "--json Print one JSON object" in text
    assert "--resume Continue" in text


# --- info --------------------------------------------------------------------------------


def test_info_json_lists_train_and_the_data_sets(cli):
    from tasknas.benchmarks.train import DEFAULT_SPACE
    from tasknas.tasks._multitask import _BUILDERS

    data = cli("info", "--json").json()
    train = data["benchmarks"]["train"]
    assert train["kind"] == "training"
    assert train["space"] == DEFAULT_SPACE and train["space"] in data["spaces"]
    assert train["tasks"] == {}
    assert "DATASET:CLASS" in train["task_specs"]
    assert train["default_strategy"] in data["strategies"]
    assert data["benchmarks"]["nb201"]["kind"] == "tabular"
    assert data["image_datasets"] == list(image_datasets())
    assert {"mnist", "fashion_mnist"} <= set(data["image_datasets"])
    assert data["multitask_datasets"] == list(multitask_datasets()) == list(_BUILDERS)
    # the keys from before are still there
    assert {"benchmarks", "spaces", "strategies", "executors"} <= set(data)


def test_info_table_lists_train_and_the_data_sets(cli):
    text = cli("info").stdout
    assert "train" in text and "image task" in text
    for name in (*image_datasets(), *multitask_datasets()):
        assert name in text, name


# --- runs --------------------------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def runs_dir(cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of real runs: two finished ones, one cut short, a foreign SQLite file, a file
    that is no database, and a folder without a store."""
    root = tmp_path_factory.mktemp("runs")
    for name, seed in (("done", "0"), ("done-seed1", "1")):
        outcome = cli(*SEARCH, "--budget", "3", "--seed", seed, "--out", str(root / name))
        assert outcome.exit_code == 0, outcome.stderr
    # a run killed after two of its three trials: the store holds only committed rows
    (root / "cut").mkdir()
    shutil.copy(root / "done" / "run.sqlite", root / "cut" / "run.sqlite")
    with sqlite3.connect(root / "cut" / "run.sqlite") as db:
        db.execute("DELETE FROM trials WHERE number = (SELECT MAX(number) FROM trials)")
    db.close()
    (root / "foreign").mkdir()
    with sqlite3.connect(root / "foreign" / "run.sqlite") as db:
        db.execute("CREATE TABLE notes (text TEXT)")
    db.close()
    (root / "garbage").mkdir()
    (root / "garbage" / "run.sqlite").write_bytes(b"not a database at all" * 10)
    (root / "no-store").mkdir()
    return root


def test_runs_json_lists_each_run_and_its_state(cli, runs_dir: Path):
    foreign = _digest(runs_dir / "foreign" / "run.sqlite")
    outcome = cli("runs", str(runs_dir), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["runs_dir"] == str(runs_dir)
    rows = {Path(row["run_dir"]).name: row for row in data["runs"]}
    assert list(rows) == ["cut", "done", "done-seed1", "foreign", "garbage"]
    done = rows["done"]
    assert (done["benchmark"], done["strategy"], done["tasks"]) == ("nb201", "random", ["cifar10"])
    assert (done["seed"], done["budget"], done["trials"], done["total"]) == (0, 3, 3, 3)
    assert done["finished"] is True and done["error"] is None
    assert done["state"] == "3 / 3 finished"
    assert rows["done-seed1"]["seed"] == 1
    cut = rows["cut"]
    assert (cut["trials"], cut["total"], cut["finished"]) == (2, 3, False)
    assert cut["state"] == "2 / 3 unfinished"
    assert "not a tasknas run store" in rows["foreign"]["error"]
    assert "not a tasknas store" in rows["garbage"]["error"]
    for name in ("foreign", "garbage"):
        row = rows[name]
        assert row["state"] == row["error"] and "\n" not in row["error"]
        assert row["benchmark"] is None and row["finished"] is None
    assert _digest(runs_dir / "foreign" / "run.sqlite") == foreign  # read, never written


def test_runs_table_has_no_traceback(cli, runs_dir: Path):
    outcome = cli("runs", str(runs_dir))
    assert outcome.exit_code == 0, outcome.stderr
    text = outcome.stdout
    assert "Traceback" not in text + outcome.stderr
    for fragment in ("done-seed1", "nb201", "random", "cifar10", "3 / 3 finished", "unfinished"):
        assert fragment in text, fragment
    assert "no-store" not in text


def test_runs_default_folder_is_the_runs_dir_env(cli, runs_dir: Path):
    outcome = cli("runs", "--json", env={"TASKNAS_RUNS_DIR": str(runs_dir)})
    assert outcome.exit_code == 0, outcome.stderr
    assert len(outcome.json()["runs"]) == 5


def test_runs_of_an_empty_folder(cli, tmp_path: Path):
    assert cli("runs", str(tmp_path), "--json").json() == {"runs_dir": str(tmp_path), "runs": []}
    assert f"no runs in {tmp_path}" in cli("runs", str(tmp_path)).stdout


def test_runs_of_a_missing_folder_is_one_line(cli, tmp_path: Path):
    cli("runs", str(tmp_path / "nope")).usage_error("no runs folder", "nope")


# --- the README documents every flag -------------------------------------------------------


def _command(path: tuple[str, ...]):
    command = typer.main.get_command(app)
    for name in path:
        command = command.commands[name]
    return command


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_the_readme_names_every_flag_of_every_command(path):
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    flags = {
        opt
        for param in _command(path).params
        for opt in (*param.opts, *param.secondary_opts)
        if opt.startswith("--") and opt != "--help"
    }
    missing = sorted(f for f in flags if f not in readme)
    assert not missing, f"tasknas {' '.join(path)}: {missing} not in README.md"
