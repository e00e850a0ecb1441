"""Where final trainings stopped: each task's epochs run, kept epoch and test accuracy, read
from the ``final.json`` of run folders, with the trainings that ``final``'s early-epoch
warning flags (``EarlyStopping.kept_early``: ended early, keeping an epoch of the schedule's
first half). No training.

    python benchmarks/final_epochs.py RUN_DIR [RUN_DIR ...] --out OUT

Writes ``OUT/final_epochs.md`` and ``.json`` (one row per run folder and task).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tasknas.training import EarlyStopping


def rows(run_dirs: list[Path]) -> list[dict[str, object]]:
    """One row per (run folder, task) of every ``final.json`` among ``run_dirs``."""
    found = []
    for run in run_dirs:
        final = json.loads((run / "final.json").read_text(encoding="utf-8"))
        for task, r in final["tasks"].items():
            found.append(
                {
                    "run": str(run),
                    "task": task,
                    "device": r.get("device", "–"),
                    "epochs": r["epochs"],
                    "epochs_run": r["epochs_run"],
                    "best_epoch": r["best_epoch"],
                    "test_acc": r["test_acc"],
                    "flagged": EarlyStopping.kept_early(
                        r["epochs_run"], r["best_epoch"], r["epochs"]
                    ),
                }
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run_dirs", type=Path, nargs="+")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    missing = [str(d) for d in args.run_dirs if not (d / "final.json").is_file()]
    if missing:
        parser.error(f"no final.json in {', '.join(missing)}")
    table = rows(args.run_dirs)
    stopped = [r for r in table if r["epochs_run"] < r["epochs"]]
    lines = [
        "# Final trainings: epochs run and kept",
        "",
        f"{len(table)} trainings; {len(stopped)} stopped early; "
        f"{sum(bool(r['flagged']) for r in table)} flagged by the early-epoch warning.",
        "",
        "| run | task | device | epochs run / planned | kept epoch | test (%) | flagged |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r['run']} | {r['task']} | {r['device']} | {r['epochs_run']} / {r['epochs']} | "
            f"{r['best_epoch']} | {r['test_acc']:.2f} | {'yes' if r['flagged'] else ''} |"
            for r in table
        ),
        "",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "final_epochs.md").write_text("\n".join(lines), encoding="utf-8")
    (args.out / "final_epochs.json").write_text(json.dumps(table, indent=1), encoding="utf-8")
    print("\n".join(lines[:3]))


if __name__ == "__main__":
    main()
