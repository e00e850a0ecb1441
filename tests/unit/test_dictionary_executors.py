"""Dictionary builds through executors: tasks built in worker processes give the entries and
ε-networks of a one-process build (at the same torch thread count), and an executor that runs
in this process reports each task's steps."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import torch

from tasknas.errors import InvalidSettingError
from tasknas.execution import LocalExecutor
from tasknas.execution._base import torch_threads
from tasknas.tanas import TaskDictionary
from tiny_tanas import BASES, TINY

#: Two tasks: one per worker of the parallel build.
TASKS = BASES[:2]


def _assert_same_dictionaries(ours: TaskDictionary, theirs: TaskDictionary) -> None:
    assert ours.names() == theirs.names()
    timing = {"seconds": 0.0, "created": ""}
    for mine, other in zip(ours.entries(), theirs.entries(), strict=True):
        assert dataclasses.replace(mine, **timing) == dataclasses.replace(other, **timing)
        expected = theirs.load_epsnet(other.name).state_dict()
        for name, value in ours.load_epsnet(mine.name).state_dict().items():
            assert torch.equal(value, expected[name]), (mine.name, name)


@pytest.mark.slow
def test_workers_build_the_entries_of_one_process_at_two_threads(tmp_path: Path) -> None:
    # Training rounds differently with 1 and 2 torch threads (the ε-networks' last bits):
    # each worker must train with the building process's count, not a share of it.
    messages: list[str] = []
    with torch_threads(2):
        one = TaskDictionary(tmp_path / "one")
        one.build(TASKS, settings=TINY)
        two = TaskDictionary(tmp_path / "two")
        two.build(
            TASKS, settings=TINY, workers=2, progress=lambda m, done, total: messages.append(m)
        )
    _assert_same_dictionaries(two, one)
    # tasks built in the workers of the process executor: progress counts whole tasks
    assert messages[0] == f"building {len(TASKS)} tasks"
    assert sorted(m for m in messages if m.endswith(" done")) == sorted(
        f"{name} done" for name in one.names()
    )


def test_an_in_process_executor_reports_each_step(
    tiny_dictionary: TaskDictionary, tmp_path: Path
) -> None:
    copy = TaskDictionary(shutil.copytree(tiny_dictionary.root, tmp_path / "copy"))
    messages: list[str] = []
    with LocalExecutor() as executor:
        copy.build(
            TASKS[1:],
            rebuild=True,
            executor=executor,
            progress=lambda m, done, total: messages.append(m),
        )
    _assert_same_dictionaries(copy, tiny_dictionary)  # rebuilt in place, the same
    assert len(messages) > 1 and all(m.startswith("[1/1] ") for m in messages)


def test_an_executor_and_workers_together_are_refused(tmp_path: Path) -> None:
    dictionary = TaskDictionary(tmp_path / "d")
    with pytest.raises(InvalidSettingError, match="both an executor and workers=2"):
        dictionary.build(TASKS, settings=TINY, executor=LocalExecutor(), workers=2)
    assert not dictionary.root.exists()  # refused before anything is written
