"""``tasknas fuse --quick``: the published FUSE retraining instead of the dictionary's."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

import tasknas.tanas._pipeline as pipeline
from tasknas.oneshot import FuseSettings
from tasknas.tanas import TaskDictionary
from tiny_tanas import TINY


@pytest.fixture
def retrainings(monkeypatch: pytest.MonkeyPatch) -> list[tuple[FuseSettings, int]]:
    """Each FUSE search's settings and the training images of its retraining task."""
    seen: list[tuple[FuseSettings, int]] = []
    real = pipeline.fuse_search

    def recording(*args: Any, **kwargs: Any) -> Any:
        seen.append((kwargs["settings"], len(kwargs["retrain_task"].train)))
        return real(*args, **kwargs)

    monkeypatch.setattr(pipeline, "fuse_search", recording)
    return seen


#: The dictionary's stored retraining: early stopping, shifts, 200 training images.
LONG = dataclasses.replace(
    TINY,
    final_n_train=200,
    target_fuse=dataclasses.replace(
        TINY.target_fuse, final_epochs=3, final_patience=1, final_shift=1
    ),
)


@pytest.fixture
def long_dictionary(tiny_dictionary: TaskDictionary, tmp_path: Path) -> Path:
    """A copy of the tiny dictionary whose stored settings retrain as ``LONG``."""
    folder = Path(shutil.copytree(tiny_dictionary.root, tmp_path / "dictionary"))
    index = folder / "index.json"
    data = json.loads(index.read_text())
    data["settings"] = LONG.to_dict()
    index.write_text(json.dumps(data))
    return folder


def test_quick_retrains_as_the_published_fuse(
    cli, long_dictionary: Path, retrainings: list[tuple[FuseSettings, int]]
) -> None:
    args = ("fuse", "--target", "quickdraw4:cat", "--dir", str(long_dictionary), "--json")
    plain = cli(*args, "--rounds", "1")
    assert plain.exit_code == 0, plain.stderr
    quick = cli(*args, "--rounds", "1", "--quick", "--final-epochs", "2")
    assert quick.exit_code == 0, quick.stderr
    (stored, n_stored), (fast, n_fast) = retrainings
    assert (stored.final_epochs, stored.final_patience, stored.final_shift) == (3, 1, 1)
    assert n_stored == 200
    assert (fast.final_epochs, fast.final_patience, fast.final_shift) == (2, None, 0)
    assert n_fast == TINY.n_train
    assert quick.json()["arch"] == plain.json()["arch"]  # the search itself is unchanged


def test_mirror_reaches_the_retraining_and_is_refused_with_quick(
    cli, long_dictionary: Path, retrainings: list[tuple[FuseSettings, int]]
) -> None:
    args = ("fuse", "--target", "quickdraw4:cat", "--dir", str(long_dictionary), "--json")
    mirrored = cli(*args, "--rounds", "1", "--mirror")
    assert mirrored.exit_code == 0, mirrored.stderr
    ((stored, _),) = retrainings
    assert stored.final_mirror and (stored.final_shift, stored.final_patience) == (1, 1)
    assert list(mirrored.json()) == ["target", "closest", "arch", "test_error", "params"]
    cli(*args, "--mirror", "--quick").usage_error("--mirror", "--quick")
    assert len(retrainings) == 1  # refused before any search


def test_final_stem_stride_reaches_the_retraining_and_the_kept_network(
    cli, long_dictionary: Path, retrainings: list[tuple[FuseSettings, int]], tmp_path: Path
) -> None:
    args = ("fuse", "--target", "quickdraw4:cat", "--dir", str(long_dictionary), "--json")
    keep = tmp_path / "kept"
    done = cli(*args, "--rounds", "1", "--final-stem-stride", "1", "--out", str(keep))
    assert done.exit_code == 0, done.stderr
    ((stored, _),) = retrainings
    assert stored.final_stem_stride == 1 and stored.final_shift == 1  # the rest: the dictionary's
    assert json.loads((keep / "network.json").read_text())["stem_stride"] == 1
    bad = cli(*args, "--final-stem-stride", "3")
    bad.usage_error("final_stem_stride", "3")
    assert len(retrainings) == 1  # refused before any search
