"""Folders named in a task dictionary's index.json must lie inside the dictionary: ``remove``
must not delete, and ``load_epsnet`` must not read, anything outside it (issue 17, item 1).

Cases per command: ``dictionary remove``: 2 (a folder outside the dictionary, absolute or
relative: one line, exit 2, nothing deleted); library ``TaskDictionary``: 10 (``remove`` and
``load_epsnet`` with a parent-relative, absolute or nested-relative folder, the dictionary
itself, a symlink out of it; a folder inside still used)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from tasknas.cli import app
from tasknas.errors import DataFileError
from tasknas.tanas import DictionaryEntry, TaskDictionary, build_epsnet
from tiny_tanas import TINY

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
TASK = "mnist:0"


def _entry(folder: str) -> DictionaryEntry:
    return DictionaryEntry(
        name=TASK,
        folder=folder,
        num_classes=2,
        in_channels=1,
        image_size=28,
        epsnet_accuracy=0.9,
        best_cell="cell",
        best_cell_test_error=10.0,
        best_cell_params=100,
        space="darts-tanas",
        seed=0,
        seconds=1.0,
        created="2024-01-01T00:00:00+0000",
        settings=TINY.to_dict(),
    )


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A folder beside the dictionary, holding a real ε-network file."""
    folder = tmp_path / "victim"
    folder.mkdir()
    model = build_epsnet(1, 2, 28, TINY)
    torch.save(model.state_dict(), folder / "epsnet.pt")
    return folder


def _dictionary(tmp_path: Path, folder: str) -> TaskDictionary:
    """A dictionary whose one entry names ``folder`` (written by hand, as an attacker would)."""
    root = tmp_path / "dictionary"
    root.mkdir()
    index = {"format": 1, "settings": TINY.to_dict(), "entries": [_entry(folder).to_dict()]}
    (root / "index.json").write_text(json.dumps(index), encoding="utf-8")
    return TaskDictionary(root)


#: How the bad folder is written in the index, given the victim folder and the dictionary root.
BAD_FOLDERS: dict[str, Callable[[Path, Path], str]] = {
    "parent-relative": lambda victim, root: "../victim",
    "absolute": lambda victim, root: str(victim),
    "nested-relative": lambda victim, root: "sub/../../victim",
    "the-dictionary-itself": lambda victim, root: ".",
}


@pytest.fixture(params=BAD_FOLDERS.values(), ids=BAD_FOLDERS.keys())
def bad(request, tmp_path: Path, victim: Path) -> tuple[TaskDictionary, str]:
    folder = request.param(victim, tmp_path / "dictionary")
    return _dictionary(tmp_path, folder), folder


def test_remove_refuses_a_folder_outside(bad, victim: Path):
    dictionary, folder = bad
    index = dictionary.index_path.read_bytes()
    with pytest.raises(DataFileError, match=re.escape(repr(folder))):
        dictionary.remove(TASK)
    assert (victim / "epsnet.pt").is_file()
    assert dictionary.index_path.read_bytes() == index  # the entry is kept, too


def test_remove_refuses_a_link_out_of_the_dictionary(tmp_path: Path, victim: Path):
    dictionary = _dictionary(tmp_path, "link")
    (dictionary.root / "link").symlink_to(victim, target_is_directory=True)
    with pytest.raises(DataFileError, match="'link'"):
        dictionary.remove(TASK)
    assert (victim / "epsnet.pt").is_file()


def test_load_epsnet_refuses_a_folder_outside(bad):
    dictionary, folder = bad
    with pytest.raises(DataFileError, match=re.escape(repr(folder))):
        dictionary.load_epsnet(TASK)


def test_a_folder_inside_is_still_used(tmp_path: Path, victim: Path):
    """The check refuses only what lies outside: a normal entry loads and is removed."""
    dictionary = _dictionary(tmp_path, "task-0")
    victim.rename(dictionary.root / "task-0")
    assert not dictionary.load_epsnet(TASK).training
    assert dictionary.remove(TASK).name == TASK
    assert not (dictionary.root / "task-0").exists()
    assert dictionary.names() == []


@pytest.mark.parametrize("how", ["parent-relative", "absolute"])
def test_cli_remove_refuses_with_one_line(how: str, tmp_path: Path, victim: Path):
    folder = BAD_FOLDERS[how](victim, tmp_path / "dictionary")
    dictionary = _dictionary(tmp_path, folder)
    runner = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb", "FORCE_COLOR": None})
    result = runner.invoke(app, ["dictionary", "remove", TASK, "--dir", str(dictionary.root)])
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    lines = [line for line in ANSI.sub("", result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and repr(folder) in lines[0]
    assert (victim / "epsnet.pt").is_file()
