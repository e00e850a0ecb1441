"""What a user reads is right: Markdown tables that keep their columns, per-task evaluation
numbers, objectives in their own units, JSON numbers without binary noise and exact
accuracies. Real runs on the bundled tables."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import torch

from tasknas._json import JSON_DIGITS, json_ready
from tasknas.benchmarks import get_benchmark
from tasknas.cli._common import best_values_text
from tasknas.experiment import RunSettings, run_experiment
from tasknas.final import final_markdown
from tasknas.oneshot.mtl import task_accuracies
from tasknas.report import load_run, markdown_cell, markdown_summary, write_report
from tasknas.tasks import TensorData
from tasknas.training import Trainer, accuracy

#: A cell border: a ``|`` that is not escaped.
BORDER = re.compile(r"(?<!\\)\|")
BUDGET = 6


def _table_rows(markdown: str) -> list[list[str]]:
    """Every table line of ``markdown`` split into its cells."""
    return [BORDER.split(line)[1:-1] for line in markdown.splitlines() if line.startswith("|")]


def _assert_tables_keep_their_columns(markdown: str) -> None:
    tables = [block for block in markdown.split("\n\n") if block.startswith("|")]
    assert tables
    for table in tables:
        widths = {len(cells) for cells in _table_rows(table)}
        assert len(widths) == 1, f"a row has a different number of cells:\n{table}"


@pytest.fixture(scope="module")
def nb201_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("report") / "run"
    settings = RunSettings(
        benchmark="nb201", tasks=("cifar10", "cifar100"), strategy="re", budget=BUDGET, seed=3
    )
    run_experiment(settings, run_dir)
    return run_dir


def test_summary_tables_keep_their_columns_with_nb201_architectures(
    nb201_run: Path, tmp_path: Path
) -> None:
    written = write_report(nb201_run, tmp_path)
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert tmp_path / "summary.md" in written
    _assert_tables_keep_their_columns(summary)
    report = load_run(nb201_run)
    for name, res in report.result.tasks.items():
        assert res.best_arch is not None and "|" in res.best_arch
        assert f"| {name} | `{res.best_arch.replace('|', chr(92) + '|')}` |" in summary


def test_final_md_escapes_with_the_same_helper(tmp_path: Path) -> None:
    arch = str(get_benchmark("nb201").best("cifar10"))
    from tasknas.benchmarks.train import FinalResult

    result = FinalResult(
        task="cifar10", arch=arch, val_acc=90.0, test_acc=89.5, params=1000, seconds=2.0, epochs=1
    )
    settings = RunSettings(benchmark="train", tasks=("cifar10",), strategy="re", budget=1)
    markdown = final_markdown(tmp_path, settings, [result])
    _assert_tables_keep_their_columns(markdown)
    assert markdown_cell(arch, code=True) in markdown
    assert markdown_cell("a|b\nc") == "a\\|b c"


def test_top_tables_number_evaluations_within_their_task(nb201_run: Path) -> None:
    report = load_run(nb201_run)
    summary = markdown_summary(report, top=BUDGET)
    for name, res in report.result.tasks.items():
        mine = [r for r in report.result.records if r.task == name]
        section = summary.split(f"## {name}: top {BUDGET}")[1].split("\n\n")[1]
        rows = _table_rows(section)[2:]  # below the header and its rule
        evaluations = [int(cells[1]) for cells in rows]
        assert sorted(evaluations) == list(range(1, BUDGET + 1))  # every evaluation, 1..budget
        for cells, evaluation in zip(rows, evaluations, strict=True):
            assert markdown_cell(mine[evaluation - 1].arch, code=True) == cells[2].strip()
        # the first row is where the convergence plot (x = evaluations of the task) reaches
        # the task's best
        first = evaluations[0]
        curve = res.best_so_far
        assert res.best is not None and curve[first - 1] == res.best.objective
        assert first == 1 or curve[first - 2] < res.best.objective


def test_a_loss_is_shown_as_a_loss_in_the_progress_text_and_the_summary(tmp_path: Path) -> None:
    bench = get_benchmark("transnas-micro")
    best = {t: bench.best_objective(t) for t in ("class_scene", "room_layout")}
    assert best["room_layout"] < 0  # stored negated, so that higher is better
    text = best_values_text(bench, best)
    assert text == f"class_scene={best['class_scene']:.4g} room_layout={-best['room_layout']:.4g}"
    settings = RunSettings(
        benchmark="transnas-micro", tasks=("room_layout",), strategy="re", budget=4, seed=0
    )
    result, _ = run_experiment(settings, tmp_path / "run")
    summary = markdown_summary(load_run(tmp_path / "run"))
    loss = result.tasks["room_layout"].best.metrics["valid_l2_loss"]  # type: ignore[union-attr]
    assert loss > 0
    arch = result.tasks["room_layout"].best_arch
    assert f"| room_layout | `{arch}` | valid_l2_loss | {loss:.4g} |" in summary


def test_json_rounding_drops_noise_and_keeps_every_table_value() -> None:
    assert json_ready({"m": [94.82235349999999, 100 * 0.57, 2 / 3, 7, None]}) == {
        "m": [94.8223535, 57.0, 0.666666666667, 7, None]
    }
    assert JSON_DIGITS >= 6  # statistics keep at least 6 significant digits
    for name in ("nb201", "transnas-micro"):
        bench = get_benchmark(name)
        for task in bench.tasks:
            values = bench.objectives(task).tolist()
            assert json_ready(values) == values  # the table's decimals, untouched


def test_accuracies_are_exact_fractions() -> None:
    y = torch.zeros(500, dtype=torch.long)
    logits = torch.zeros(500, 2)
    logits[474:, 1] = 1.0  # 474 of 500 rows right
    assert accuracy(logits, y) == 0.948  # a float32 mean gives 0.94800001382...
    model = torch.nn.Linear(2, 2)
    with torch.no_grad():
        model.weight.copy_(torch.eye(2))
        model.bias.zero_()
    scores = Trainer(batch_size=64).evaluate(model, TensorData(logits, y))
    assert scores["accuracy"] == 0.948
    assert task_accuracies(torch.cat([logits, logits], dim=1), y[:, None].repeat(1, 2), [2, 2]) == [
        94.8,
        94.8,
    ]
