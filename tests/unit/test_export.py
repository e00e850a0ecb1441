"""``tasknas.export``: every space's network written in every format predicts what the
tasknas network predicts, and loads in a process where tasknas cannot be imported."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from tasknas.errors import InvalidSettingError, RunStoreError
from tasknas.export import (
    FORMATS,
    check_exported,
    load_trained,
    plain_graph,
    save_trained,
    write_network,
)
from tasknas.nn import MTLNetwork, VGGBackbone, build_network, fast_ops
from tasknas.spaces import get_space

HAS_ORT = importlib.util.find_spec("onnxruntime") is not None
SPACES = ("darts-emtnas", "nb201", "transnas-micro", "darts-tanas")


def _network(space: str) -> torch.nn.Module:
    genotype = get_space(space).sample(np.random.default_rng(3))
    net = build_network(genotype, in_channels=3, num_classes=5, channels=4, layers=2, seed=1)
    return net.eval()


def _mtl() -> MTLNetwork:
    torch.manual_seed(0)
    backbones = [VGGBackbone(1, k, blocks=((4, 4), (8,)), head_pool=2) for k in (3, 4)]
    net = MTLNetwork(backbones, limit=2, gate_mode="hard")
    with torch.no_grad():
        net.alpha.copy_(torch.linspace(-1, 1, len(net.alpha)))  # some edges open, some shut
    return net.eval()


def _formats() -> list[str]:
    return [f for f in FORMATS if f != "onnx" or HAS_ORT]


@pytest.mark.parametrize("fmt", _formats())
@pytest.mark.parametrize("space", [*SPACES, "mtl"])
def test_round_trip_same_outputs(space: str, fmt: str, tmp_path: Path) -> None:
    net = _mtl() if space == "mtl" else _network(space)
    shape = (1, 12, 12) if space == "mtl" else (3, 16, 16)
    images = torch.rand((6, *shape), generator=torch.Generator().manual_seed(0))
    path = tmp_path / f"net{'.onnx' if fmt == 'onnx' else '.pt'}"
    files = write_network(plain_graph(net), images[:2], fmt, path, title="t", version="0")
    with fast_ops(True):  # the tasknas network on its fast CPU path
        check = check_exported(net, files, fmt, images)  # a batch of 6, traced with 2
    assert check is not None and check["images"] == 6
    assert check["max_abs_diff"] < 1e-4 and check["same_predictions"] == 1.0
    if fmt == "state-dict":
        assert set(files) == {"network", "definition"}
        assert set(torch.load(path, weights_only=True)) == set(net.state_dict())


def test_the_graph_holds_plain_torch_layers_only() -> None:
    graph = plain_graph(_network("darts-emtnas"))
    layers = {type(graph.get_submodule(n.target)).__module__ for n in graph.graph.nodes
              if n.op == "call_module"}  # fmt: skip
    assert layers and all(m.startswith("torch.nn.modules") for m in layers)
    called = {getattr(n.target, "__module__", "") for n in graph.graph.nodes
              if n.op == "call_function"}  # fmt: skip
    assert not any("tasknas" in m for m in called), called


_FRESH = """
import importlib.util, sys, torch
try:
    import tasknas
except ImportError:
    pass
else:
    sys.exit("tasknas is importable")
kind, path, definition = sys.argv[1:4]
x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
if kind == "torchscript":
    net = torch.jit.load(path)
else:
    spec = importlib.util.spec_from_file_location("exported", definition)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    net = module.load_network(path)
