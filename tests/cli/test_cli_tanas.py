"""``tasknas dictionary``, ``tasknas distance`` and ``tasknas fuse`` on a tiny dictionary."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tasknas.tanas import TANASSettings, TaskDictionary
from tiny_tanas import TINY

NAMES = ["mnist:0", "mnist:1", "fashion_mnist:Trouser"]


@pytest.fixture
def dictionary_dir(tiny_dictionary: TaskDictionary) -> Path:
    """The session's tiny dictionary of ``BASES`` (copy it before changing it)."""
    return tiny_dictionary.root


@pytest.fixture
def dictionary_copy(dictionary_dir: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(dictionary_dir, tmp_path / "dictionary"))


def test_list_json_and_table(cli, dictionary_dir: Path) -> None:
    data = cli("dictionary", "list", "--dir", str(dictionary_dir), "--json").json()
    assert data["dir"] == str(dictionary_dir)
    assert [t["name"] for t in data["tasks"]] == NAMES
    assert TANASSettings.from_dict(data["settings"]) == TINY
    table = cli("dictionary", "list", "--dir", str(dictionary_dir))
    assert table.exit_code == 0
    for name in NAMES:
        assert name in table.stdout


def test_default_dictionary_from_environment(cli, dictionary_dir: Path) -> None:
    outcome = cli(
        "dictionary", "list", "--json", env={"TASKNAS_DICTIONARY_DIR": str(dictionary_dir)}
    )
    assert [t["name"] for t in outcome.json()["tasks"]] == NAMES


