"""``tasknas draw`` (in process): architecture strings and run directories drawn, bad input
refused on one line, and ``report`` drawing the best cells."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image
import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NB201 = (
    "|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|"
    "skip_connect~2|"
)
EMTNAS = (
    "normal=dw_conv_3x3~0,skip_connect~1|dil_conv_5x5~2,dw_conv_3x3~2|max_pool_3x3~0,"
    "avg_pool_3x3~3|dw_conv_7x7~4,skip_connect~1|dil_conv_3x3~5,dw_conv_5x5~0;"
    "reduce=max_pool_3x3~0,max_pool_3x3~1|avg_pool_3x3~2,skip_connect~0|dw_conv_5x5~1,"
    "dw_conv_5x5~3|dil_conv_7x7~4,max_pool_3x3~0|skip_connect~5,dil_conv_3x3~5"
)


def _check_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_MAGIC
    image = matplotlib.image.imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image.std() > 0


@pytest.fixture(scope="module")
def small_run(cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("draw") / "run"
    outcome = cli("search", "--out", str(run_dir), "--budget", "8", "--strategy", "random")
    assert outcome.exit_code == 0, outcome.stderr
    return run_dir


def test_draw_an_nb201_string_with_json(cli, tmp_path: Path):
    path = tmp_path / "cell.png"
    outcome = cli("draw", NB201, "--out", str(path), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["space"] == "nb201" and data["arch"] == NB201 and data["out"] == str(path)
    edges = {tuple(e) for e in data["cells"]["cell"]["edges"]}
    assert (1, 2, "avg_pool_3x3") in edges and (0, 3, "skip_connect") in edges
    assert len(edges) == 6
    _check_png(path)
    again = cli("draw", NB201, "--out", str(path))
    assert again.exit_code == 0
    assert f"overwrote {path}" in again.stderr
    assert f"wrote {path}" in again.stdout


def test_draw_a_darts_string_as_pdf(cli, tmp_path: Path):
    path = tmp_path / "cell.pdf"
    outcome = cli("draw", EMTNAS, "--out", str(path), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["space"] == "darts-emtnas"
    assert set(data["cells"]) == {"normal", "reduce"}
    assert path.read_bytes()[:4] == b"%PDF"


def test_draw_default_out_is_in_the_current_folder(cli, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    outcome = cli("draw", "64-41414-3_12_013")
    assert outcome.exit_code == 0, outcome.stderr
    written = list(tmp_path.glob("cell-transnas-micro-*.png"))
    assert len(written) == 1
    assert f"wrote {written[0].name}" in outcome.stdout
    _check_png(written[0])


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (("hello",), ("neither a run directory nor an architecture",)),
        (("|nor_conv_3x3~0|+|none~0|",), ("malformed NB201",)),
        ((NB201, "--space", "transnas-micro"), ("TransNAS",)),
        ((NB201, "--space", "nope"), ("nope",)),
        ((NB201, "--out", "cell.foo"), ("--out", "unknown figure format", ".png")),
    ],
)
def test_draw_bad_input_is_one_line(cli, args, fragments):
    cli("draw", *args).usage_error(*fragments)


def test_draw_out_folder_is_refused(cli, tmp_path: Path):
    cli("draw", NB201, "--out", str(tmp_path)).usage_error("is a folder")
    assert list(tmp_path.iterdir()) == []


def test_draw_a_folder_without_a_run(cli, tmp_path: Path):
    cli("draw", str(tmp_path)).usage_error("no run store")


def test_draw_a_run_directory(cli, small_run: Path, tmp_path: Path):
    path = tmp_path / "best.png"
    outcome = cli("draw", str(small_run), "--out", str(path), "--json")
    assert outcome.exit_code == 0, outcome.stderr
    data = outcome.json()
    assert data["space"] == "nb201"
    assert set(data["tasks"]) == {"cifar10", "cifar100", "ImageNet16-120"}
    for row in data["tasks"].values():
        assert row["arch"].startswith("|")
        ops = [e[2] for e in row["cells"]["cell"]["edges"]]
        assert "none" not in ops
    _check_png(path)
    default = cli("draw", str(small_run))
    assert default.exit_code == 0, default.stderr
    _check_png(small_run / "cells.png")
    cli("draw", str(small_run), "--space", "darts-tanas").usage_error("does not match")


def test_report_draws_the_best_cells(cli, small_run: Path, tmp_path: Path):
    outcome = cli("report", str(small_run), "--out", str(tmp_path))
    assert outcome.exit_code == 0, outcome.stderr
    assert f"wrote {tmp_path / 'cells.png'}" in outcome.stdout
    _check_png(tmp_path / "cells.png")
    assert "![best cell of each task](cells.png)" in (tmp_path / "summary.md").read_text()
