"""Every training command on one device: exit code, seconds and what it produced.

The GPU check of issue 14: ``--device cuda`` must work for every command that trains. Each
command runs as a user would run it (``python -m tasknas ...``, a process of its own) on tiny
data and settings, one after the other, in a scratch folder:

- ``search --benchmark train`` (EMT-NAS on MNIST + Fashion-MNIST, weight-sharing supernets;
  KTNAS trains the same supernets and adds node2vec, which runs on the CPU),
- ``final`` on that run, twice into copies of it (the two results say whether a seeded
  final training is repeatable on the device), and ``export`` (retrains, then TorchScript),
- ``dictionary build``, ``dictionary add``, ``distance`` and ``fuse`` on a dictionary made
  with the tests' tiny TA-NAS settings (``tests/tiny_tanas.py``),
- ``mtl`` on MultiMNIST.

A command that fails is reported with the last line of its error output; the script goes on
with the next (``final`` and ``export`` need the search). Markdown and JSON go to ``--out``.

    python benchmarks/device_check.py --device cuda --out OUT
    python benchmarks/device_check.py --device cpu --out OUT      # the same on the CPU
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TINY_SEARCH = ["--channels", "4", "--layers", "2", "--n-train", "256", "--budget", "4"]
TINY_MTL = ["--n-train", "64", "--n-test", "32", "--epochs", "1", "--pretrain-epochs", "0"]


def _tasknas(args: list[str], log: Path) -> tuple[int, float, str]:
    """Run ``tasknas ARGS`` in a process of its own: (exit code, seconds, stdout)."""
    env = {**os.environ, "NO_COLOR": "1", "TERM": "dumb"}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "tasknas", *args], capture_output=True, text=True, env=env
    )
    seconds = time.perf_counter() - began
    with log.open("a", encoding="utf-8") as file:
        file.write(f"$ tasknas {' '.join(args)}\n{done.stdout}{done.stderr}\n")
    return done.returncode, seconds, done.stdout if done.returncode == 0 else done.stderr


def _summary(name: str, output: str) -> str:
    """What a command produced, in a few words (its JSON's main numbers where it has some)."""
    try:
        data: Any = json.loads(output)
    except ValueError:
        lines = [line for line in output.strip().splitlines() if line.strip()]
        return lines[0][:160] if lines else ""  # an error, or a command's first line
    if name.startswith("final") and isinstance(data, dict):
        rows = data.get("tasks", data)
        if isinstance(rows, dict):
            return ", ".join(
                f"{task} test {row.get('test_acc', 0):.2f} %"
                for task, row in rows.items()
                if isinstance(row, dict)
            )
    if name == "search" and isinstance(data, dict):
        return ", ".join(
            f"{task} best val {row['objective']:.1f} % of {row['evaluations']}"
            for task, row in data.get("tasks", {}).items()
        )
    if name == "export" and isinstance(data, dict):
        return ", ".join(
            f"{n['task']} test {n['test_accuracy']:.1f} %, TorchScript matches "
            f"(largest difference {n['extra']['check']['max_abs_diff']:.1e})"
            for n in data.get("networks", [])
        )
    if isinstance(data, dict):
        keys = ("test_error", "gate_entropy", "best", "distances", "tasks", "entries")
        return "; ".join(f"{k}: {json.dumps(data[k])[:80]}" for k in keys if k in data)
    return json.dumps(data)[:160]


def _tiny_dictionary(folder: Path, device: str) -> None:
    """A one-task dictionary made with the tests' tiny settings on ``device``; the CLI
    commands on it then run that small too (a dictionary keeps its settings)."""
    import dataclasses

    sys.path.insert(0, str(ROOT / "tests"))
    from tasknas.tanas import TaskDictionary
    from tiny_tanas import TINY

    TaskDictionary(folder).build(["mnist:0"], settings=dataclasses.replace(TINY, device=device))


def _write(out: Path, device: str, rows: list[dict[str, Any]]) -> str:
    """Write the rows so far as ``device_check.md`` and ``.json`` in ``out``; the markdown."""
    import torch

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none"
    lines = [
        f"# Every training command with --device {device}",
        "",
        f"- torch {torch.__version__}, CUDA {torch.version.cuda}, GPU {gpu}, "
        f"Python {sys.version.split()[0]}",
        "",
        "| command | exit | seconds | result |",
        "|---|---|---|---|",
        *(f"| {r['command']} | {r['rc']} | {r['seconds']:.1f} | {r['result']} |" for r in rows),
        "",
    ]
    text = "\n".join(lines)
    (out / "device_check.md").write_text(text, encoding="utf-8")
    (out / "device_check.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--keep", type=Path, default=None, help="work here and keep it")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    work = args.keep or Path(tempfile.mkdtemp(prefix="device-check-"))
    work.mkdir(parents=True, exist_ok=True)
    log = args.out / "device_check.log"
    device = ["--device", args.device]
    run, dictionary = work / "search", work / "dictionary"
    checks: list[tuple[str, list[str]]] = [
        ("search", ["search", "--benchmark", "train", "--tasks", "mnist,fashion_mnist",
                    "--strategy", "emtnas", *TINY_SEARCH, *device, "--out", str(run), "--json"]),
        ("final", ["final", str(work / "final1"), "--epochs", "2", "--n-train", "1000",
                   *device, "--json"]),
        ("final again", ["final", str(work / "final2"), "--epochs", "2", "--n-train", "1000",
                         *device, "--json"]),
        ("export", ["export", str(run), "--quick", "--task", "mnist", *device, "--json"]),
        ("dictionary build", ["dictionary", "build", "--tasks", "mnist:0,mnist:1", "--dir",
                              str(dictionary), *device, "--json"]),
        ("dictionary add", ["dictionary", "add", "fashion_mnist:1", "--dir", str(dictionary),
                            *device]),
        ("distance", ["distance", "--target", "mnist:2", "--dir", str(dictionary), *device,
                      "--json"]),
        ("fuse", ["fuse", "--target", "mnist:2", "--dir", str(dictionary), "--rounds", "1",
                  "--final-epochs", "1", *device, "--json"]),
        ("mtl", ["mtl", "--dataset", "multimnist", *TINY_MTL, *device, "--plot",
                 str(work / "mtl.png"), "--json"]),
    ]  # fmt: skip
    rows: list[dict[str, Any]] = []
    for name, command in checks:
        if name == "final":  # both finals start from the same finished search
            for copy in ("final1", "final2"):
                if run.is_dir():
                    shutil.copytree(run, work / copy, dirs_exist_ok=True)
        if name == "dictionary build" and not dictionary.exists():
            began = time.perf_counter()
            _tiny_dictionary(dictionary, args.device)
            seconds = time.perf_counter() - began
            name_ = "TaskDictionary.build (library, tiny settings)"
            rows.append({"command": name_, "rc": 0, "seconds": seconds, "result": "mnist:0"})
        rc, seconds, output = _tasknas(command, log)
        errors = [line for line in output.splitlines() if line.strip()]
        result = (errors or [""])[-1][:200] if rc else _summary(name, output)
        row = {"command": name, "rc": rc, "seconds": seconds, "result": result}
        rows.append(row)
        print(f"{name}: exit {rc}, {seconds:.1f} s, {row['result']}", flush=True)
        _write(args.out, args.device, rows)  # after each command: a stopped check keeps its rows
    print(_write(args.out, args.device, rows))
    if args.keep is None:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