print(" ".join(f"{v:.6f}" for v in net(x).flatten().tolist()))
"""


@pytest.mark.parametrize("fmt", ["torchscript", "state-dict"])
def test_loads_in_a_fresh_process_without_tasknas(fmt: str, tmp_path: Path) -> None:
    net = _network("darts-emtnas")
    files = write_network(
        plain_graph(net), torch.rand(2, 3, 16, 16), fmt, tmp_path / "n.pt", title="t", version="0"
    )
    script = tmp_path / "load.py"
    script.write_text(_FRESH, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["OMP_NUM_THREADS"] = "1"
    # -I: no site-packages of the user, no PYTHONPATH, no current folder; -S: no .pth files
    # (an editable install of tasknas is one), torch's folder given on the path instead
    torch_root = str(Path(torch.__file__).parent.parent)
    code = (
        f"import sys; sys.path.append({torch_root!r}); sys.argv = sys.argv[:1] + "
        + repr([fmt, str(files["network"]), str(files.get("definition", ""))])
        + f"; exec(open({str(script)!r}).read())"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-S", "-c", code],
        capture_output=True, text=True, env=env, cwd=tmp_path, check=False,
    )  # fmt: skip
    if "tasknas is importable" in done.stderr:
        pytest.skip("tasknas is installed in the interpreter's own site-packages")
    assert done.returncode == 0, done.stderr
    x = torch.rand(3, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    expected = net(x).flatten().tolist()
    got = [float(v) for v in done.stdout.split()]
    assert np.allclose(got, expected, atol=1e-5)


@pytest.mark.skipif(not HAS_ORT, reason="onnxruntime is not installed")
def test_onnx_has_a_dynamic_batch(tmp_path: Path) -> None:
    import onnxruntime

    net = _network("nb201")
    path = tmp_path / "n.onnx"
    write_network(plain_graph(net), torch.rand(2, 3, 16, 16), "onnx", path, title="t", version="0")
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = torch.rand(5, 3, 16, 16)
    (logits,) = session.run(None, {"images": x.numpy()})
    assert logits.shape == (5, 5)
    assert np.abs(logits - net(x).detach().numpy()).max() < 1e-4


def test_kept_networks_rebuild_with_their_weights(tmp_path: Path) -> None:
    net = _mtl()
    meta = {
        "kind": "mtl", "source": "mtl", "space": "mtl", "arch": "e", "tasks": ["a", "b"],
        "input_shape": [1, 12, 12], "num_classes": [3, 4], "blocks": [[4, 4], [8]],
        "head_pool": 2, "edge_indices": [list(e) for e in net.edges],
    }  # fmt: skip
    save_trained(tmp_path, net, meta)
    loaded, description = load_trained(tmp_path)
    x = torch.rand(2, 1, 12, 12)
    assert description == json.loads((tmp_path / "network.json").read_text())
    assert torch.allclose(loaded(x), net(x))
    (tmp_path / "network.json").write_text(json.dumps({**meta, "kind": "odd"}))
    with pytest.raises(RunStoreError, match="odd"):
        load_trained(tmp_path)
    with pytest.raises(RunStoreError, match="no kept network"):
        load_trained(tmp_path / "missing")


@pytest.mark.parametrize("stride", [1, 2, None])
def test_a_kept_darts_network_rebuilds_at_its_stem_stride(
    tmp_path: Path, stride: int | None
) -> None:
    """A stride-1 and a stride-2 network have the same weights' shapes, so only the
    description's ``stem_stride`` tells them apart; without it (kept before the key) 2."""
    from tasknas.oneshot.fuse._networks import as_genotype

    arch = "normal=sep_conv_3x3~0,dil_conv_3x3~1|max_pool_3x3~2,skip_connect~0"
    net = build_network(
        as_genotype(arch), in_channels=1, num_classes=2, channels=4, layers=3,
        stem_stride=stride or 2, seed=0,
    ).eval()  # fmt: skip
    meta = {
        "kind": "darts", "source": "fuse", "space": "darts-tanas", "arch": arch, "task": "t",
        "input_shape": [1, 28, 28], "num_classes": 2, "channels": 4, "layers": 3,
    }  # fmt: skip
    save_trained(tmp_path, net, meta if stride is None else {**meta, "stem_stride": stride})
    loaded, _ = load_trained(tmp_path)
    x = torch.rand(3, 1, 28, 28, generator=torch.Generator().manual_seed(0))
    assert loaded.stem[0].stride == (stride or 2, stride or 2)
    assert torch.allclose(loaded(x), net(x))


def test_unknown_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidSettingError, match="torchscript"):
        write_network(
            plain_graph(_network("nb201")), torch.rand(2, 3, 8, 8), "keras", tmp_path / "n",
            title="t", version="0",
        )  # fmt: skip


def test_the_exporters_output_is_kept_off_stdout(capfd) -> None:
    """The TorchScript-based exporter dumps the graph from C++ (file descriptor 1) when it
    fails, which broke ``export --format onnx --json`` of an MTL network."""
    import os
    import sys

    from tasknas.export._formats import _quiet

    with _quiet():
        os.write(1, b"Torch IR graph at exception: ...\n")
        sys.stdout.write("a progress line\n")
    sys.stdout.write("after\n")
    assert capfd.readouterr().out == "after\n"
