"""``export_folder``: every network of a folder written in one format, with its card, and
checked to predict what the tasknas network predicts."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasknas._json import dumps
from tasknas._validation import check_choice
from tasknas.export._card import ExportCard
from tasknas.export._formats import FORMATS, SUFFIXES, write_network

if TYPE_CHECKING:
    import torch
    from torch import nn

    from tasknas.export._sources import Exportable

__all__ = ["CHECK_IMAGES", "ExportedFile", "check_exported", "export_folder", "load_exported"]

_log = logging.getLogger(__name__)

#: Most images the written file is checked on (the test split's first, else random ones).
CHECK_IMAGES = 256


@dataclass(frozen=True)
class ExportedFile:
    """One written network: its files by role (``network``, ``definition``, ``card``), its
    card, and the check of the written file against the tasknas network.

    ``check``: ``images`` compared, ``max_abs_diff`` of the logits, ``same_predictions``
    (fraction of equal arg-max classes; per task for an MTL network it is overall), and
    ``on`` (``test split`` or ``random inputs``); ``None`` when not checked (ONNX without
    onnxruntime).
    """

    files: dict[str, Path]
    card: ExportCard
    check: dict[str, Any] | None


def export_folder(
    folder: str | Path,
    *,
    fmt: str = "torchscript",
    out: str | Path | None = None,
    task: str | None = None,
    quick: bool = False,
    input_shape: tuple[int, ...] | None = None,
    num_classes: int | None = None,
    overrides: dict[str, Any] | None = None,
    on_task: Callable[[str, str], None] | None = None,
) -> list[ExportedFile]:
    """Write every network of ``folder`` (``exportables``) in format ``fmt`` into ``out``
    (default ``folder/export``): ``STEM.pt``/``.onnx`` (+ ``STEM.py`` for ``state-dict``)
    and ``STEM.json`` (the card, with the check's numbers).

    Raises:
        InvalidSettingError, UnknownNameError, RunStoreError: see ``exportables``; an
            unknown format.
    """
    from tasknas import __version__
    from tasknas.export._sources import exportables
    from tasknas.export._standalone import plain_graph

    check_choice("format", fmt, FORMATS)
    folder = Path(folder)
    target = folder / "export" if out is None else Path(out)
    found = exportables(
        folder,
        task=task,
        quick=quick,
        input_shape=input_shape,
        num_classes=num_classes,
        overrides=overrides,
        on_task=on_task,
    )
    written = []
    for item in found:
        graph = plain_graph(item.network)
        images = _check_images(item)
        path = target / f"{item.stem}{SUFFIXES[fmt]}"
        title = f"{item.card.arch} on {item.card.task} ({item.card.space}), exported by tasknas"
        files = write_network(graph, images[:2], fmt, path, title=title, version=__version__)
        check = check_exported(item.network, files, fmt, images, item.card.num_classes)
        if item.test is not None and check is not None:
            check["on"] = "test split"
        card = replace(
            item.card,
            format=fmt,
            files={role: p.name for role, p in files.items()},
            tasknas_version=__version__,
            extra={**item.card.extra, "check": check},
        )
        card_path = path.with_suffix(".json")
        card_path.write_text(dumps(card.to_dict()), encoding="utf-8")
        written.append(ExportedFile({**files, "card": card_path}, card, check))
        _log.info("exported %s on %s to %s", item.card.arch, item.card.task, path)
    return written


def _check_images(item: Exportable) -> torch.Tensor:
    """Up to ``CHECK_IMAGES`` test images, else seeded random ones of the input shape."""
    import torch

    if item.test is not None and len(item.test) > 0:
        return item.test.x[:CHECK_IMAGES].float()
    generator = torch.Generator().manual_seed(0)
    return torch.rand((8, *item.card.input_shape), generator=generator)


def load_exported(files: dict[str, Path], fmt: str) -> Callable[[torch.Tensor], torch.Tensor]:
    """A function from images to logits that runs a written file (TorchScript, ONNX with
    onnxruntime, or the generated definition with its state dict)."""
    import torch

    path = files["network"]
    if fmt == "torchscript":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated in torch 2.10+, still supported
            module = torch.jit.load(str(path)).eval()
        return lambda x: module(x)
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        return lambda x: torch.from_numpy(session.run(None, {"images": x.numpy()})[0])
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"_exported_{path.stem}", files["definition"])
    assert spec is not None and spec.loader is not None
    definition = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(definition)
    network = definition.load_network(path)
    return lambda x: network(x)


def check_exported(
    network: nn.Module,
    files: dict[str, Path],
    fmt: str,
    images: torch.Tensor,
    num_classes: int | list[int] | None = None,
) -> dict[str, Any] | None:
    """The written file against ``network`` (fast path as configured) on ``images``:
    ``max_abs_diff`` of the logits and ``same_predictions`` (fraction; over every task's
    block of logits when ``num_classes`` is a list); ``None`` for ONNX when onnxruntime is
    not installed."""
    import importlib.util

    import torch

    if fmt == "onnx" and importlib.util.find_spec("onnxruntime") is None:
        return None
    run = load_exported(files, fmt)
    with torch.no_grad():
        expected = network.eval()(images)
        got = run(images)
    sizes = num_classes if isinstance(num_classes, list) else [expected.shape[1]]
    pairs = zip(expected.split(sizes, dim=1), got.split(sizes, dim=1), strict=True)
    same = torch.stack([(e.argmax(1) == g.argmax(1)).float() for e, g in pairs]).mean().item()
    return {
        "images": len(images),
        "max_abs_diff": float((expected - got).abs().max()),
        "same_predictions": same,
        "on": "random inputs",
    }
