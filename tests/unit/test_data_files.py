"""Benchmark tables that are missing or damaged give a ``DataFileError`` naming the file."""

from __future__ import annotations

import gzip
import shutil
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from tasknas.benchmarks import DATA_ENV, get_benchmark
from tasknas.errors import DataFileError

BUNDLED = resources.files("tasknas.benchmarks") / "data"
ARCH = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|"


def _evaluate(data_dir: Path | None = None) -> None:
    bench = get_benchmark("nb201", data_dir=data_dir)
    bench.evaluate(bench.space.parse(ARCH), "cifar10")


def test_missing_file_names_it_and_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(DataFileError) as info:
        _evaluate(tmp_path)
    message = str(info.value)
    assert str(tmp_path / "nb201_tss.csv.gz") in message
    assert "not found" in message and DATA_ENV in message


def test_environment_variable_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_ENV, str(tmp_path))
    with pytest.raises(DataFileError, match="not found") as info:
        _evaluate()
    assert str(tmp_path / "nb201_tss.csv.gz") in str(info.value)


def test_explicit_folder_with_a_copy_is_used(tmp_path: Path) -> None:
    with resources.as_file(BUNDLED / "tnb101_micro.csv.gz") as source:
        shutil.copy(source, tmp_path / "tnb101_micro.csv.gz")
    copy = get_benchmark("transnas-micro", data_dir=tmp_path)
    bundled = get_benchmark("transnas-micro")
    assert copy.path == tmp_path / "tnb101_micro.csv.gz"
    arch = bundled.space.sample(np.random.default_rng(0))
    assert copy.evaluate(arch, "jigsaw") == bundled.evaluate(arch, "jigsaw")


def _damaged(tmp_path: Path, how: str) -> None:
    with resources.as_file(BUNDLED / "nb201_tss.csv.gz") as source:
        data = source.read_bytes()
    if how == "not-gzip":
        data = b"arch_str,cifar10_valid_acc\n"
    elif how == "truncated":
        data = data[: len(data) // 2]
    elif how == "flipped-bytes":
        middle = bytearray(data)
        for i in range(5000, 5200):
            middle[i] ^= 0xFF
        data = bytes(middle)
    (tmp_path / "nb201_tss.csv.gz").write_bytes(data)


@pytest.mark.parametrize("how", ["not-gzip", "truncated", "flipped-bytes"])
def test_corrupted_gzip(tmp_path: Path, how: str) -> None:
    _damaged(tmp_path, how)
    with pytest.raises(DataFileError) as info:
        _evaluate(tmp_path)
    assert str(tmp_path / "nb201_tss.csv.gz") in str(info.value)


def _write_table(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with gzip.open(path, "wt") as handle:
        handle.write(",".join(header) + "\n")
        for row in rows:
            handle.write(",".join(row) + "\n")


def test_missing_column(tmp_path: Path) -> None:
    _write_table(tmp_path / "nb201_tss.csv.gz", ["arch_str", "cifar10_valid_acc"], [[ARCH, "1"]])
    with pytest.raises(DataFileError, match="lacks column") as info:
        _evaluate(tmp_path)
    assert "cifar10_test_acc" in str(info.value)


def test_wrong_row_count(tmp_path: Path) -> None:
    bench = get_benchmark("nb201")
    columns = ["arch_str"]
    for spec in bench.spec.tasks:
        columns += [c.column for c in spec.metrics.values()]
    columns = list(dict.fromkeys(columns))
    _write_table(tmp_path / "nb201_tss.csv.gz", columns, [[ARCH] + ["1.0"] * (len(columns) - 1)])
    with pytest.raises(DataFileError, match="has 1 rows") as info:
        _evaluate(tmp_path)
    assert "15625" in str(info.value)


def test_non_numeric_value(tmp_path: Path) -> None:
    bench = get_benchmark("nb201")
    columns = ["arch_str"]
    for spec in bench.spec.tasks:
        columns += [c.column for c in spec.metrics.values()]
    columns = list(dict.fromkeys(columns))
    _write_table(tmp_path / "nb201_tss.csv.gz", columns, [[ARCH] + ["n/a"] * (len(columns) - 1)])
    with pytest.raises(DataFileError, match="column") as info:
        _evaluate(tmp_path)
    assert str(tmp_path / "nb201_tss.csv.gz") in str(info.value)


def test_creating_a_benchmark_reads_nothing(tmp_path: Path) -> None:
    bench = get_benchmark("nb201", data_dir=tmp_path)  # no error until the table is needed
    assert list(bench.tasks) == ["cifar10", "cifar100", "ImageNet16-120"]
