"""Fixtures shared by every test directory."""

from __future__ import annotations

import signal
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """One intra-op thread: the tests' tiny networks gain nothing from more, and extra threads
    thrash on a busy 2-core machine (a Fisher test took 143 s instead of 14 s)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session", autouse=True)
def sigint_as_in_a_terminal() -> Iterator[None]:
    """Ctrl-C delivered to the processes the tests start, as in a terminal. A test run started
    in the background by a shell (``pytest &``, ``nohup``) inherits SIGINT *ignored*, and an
    ignored signal stays ignored across ``exec``: every ``tasknas`` a test started would then
    run through a Ctrl-C, and the interrupt tests failed with exit 0. A handler, unlike an
    ignore, is reset to the default in a new program."""
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, previous)


@pytest.fixture(autouse=True)
def _runs_dir_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Default output folders (``$TASKNAS_RUNS_DIR``) in the test's own temporary folder, so
    that no test writes into the checkout (``./runs``) or sees another test's files."""
    monkeypatch.setenv("TASKNAS_RUNS_DIR", str(tmp_path / "default-runs"))


@pytest.fixture(scope="module", autouse=True)
def _restore_tasknas_logger() -> Iterator[None]:
    """The CLI configures the ``tasknas`` logger; undo it so other tests see it untouched."""
    import logging

    logger = logging.getLogger("tasknas")
    handlers, level = list(logger.handlers), logger.level
    yield
    logger.handlers[:] = handlers
    logger.setLevel(level)


@pytest.fixture(scope="session")
def tiny_dictionary(tmp_path_factory: pytest.TempPathFactory):
    """A tiny three-task TA-NAS dictionary (``tiny_tanas``), built once per session.

    Shared by the unit and CLI tests: copy the folder before changing it.
    """
    from tasknas.tanas import TaskDictionary
    from tiny_tanas import BASES, TINY

    dictionary = TaskDictionary(tmp_path_factory.mktemp("tanas") / "dictionary")
    dictionary.build(BASES, settings=TINY)
    return dictionary
