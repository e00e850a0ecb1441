"""``ExportCard``: the small JSON written beside an exported network."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["PIXELS", "ExportCard"]

#: The input scaling of every tasknas data pipeline: float32 pixels in [0, 1], no mean or
#: standard deviation subtracted.
PIXELS: dict[str, Any] = {"scale": "pixel / 255, in [0, 1]", "mean": None, "std": None}


@dataclass(frozen=True)
class ExportCard:
    """What an exported network is and how to feed it.

    Attributes:
        arch: the architecture string (for an MTL network, its chosen edges).
        space: the search space (or ``"mtl"``, ``"fuse"``'s space).
        task: the task (for an MTL network, its tasks joined by ``,``).
        input_shape: one image's (channels, height, width).
        num_classes: logits of the output (per task for an MTL network, in output order).
        class_names: names of the classes, where known (per task for an MTL network).
        normalisation: the input scaling the network was trained on (``PIXELS``).
        trained: whether the weights were trained (False: freshly initialised).
        test_accuracy: test accuracy in % of the exported weights (per task for an MTL
            network); ``None`` when not trained.
        source: what was exported (``train``, ``tabular``, ``fuse``, ``mtl``).
        format: ``torchscript``, ``onnx`` or ``state-dict``.
        files: the files written, by role (``network``, ``definition``).
        tasknas_version: the version that exported it.
        extra: other facts of the source (training settings, parameters).
    """

    arch: str
    space: str
    task: str
    input_shape: tuple[int, ...]
    num_classes: int | list[int]
    class_names: list[str] | list[list[str]] | None
    normalisation: dict[str, Any]
    trained: bool
    test_accuracy: float | dict[str, float] | None
    source: str
    format: str = ""
    files: dict[str, str] = field(default_factory=dict)
    tasknas_version: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The card as JSON-ready plain values."""
        values = asdict(self)
        values["input_shape"] = list(self.input_shape)
        return values
