"""Export check: the TorchScript file of a trained run against the tasknas network.

    OMP_NUM_THREADS=1 python benchmarks/export_check.py RUN_DIR [--full]

Retrains the run's first task with ``tasknas final``'s quick settings (``--full``: its
default settings), writes the TorchScript file, and prints the largest difference of the
logits and the share of equal predictions on the test split, the file size, and the load and
inference times of the file in a fresh process that imports only torch (``python -I``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from tasknas.export import exportables, plain_graph, write_network

# a fresh process: load the file and time it, importing nothing but torch
_FRESH = """
import sys, time, warnings
t0 = time.perf_counter()
import torch
warnings.simplefilter("ignore")
t1 = time.perf_counter()
m = torch.jit.load(sys.argv[1]).eval()
t2 = time.perf_counter()
x = torch.load(sys.argv[2])
with torch.no_grad():
    m(x[:1])
    t3 = time.perf_counter()
    m(x)
    t4 = time.perf_counter()
ms = lambda s: f"{1000 * s:.0f} ms"
print(f"import torch {t1 - t0:.2f} s, torch.jit.load {ms(t2 - t1)}, first call (1 image) "
      f"{ms(t3 - t2)}, {len(x)} images {ms(t4 - t3)} ({len(x) / (t4 - t3):.0f} images/s)")
"""


def main() -> None:
    run, quick = sys.argv[1], "--full" not in sys.argv
    item = exportables(run, quick=quick)[0]
    test = item.test
    assert test is not None
    out = Path(tempfile.mkdtemp()) / "net.pt"
    write_network(plain_graph(item.network), test.x[:2], "torchscript", out, title="t", version="0")
    with torch.no_grad():
        ref = item.network.eval()(test.x)  # the tasknas network, fast CPU path on (default)
        scripted = torch.jit.load(str(out)).eval()(test.x)
    same = 100 * float((ref.argmax(1) == scripted.argmax(1)).float().mean())
    print(f"task {item.card.task}: {len(test.x)} test images")
    print(f"test accuracy {item.card.test_accuracy:.2f} %")
    print(f"max abs logit difference {float((ref - scripted).abs().max()):.3g}")
    print(f"same predictions {same:.2f} %, file size {out.stat().st_size / 1024:.0f} KiB")
    inputs = out.with_name("x.pt")
    torch.save(test.x, inputs)
    command = [sys.executable, "-I", "-c", _FRESH, str(out), str(inputs)]
    print(subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip())
    with torch.no_grad():
        item.network(test.x)
        start = time.perf_counter()
        item.network(test.x)
        seconds = time.perf_counter() - start
    print(f"tasknas network in-process (fast CPU path): {len(test.x) / seconds:.0f} images/s")


if __name__ == "__main__":
    main()
