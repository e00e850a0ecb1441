"""User ``.npz`` image files are size-checked before loading: a deflate bomb or a header
declaring a huge shape is refused with one line, never a MemoryError (issue 17, item 7).

Cases per command: search (``--benchmark train`` on a user ``.npz``): 2 (a deflate bomb, a
header declaring a huge shape: one line, exit 2); library ``load_image_file``: 7 (the limit
from the environment and from the parameter, counted over every array, a file under it
loads, a raw member bomb, a huge declared shape without allocating, a bad limit refused)."""

from __future__ import annotations

import re
import struct
import zipfile
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from tasknas.cli import app
from tasknas.errors import DataFileError, InvalidSettingError
from tasknas.tasks import load_image_file

ENV = "TASKNAS_MAX_NPZ_BYTES"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
#: 8 MB of zeros: compresses to a few kB, over the 1 MB limit the tests set.
BOMB_SHAPE = (10_000, 28, 28)
BOMB_BYTES = 10_000 * 28 * 28
LIMIT = 1_000_000


def _small_arrays(n: int) -> dict[str, np.ndarray]:
    return {"y_train": np.zeros(n, dtype=np.int64), "classes": np.array(["a", "b"])}


@pytest.fixture
def bomb(tmp_path: Path) -> Path:
    path = tmp_path / "bomb.npz"
    images = np.zeros(BOMB_SHAPE, dtype=np.uint8)
    np.savez_compressed(path, x_train=images, **_small_arrays(len(images)))
    assert path.stat().st_size < 100_000
    return path


def _npy_header(shape: tuple[int, ...], descr: str = "|u1") -> bytes:
    """A version 1.0 ``.npy`` header, written by hand."""
    text = f"{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}"
    length = len(text) + 1
    text += " " * (-(10 + length) % 64) + "\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text.encode("latin1")


#: 2**50 bytes (1 PiB) declared by a member of a few hundred bytes.
HUGE_SHAPE = (2**25, 2**25)


@pytest.fixture
def huge_header(tmp_path: Path) -> Path:
    path = tmp_path / "huge.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x_train.npy", _npy_header(HUGE_SHAPE) + b"\0" * 64)
        for key, array in _small_arrays(4).items():
            with archive.open(f"{key}.npy", "w") as member:
                np.lib.format.write_array(member, array)
    return path


def _refusal(error: pytest.ExceptionInfo[DataFileError], path: Path, array: str) -> str:
    message = str(error.value)
    assert "\n" not in message
    assert str(path) in message and f"'{array}'" in message and ENV in message
    return message


def test_deflate_bomb_is_refused_by_the_environment_limit(bomb: Path, monkeypatch):
    monkeypatch.setenv(ENV, str(LIMIT))
    with pytest.raises(DataFileError) as error:
        load_image_file(bomb)
    message = _refusal(error, bomb, "x_train")
    assert str(BOMB_SHAPE) in message and f"limit of {LIMIT:,} bytes" in message


def test_deflate_bomb_is_refused_by_the_parameter(bomb: Path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(DataFileError) as error:
        load_image_file(bomb, max_bytes=LIMIT)
    assert f"limit of {LIMIT:,} bytes" in _refusal(error, bomb, "x_train")


def test_the_limit_counts_every_array_together(bomb: Path, monkeypatch):
    """Each array alone is under the limit, all together they are over it."""
    monkeypatch.setenv(ENV, str(BOMB_BYTES + 1000))
    with pytest.raises(DataFileError) as error:
        load_image_file(bomb)
    assert "with the arrays before it" in str(error.value)
    monkeypatch.setenv(ENV, str(10 * BOMB_BYTES))
    assert load_image_file(bomb).x["train"].shape == BOMB_SHAPE


def test_a_file_under_the_default_limit_loads(bomb: Path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    assert load_image_file(bomb).x["train"].shape == BOMB_SHAPE


def test_a_raw_member_bomb_is_refused(tmp_path: Path, monkeypatch):
    """A member that is not a .npy array counts by its uncompressed size."""
    path = tmp_path / "raw.npz"
    np.savez(path, x_train=np.zeros((4, 2, 2), np.uint8), **_small_arrays(4))
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("junk", b"\0" * (2 * LIMIT))
    monkeypatch.setenv(ENV, str(LIMIT))
    with pytest.raises(DataFileError, match="over the limit") as error:
        load_image_file(path)
    _refusal(error, path, "junk")


def test_huge_declared_shape_is_refused_without_allocating(huge_header: Path, monkeypatch):
    monkeypatch.delenv(ENV, raising=False)
    with pytest.raises(DataFileError) as error:
        load_image_file(huge_header)
    message = _refusal(error, huge_header, "x_train")
    assert f"{2**50:,} bytes" in message and str(HUGE_SHAPE) in message


def test_a_bad_limit_is_refused(bomb: Path, monkeypatch):
    monkeypatch.setenv(ENV, "2GB")
    with pytest.raises(InvalidSettingError, match=f"{ENV}.*'2GB'"):
        load_image_file(bomb)


@pytest.mark.parametrize("which", ["bomb", "huge_header"])
def test_cli_refuses_with_one_line(which: str, request, monkeypatch):
    path: Path = request.getfixturevalue(which)
    monkeypatch.delenv(ENV, raising=False)
    runner = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb", ENV: str(LIMIT)})
    result = runner.invoke(app, ["mtl", "--dataset", str(path), "--json"])
    assert not isinstance(result.exception, MemoryError)
    assert result.exit_code == 2, (result.stdout, result.stderr, result.exception)
    assert result.stdout == ""
    lines = [line for line in ANSI.sub("", result.stderr).splitlines() if line.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("error: ") and "'x_train'" in lines[0] and ENV in lines[0]
