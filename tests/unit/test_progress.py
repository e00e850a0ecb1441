"""The one progress shape (``tasknas._progress``): ``progress(message, done, total)``."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from tasknas._progress import Tracker, prefixed
from tasknas.compare import compare_strategies
from tasknas.errors import InvalidSettingError
from tasknas.tasks import TensorData
from tasknas.training import ProgressCallback, Trainer


def test_tracker_counts_and_nests() -> None:
    calls: list[tuple[str, int, int]] = []
    tracker = Tracker(lambda *call: calls.append(call), 5)
    tracker.step("a")
    inner = tracker.nested()
    assert inner is not None
    inner("b", 2, 3)
    assert calls == [("a", 1, 5), ("b", 3, 5)]
    assert Tracker(None, 3).nested() is None
    Tracker(None, 3).step("nothing to report to")


def test_prefixed() -> None:
    calls: list[tuple[str, int, int]] = []
    report = prefixed(lambda *call: calls.append(call), "[1/2] ")
    assert report is not None
    report("x", 1, 4)
    assert calls == [("[1/2] x", 1, 4)]
    assert prefixed(None, "p") is None


def test_compare_reports_each_run_in_the_one_shape() -> None:
    calls: list[tuple[str, int, int]] = []
    compare_strategies(
        "nb201", ["random", "re"], seeds=2, budget=3, progress=lambda *c: calls.append(c)
    )
    assert calls == [
        ("random seed 0", 1, 4),
        ("random seed 1", 2, 4),
        ("re seed 0", 3, 4),
        ("re seed 1", 4, 4),
    ]


@pytest.mark.parametrize(
    ("per", "expected"),
    [
        ("batch", [("fit", done, 4) for done in range(1, 5)]),
        ("epoch", [("fit epoch 1/2", 1, 2), ("fit epoch 2/2", 2, 2)]),
    ],
)
def test_progress_callback_reports_batches_or_epochs(per: str, expected: list) -> None:
    data = TensorData(torch.randn(8, 3), torch.randint(0, 2, (8,)))
    calls: list[tuple[str, int, int]] = []
    callback = ProgressCallback(lambda *c: calls.append(c), "fit", per=per)  # type: ignore[arg-type]
    Trainer(epochs=2, batch_size=4, callbacks=[callback]).fit(nn.Linear(3, 2), data)
    assert calls == expected


def test_progress_callback_refuses_an_unknown_unit() -> None:
    with pytest.raises(InvalidSettingError, match="valid choices: batch, epoch"):
        ProgressCallback(print, per="step")  # type: ignore[arg-type]


def test_a_failing_body_leaves_no_bar_and_no_blank_line(monkeypatch) -> None:
    """Off a terminal rich's Progress prints its last render and a newline when it stops;
    after an error the error line must stay the only output."""
    import io

    from rich.console import Console

    from tasknas.cli import _common

    stream = io.StringIO()
    # a console of its own: setting the shared one's ``file`` would pin it to this stream's
    # predecessor after the test (``Console.file`` resolves ``sys.stderr`` when unset)
    monkeypatch.setattr(_common, "err", Console(file=stream, stderr=True))
    with pytest.raises(ValueError, match="boom"), _common.progress_bar(False) as report:
        report("working", 1, 3)
        raise ValueError("boom")
    assert stream.getvalue() == ""
