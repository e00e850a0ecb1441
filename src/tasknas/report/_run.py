"""A finished (or interrupted) run read back from its directory, and its per-task rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tasknas.errors import DataFileError, RunStoreError
from tasknas.evaluator import AnyEvaluator, Oracle
from tasknas.experiment import RunSettings, load_settings, open_benchmark
from tasknas.runner import RunResult, summarize
from tasknas.storage import STORE_FILE, SQLiteStore


@dataclass(frozen=True)
class RunReport:
    """A run directory's settings, results and benchmark (an ``Oracle`` when tabular)."""

    run_dir: Path
    settings: RunSettings
    result: RunResult
    benchmark: AnyEvaluator

    def best_tasks(self) -> list[str]:
        """The run's tasks that have a best architecture, in the run's order.

        Raises:
            RunStoreError: no task has one: nothing to retrain or export.
        """
        found = [t for t, outcome in self.result.tasks.items() if outcome.best_arch is not None]
        if not found:
            limit = self.settings.max_params
            why = (
                f"every architecture proposed was over --max-params {limit:,}"
                if limit is not None
                else "the run stopped before its first evaluation"
            )
            raise RunStoreError(
                f"{self.run_dir} holds no evaluated architecture ({why}); nothing to retrain "
                "or export"
            )
        return found


def load_run(run_dir: str | Path) -> RunReport:
    """Read the run stored in ``run_dir`` (raises ``RunStoreError`` naming a bad store)."""
    run_dir = Path(run_dir)
    saved = load_settings(run_dir)
    benchmark = open_benchmark(saved)
    settings = saved.resolved_with(benchmark)
    with SQLiteStore(run_dir / STORE_FILE) as store:
        records = store.records()
    return RunReport(run_dir, settings, summarize(records, settings.tasks), benchmark)


def task_rows(result: RunResult, benchmark: AnyEvaluator) -> dict[str, dict[str, Any]]:
    """Per task: best architecture, objective, metrics, evaluations, rank and percentile.

    Rank and percentile are ``None`` unless the benchmark is an ``Oracle`` (tabular). This
    is the shape of ``tasknas search --json``'s ``tasks`` object.
    """
    rows: dict[str, dict[str, Any]] = {}
    for name, res in result.tasks.items():
        row: dict[str, Any] = {
            "best_arch": res.best_arch,
            "objective": None,
            "metrics": {},
            "evaluations": res.evaluations,
            "rank": None,
            "percentile": None,
        }
        if res.best is not None and res.best_arch is not None:
            row.update(objective=res.best.objective, metrics=dict(res.best.metrics))
            if isinstance(benchmark, Oracle):
                arch = benchmark.space.parse(res.best_arch)
                row.update(
                    rank=benchmark.rank(arch, name), percentile=benchmark.percentile(arch, name)
                )
        rows[name] = row
    return rows


def write_report(run_dir: str | Path, out_dir: str | Path | None = None) -> list[Path]:
    """Write ``convergence.png``, ``pareto.png`` (each task's front of metric vs parameters,
    for a benchmark that counts parameters), ``cells.png`` (each task's best cell, for a space
    with cells) and ``summary.md`` for the run in ``run_dir``.

    Returns the paths written (into ``out_dir``, default ``run_dir``).

    Raises:
        DataFileError: a file cannot be written (a full disk, a folder in its place).
    """
    from tasknas.report._cells import CELLS_FILE, draw_run_cells
    from tasknas.report._convergence import plot_convergence
    from tasknas.report._pareto import plot_pareto
    from tasknas.report._summary import markdown_summary

    report = load_run(run_dir)
    out = Path(out_dir) if out_dir is not None else report.run_dir
    md = out / "summary.md"
    try:
        out.mkdir(parents=True, exist_ok=True)
        md.write_text(markdown_summary(report), encoding="utf-8")
    except OSError as error:
        raise DataFileError(f"cannot write {md}: {error.strerror or error}") from None
    png = plot_convergence(report, out / "convergence.png")
    pareto = plot_pareto(report, out / "pareto.png")  # None: the benchmark counts no params
    cells = draw_run_cells(report, out / CELLS_FILE)  # None: no cells to draw
    return [png, *(p for p in (pareto, cells) if p is not None), md]
