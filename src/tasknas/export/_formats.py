"""``write_network``: one network written in one of ``FORMATS``, loadable without tasknas."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from tasknas._validation import check_choice

if TYPE_CHECKING:
    import torch
    from torch import fx

__all__ = ["FORMATS", "SUFFIXES", "write_network"]

_log = logging.getLogger(__name__)

#: Export formats: TorchScript (``torch.jit.load``), ONNX (``onnxruntime``), and a state
#: dict with a one-file model definition (``torch`` alone).
FORMATS = ("torchscript", "onnx", "state-dict")

#: File suffix of the network file of each format.
SUFFIXES = {"torchscript": ".pt", "onnx": ".onnx", "state-dict": ".pt"}


def write_network(
    graph: fx.GraphModule,
    example: torch.Tensor,
    fmt: str,
    path: Path,
    *,
    title: str,
    version: str,
) -> dict[str, Path]:
    """Write ``graph`` (``plain_graph``'s) to ``path`` in format ``fmt``; return the files by
    role: ``network`` (always) and ``definition`` (the ``.py`` of ``state-dict``, named
    like ``path``).

    ``example`` is one batch of inputs (for tracing and the ONNX graph; its first dimension
    stays dynamic).

    Raises:
        InvalidSettingError: an unknown format, or ONNX without the ``onnx`` package.
    """
    import torch

    check_choice("format", fmt, FORMATS)
    path.parent.mkdir(parents=True, exist_ok=True)
    graph = graph.eval()
    if fmt == "torchscript":
        try:
            with warnings.catch_warnings():  # scripting a GraphModule warns about fx internals
                warnings.simplefilter("ignore")
                module = torch.jit.script(graph)
        except Exception as error:
            _log.info("scripting failed (%s); tracing instead", error)
            with torch.no_grad(), warnings.catch_warnings():
                warnings.simplefilter("ignore")  # tracing is deprecated, and still works
                module = torch.jit.trace(graph, example)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated in torch 2.10+, still supported
            torch.jit.save(module, str(path))
        return {"network": path}
    if fmt == "onnx":
        _onnx(graph, example, path)
        return {"network": path}
    from tasknas.export._standalone import standalone_source

    definition = path.with_suffix(".py")
    source = standalone_source(
        graph,
        title=title,
        input_shape=tuple(example.shape[1:]),
        module_name=definition.stem,
        weights_name=path.name,
        version=version,
    )
    torch.save(graph.state_dict(), path)
    definition.write_text(source, encoding="utf-8")
    return {"network": path, "definition": definition}


def _onnx(graph: fx.GraphModule, example: torch.Tensor, path: Path) -> None:
    """ONNX with a dynamic batch dimension (TorchScript-based exporter: no onnxscript)."""
    import importlib.util

    import torch

    from tasknas.errors import InvalidSettingError

    if importlib.util.find_spec("onnx") is None:
        raise InvalidSettingError(
            "--format onnx needs the onnx package: pip install 'tasknas[export]'"
        )
    try:
        with torch.no_grad(), warnings.catch_warnings(), _quiet():
            warnings.simplefilter("ignore")  # the TorchScript-based exporter's deprecation note
            torch.onnx.export(
                graph,
                (example,),
                str(path),
                input_names=["images"],
                output_names=["logits"],
                dynamic_axes={"images": {0: "batch"}, "logits": {0: "batch"}},
                dynamo=False,
            )
        return
    except Exception as error:
        first = " ".join(str(error).split("\n")[-1].split())[:200]
        _log.info("TorchScript-based ONNX export failed (%s); trying torch.export", first)
    if importlib.util.find_spec("onnxscript") is None:
        raise InvalidSettingError(
            f"--format onnx: {first}; the newer exporter needs onnxscript: pip install "
            "'tasknas[export]'"
        )
    try:
        with torch.no_grad(), warnings.catch_warnings(), _quiet():
            warnings.simplefilter("ignore")
            batch = torch.export.Dim("batch", min=1)
            program = torch.onnx.export(
                graph,
                (example,),
                input_names=["images"],
                output_names=["logits"],
                dynamic_shapes=({0: batch},),
                dynamo=True,
                verbose=False,
            )
        program.save(str(path))
    except Exception as error:
        line = " ".join(str(error).split())[:300]
        raise InvalidSettingError(f"--format onnx: cannot export this network: {line}") from None


@contextmanager
def _quiet() -> Iterator[None]:
    """The exporters' output kept off stdout: the dynamo exporter's progress lines (Python)
    and the TorchScript-based exporter's graph dump when it fails (C++, file descriptor 1),
    which would break ``--json``."""
    import contextlib
    import io
    import os
    import sys

    sys.stdout.flush()
    saved = os.dup(1)
    try:
        with open(os.devnull, "w", encoding="utf-8") as null:
            os.dup2(null.fileno(), 1)
            with contextlib.redirect_stdout(io.StringIO()):
                yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)
