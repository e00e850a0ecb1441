"""``--executor``, ``--workers`` and ``--address`` of ``tasknas compare`` and ``tasknas
dictionary build``: the same numbers with every executor, bad combinations refused on one line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tasknas.tanas import TaskDictionary

COMPARE = (
    "compare",
    "--benchmark",
    "transnas-micro",
    "--tasks",
    "class_scene,jigsaw",
    "--strategies",
    "random,re",
    "--seeds",
    "2",
    "--budget",
    "20",
    "--json",
)


def test_compare_gives_the_same_numbers_in_worker_processes(cli) -> None:
    local = cli(*COMPARE)
    assert local.exit_code == 0, local.stderr
    for flags in (["--workers", "2"], ["--executor", "process", "--workers", "2"]):
        parallel = cli(*COMPARE, *flags)
        assert parallel.exit_code == 0, parallel.stderr
        assert parallel.json() == local.json(), flags


@pytest.mark.parametrize(
    ("flags", "fragments"),
    [
        (["--executor", "local", "--workers", "2"], ["local executor", "workers=2", "process"]),
        (["--workers", "0"], ["workers must be >= 1, got 0"]),
        (["--executor", "nope"], ["unknown executor 'nope'", "local, process, ray"]),
        (["--executor", "process", "--address", "auto"], ["takes no address", "ray"]),
        (["--address", "auto"], ["executor 'local'", "takes no address"]),
    ],
)
def test_compare_refuses_bad_executor_flags(cli, flags: list[str], fragments: list[str]) -> None:
    cli(*COMPARE, *flags).usage_error(*fragments)


def test_dictionary_build_takes_the_executor_flags(
    cli, tiny_dictionary: TaskDictionary, tmp_path: Path
) -> None:
    folder = str(shutil.copytree(tiny_dictionary.root, tmp_path / "dictionary"))
    build = ("dictionary", "build", "--dir", folder, "--tasks", "mnist:0", "--json")
    present = cli(*build, "--executor", "process", "--workers", "2")  # nothing left to build
    assert present.exit_code == 0, present.stderr
    assert [t["name"] for t in present.json()["tasks"]] == tiny_dictionary.names()
    cli(*build, "--executor", "process", "--address", "auto").usage_error("takes no address")
    cli(*build, "--executor", "local", "--workers", "3").usage_error("local executor", "workers=3")
    cli(*build, "--executor", "nope").usage_error("unknown executor 'nope'")