def test_distance_json_shape(cli, dictionary_dir: Path) -> None:
    outcome = cli("distance", "--target", "mnist:1", "--dir", str(dictionary_dir), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert set(data) == {"target", "distances", "centred"}
    assert data["target"] == "mnist:1" and data["centred"] is False
    assert list(data["distances"]) == NAMES
    assert all(isinstance(d, float) for d in data["distances"].values())
    assert data["distances"]["mnist:1"] == pytest.approx(0.0, abs=1e-9)


def test_distance_centre(cli, dictionary_copy: Path, tmp_path: Path) -> None:
    from tasknas.tanas import TaskDictionary, dictionary_matrix

    args = ("distance", "--target", "quickdraw4:cat", "--dir", str(dictionary_copy), "--json")
    raw = cli(*args).json()["distances"]
    assert not (dictionary_copy / "base_offsets.json").exists()
    centred = cli(*args, "--centre").json()
    assert centred["centred"] is True
    # each base's offset is its mean distance to the dictionary's other tasks
    matrix = dictionary_matrix(TaskDictionary(dictionary_copy))
    offsets = {
        base: sum(matrix.distance(base, t) for t in NAMES if t != base) / (len(NAMES) - 1)
        for base in NAMES
    }
    for base in NAMES:
        assert centred["distances"][base] == pytest.approx(raw[base] - offsets[base], abs=1e-9)
    cache = dictionary_copy / "base_offsets.json"
    stored = json.loads(cache.read_text())["offsets"]
    assert stored == pytest.approx(offsets, abs=1e-9)
    # the heatmap path centres with the same offsets (and the raw matrix is drawn)
    plot = tmp_path / "centred.png"
    with_plot = cli(*args, "--centre", "--plot", str(plot)).json()
    assert with_plot["distances"] == pytest.approx(centred["distances"], abs=1e-9)
    # a changed dictionary invalidates the cached offsets
    cache.write_text(json.dumps({"index_sha256": "stale", "offsets": dict.fromkeys(NAMES, 9.0)}))
    again = cli(*args, "--centre").json()["distances"]
    assert again == pytest.approx(centred["distances"], abs=1e-9)


def test_distance_table_and_plot(cli, dictionary_dir: Path, tmp_path: Path) -> None:
    plot = tmp_path / "heatmap.png"
    outcome = cli(
        "distance", "--target", "quickdraw4:cat", "--dir", str(dictionary_dir), "--plot", str(plot)
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert plot.stat().st_size > 0
    for name in NAMES:
        assert name in outcome.stdout
    assert f"wrote {plot}" in outcome.stdout


def test_fuse_json_shape(cli, dictionary_dir: Path) -> None:
    args = ("fuse", "--target", "quickdraw4:cat", "--dir", str(dictionary_dir))
    outcome = cli(*args, "--json", "--rounds", "1", "--final-epochs", "1")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert list(data) == ["target", "closest", "arch", "test_error", "params"]
    assert data["target"] == "quickdraw4:cat"
    assert len(data["closest"]) == TINY.k and set(data["closest"]) <= set(NAMES)
    assert isinstance(data["arch"], str) and data["arch"].startswith("normal=")
    assert isinstance(data["test_error"], float) and 0.0 <= data["test_error"] <= 100.0
    assert isinstance(data["params"], int) and data["params"] > 0


def test_fuse_centre_and_k(cli, dictionary_copy: Path) -> None:
    """``--centre`` picks the closest tasks by centred distance, ``--k`` how many; the
    task-aware space starts from those tasks' cells."""
    base = ("--target", "mnist:2", "--dir", str(dictionary_copy), "--json")
    centred = cli("distance", *base, "--centre").json()["distances"]
    nearest = min(centred, key=lambda name: (centred[name], name))
    raw = cli("distance", *base).json()["distances"]
    by_raw = sorted(raw, key=lambda name: (raw[name], name))
    assert by_raw[0] != nearest  # on this target centring changes the closest task
    outcome = cli("fuse", *base, "--centre", "--k", "1", "--rounds", "1", "--final-epochs", "1")
    assert outcome.exit_code == 0, outcome.stderr
    assert outcome.json()["closest"] == [nearest]
    outcome = cli("fuse", *base, "--k", "3", "--rounds", "1", "--final-epochs", "1")
    assert outcome.json()["closest"] == by_raw[:3]
    table = cli("fuse", *base[:-1], "--centre", "--k", "1", "--rounds", "1", "--final-epochs", "1")
    assert table.exit_code == 0, table.stderr
    assert "closest tasks (centred distances)" in table.stdout and nearest in table.stdout
    bad = cli("fuse", *base, "--k", "0")
    assert bad.exit_code == 2 and "--k" in bad.stderr


def test_fuse_task_aware_edges(cli, dictionary_copy: Path) -> None:
    """``--space task-aware-edges``: the winner takes, on every edge, an operation and an
    input that one of the closest tasks' cells has there; the table shows the space's size."""
    from tasknas.spaces import get_space

    base = ("--target", "quickdraw4:cat", "--dir", str(dictionary_copy), "--k", "2")
    args = (*base, "--space", "task-aware-edges", "--rounds", "1", "--final-epochs", "1")
    outcome = cli("fuse", *args, "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    full = get_space("darts-tanas")
    cells = [
        full.parse(TaskDictionary(dictionary_copy).entry(n).best_cell) for n in data["closest"]
    ]
    allowed = [full.genes(cell) for cell in cells]
    for gene, value in full.genes(full.parse(data["arch"])).items():
        assert value in {genes[gene] for genes in allowed}, gene
    space = full.around(cells)
    table = cli("fuse", *args)
    assert table.exit_code == 0, table.stderr
    assert f"cells in the space │ {space.size:,}" in table.stdout.replace("|", "│")
    assert "task-aware-edges space" in table.stdout


def test_fuse_standard_space_table(cli, dictionary_dir: Path) -> None:
    outcome = cli(
        "fuse", "--target", "mnist:2", "--space", "standard", "--dir", str(dictionary_dir)
    )
    assert outcome.exit_code == 0, outcome.stderr
    assert "closest tasks" in outcome.stdout and "test error" in outcome.stdout


def test_build_add_remove(cli, dictionary_copy: Path) -> None:
    folder = str(dictionary_copy)
    skipped = cli("dictionary", "build", "--dir", folder, "--tasks", "mnist:0,mnist:1", "--json")
    assert skipped.exit_code == 0, skipped.stderr
    assert [t["name"] for t in skipped.json()["tasks"]] == NAMES
    removed = cli("dictionary", "remove", "fashion_mnist:1", "--dir", folder)
    assert removed.exit_code == 0 and "removed fashion_mnist:Trouser" in removed.stdout
    added = cli("dictionary", "add", "mnist:2", "--dir", folder)
    assert added.exit_code == 0, added.stderr
    assert TaskDictionary(dictionary_copy).names() == ["mnist:0", "mnist:1", "mnist:2"]


def test_build_new_dictionary(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A new dictionary gets the default settings; make them tiny.
    monkeypatch.setattr(TaskDictionary, "resolve_settings", lambda self, settings=None: TINY)
    folder = tmp_path / "new"
    outcome = cli("dictionary", "build", "--dir", str(folder), "--tasks", "mnist:3", "--json")
    assert outcome.exit_code == 0, outcome.stderr
    assert [t["name"] for t in outcome.json()["tasks"]] == ["mnist:3"]
    assert json.loads((folder / "index.json").read_text())["entries"][0]["name"] == "mnist:3"


@pytest.mark.parametrize("command", ["distance", "fuse"])
def test_missing_or_empty_dictionary(cli, command: str, tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    cli(command, "--target", "mnist:0", "--dir", str(missing)).usage_error(
        str(missing),
        "tasknas dictionary build",
    )
    assert not missing.exists()
    TaskDictionary(tmp_path / "empty").build([])
    cli(command, "--target", "mnist:0", "--dir", str(tmp_path / "empty")).usage_error(
        "no tasks",
        "tasknas dictionary build",
    )


def test_list_missing_dictionary(cli, tmp_path: Path) -> None:
    cli("dictionary", "list", "--dir", str(tmp_path / "none")).usage_error(
        "tasknas dictionary build"
    )


BAD_TARGETS = {
    "unknown-class": ("quickdraw4:dog", ["'dog'", "apple, bicycle, cat, diamond"]),
    "unknown-dataset": ("nope:1", ["'nope:1'", "mnist, fashion_mnist, quickdraw4"]),
    "missing-file": ("missing.npz:1", ["missing.npz", "not found"]),
}


@pytest.mark.parametrize("command", ["distance", "fuse"])
@pytest.mark.parametrize(("target", "fragments"), BAD_TARGETS.values(), ids=BAD_TARGETS.keys())
def test_bad_target(cli, dictionary_dir: Path, command: str, target: str, fragments) -> None:
    cli(command, "--target", target, "--dir", str(dictionary_dir)).usage_error(*fragments)


def test_bad_space_and_tasks(cli, dictionary_dir: Path) -> None:
    folder = str(dictionary_dir)
    cli("fuse", "--target", "quickdraw4:cat", "--space", "nope", "--dir", folder).usage_error(
        "'nope'",
        "task-aware, standard",
    )
    cli("dictionary", "build", "--dir", folder, "--tasks", "mnist:0,mnist:12").usage_error(
        "'12'",
        "class of mnist",
    )
    cli("dictionary", "remove", "mnist:7", "--dir", folder).usage_error("'mnist:7'", "mnist:0")
    cli("fuse", "--target", "mnist:0", "--rounds", "0", "--dir", folder).usage_error(
        "rounds", "got 0"
    )
    cli("fuse", "--target", "mnist:0", "--seed", "-1", "--dir", folder).usage_error(
        "seed", "got -1"
    )
    cli("dictionary", "build", "--seed", "-2", "--dir", folder).usage_error("seed", "got -2")
    cli("dictionary", "build", "--workers", "0", "--dir", folder).usage_error("workers", "got 0")
    cli("distance", "--target", "mnist:0", "--threads", "0", "--dir", folder).usage_error(
        "threads",
        "got 0",
    )
    cli("distance", "--target", "mnist:0", "--device", "gpu", "--dir", folder).usage_error(
        "'gpu'",
        "cpu",
    )
    cli("distance", "--target", "pathmnist:0", "--dir", folder).usage_error("same input shape")


def test_corrupt_index(cli, dictionary_copy: Path) -> None:
    (dictionary_copy / "index.json").write_text("{broken")
    cli("dictionary", "list", "--dir", str(dictionary_copy)).usage_error(
        str(dictionary_copy / "index.json"),
        "corrupt",
    )


def test_fuse_task_aware_edges_with_one_cell_is_a_usage_error(cli, dictionary_dir: Path) -> None:
    args = ("--target", "quickdraw4:cat", "--dir", str(dictionary_dir), "--k", "1")
    outcome = cli("fuse", *args, "--space", "task-aware-edges", "--rounds", "1")
    assert outcome.exit_code == 2, outcome.stderr
    message = outcome.stderr.strip()
    assert "\n" not in message and "single cell" in message and "--k" in message


@pytest.mark.parametrize("command", [["build", "--tasks", "foo"], ["add", "foo:0"]])
def test_the_default_dictionary_folder_is_checked_like_dir(cli, tmp_path, command) -> None:
    """Without --dir the folder is $TASKNAS_DICTIONARY_DIR (set by the cli fixture): bad
    input is one line, and a file in the folder's place is named as the variable."""
    cli("dictionary", *command).usage_error("unknown image dataset 'foo")
    afile = tmp_path / "afile"
    afile.write_text("x", encoding="utf-8")
    outcome = cli("dictionary", *command, env={"TASKNAS_DICTIONARY_DIR": str(afile)})
    outcome.usage_error(f"TASKNAS_DICTIONARY_DIR {afile} is a file")


def test_fuse_refuses_a_search_run_folder_as_out(cli, dictionary_dir: Path, tmp_path) -> None:
    (tmp_path / "run.sqlite").write_bytes(b"")
    args = ("--target", "quickdraw4:cat", "--dir", str(dictionary_dir), "--rounds", "1")
    outcome = cli("fuse", *args, "--out", str(tmp_path))
    outcome.usage_error(f"{tmp_path} holds a search run (run.sqlite)")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.sqlite"]


def test_adding_a_task_already_present_says_it_was_kept(cli, dictionary_copy: Path) -> None:
    index = (dictionary_copy / "index.json").read_bytes()
    outcome = cli("dictionary", "add", NAMES[0], "--dir", str(dictionary_copy))
    assert outcome.exit_code == 0, outcome.stderr
    said = " ".join(outcome.stdout.split())  # a table title may wrap at spaces
    assert f"already in {dictionary_copy} (kept; --rebuild builds it again)" in said
    assert "added to" not in outcome.stdout
    assert (dictionary_copy / "index.json").read_bytes() == index
