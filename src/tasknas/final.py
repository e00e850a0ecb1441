"""Final training of a run: retrain each task's best architecture and report test accuracy.

``finalize_run`` reads a run directory of a training benchmark (``--benchmark train``),
retrains the best architecture of every task from scratch with the run's data and network
settings for more epochs (``tasknas.benchmarks.train.final_train``), and ``write_final_report``
writes ``final.md`` and ``final.json`` into the run directory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasknas._json import dumps
from tasknas.benchmarks import TRAINING_BENCHMARKS
from tasknas.errors import InvalidSettingError
from tasknas.experiment import RunSettings

if TYPE_CHECKING:
    from tasknas.benchmarks.train import FinalResult

__all__ = ["FINAL_EPOCHS", "final_markdown", "finalize_run", "write_final_report"]

#: Epochs of a final training when none are given (CPU-sized).
FINAL_EPOCHS = 10


def finalize_run(
    run_dir: str | Path,
    *,
    epochs: int = FINAL_EPOCHS,
    overrides: Mapping[str, Any] | None = None,
    on_task: Callable[[str, str], None] | None = None,
) -> tuple[RunSettings, list[FinalResult]]:
    """Retrain the best architecture of each task of the run in ``run_dir``.

    ``overrides`` replace the run's network and data settings (``channels``, ``n_train``,
    ``device``, ...); ``on_task(task, arch)`` is called before each training. Tasks
    without a successful evaluation are skipped.

    Raises:
        RunStoreError: no readable run in ``run_dir``.
        InvalidSettingError: the run's benchmark does not train networks.
    """
    from tasknas.benchmarks.train import ImageEvaluator, check_final_data, final_train
    from tasknas.report import load_run

    report = load_run(run_dir)
    bench = report.benchmark
    if not isinstance(bench, ImageEvaluator):
        raise InvalidSettingError(
            f"final training needs a run of a training benchmark "
            f"({', '.join(TRAINING_BENCHMARKS)}); {run_dir} ran {report.settings.benchmark!r}"
        )
    settings = {**bench.settings(), **dict(overrides or {})}
    check_final_data(list(report.result.tasks), space=bench.space, **settings)  # before training
    results = []
    for task, outcome in report.result.tasks.items():
        if outcome.best_arch is None:
            continue
        if on_task is not None:
            on_task(task, outcome.best_arch)
        results.append(
            final_train(outcome.best_arch, task, space=bench.space, epochs=epochs, **settings)
        )
    return report.settings, results


def final_markdown(run_dir: Path, settings: RunSettings, results: Sequence[FinalResult]) -> str:
    """The markdown report of a final training."""
    from tasknas.report import markdown_cell

    options = ", ".join(f"{k}={v}" for k, v in sorted(settings.benchmark_options.items()))
    lines = [
        f"# Final training of run `{run_dir.name}`",
        "",
        f"- benchmark: `{settings.benchmark}` ({options or 'default options'}); "
        f"strategy: `{settings.strategy}`; seed: {settings.seed}; budget: {settings.budget}",
        f"- each task's best architecture retrained from scratch for "
        f"{results[0].epochs if results else 0} epochs",
        "",
        "| task | architecture | validation (%) | test (%) | parameters | seconds |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            f"| {markdown_cell(r.task)} | {markdown_cell(r.arch, code=True)} | "
            f"{r.val_acc:.2f} | {r.test_acc:.2f} | {r.params:,} | {r.seconds:.1f} |"
        )
    return "\n".join([*lines, ""])


def write_final_report(
    run_dir: str | Path, settings: RunSettings, results: Sequence[FinalResult]
) -> list[Path]:
    """Write ``final.md`` and ``final.json`` into ``run_dir``; return their paths."""
    run_dir = Path(run_dir)
    md, js = run_dir / "final.md", run_dir / "final.json"
    md.write_text(final_markdown(run_dir, settings, results), encoding="utf-8")
    js.write_text(dumps([r.to_dict() for r in results]), encoding="utf-8")
    return [md, js]
