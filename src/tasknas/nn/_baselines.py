"""Hand-designed baseline networks: what a searched architecture has to beat.

``BASELINES`` maps a name to a ``Baseline``; ``Baseline.network`` builds it for a task's image
channels, classes and size, initialised under a seed. A ``Baseline`` is also what
``tasknas.training.train_from_scratch`` takes in place of a genotype, so baselines are
trained and scored by the same code, with the same trainer, data and seeds, as searched
networks.

- ``cnn``: a plain CNN of the TA-NAS ε-network family (``SmallCNN``: conv 5×5 → ReLU →
  max-pool → FC → ReLU → FC) with 16 filters, 4×4 pooling and 128 hidden units:
  102,186 parameters on 28×28×1 images and 10 classes.
- ``resnet``: ResNet-8, a 3×3 stem and three stages of one basic block each (16, 32 and 64
  channels, the last two at stride 2, batch norm, 1×1 projection shortcuts), global average
  pooling and a linear head: 77,754 parameters on 28×28×1 images and 10 classes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import torch
from torch import nn

from tasknas._torch import seeded
from tasknas._validation import positive_int
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.nn._small_cnn import SmallCNN

__all__ = ["BASELINES", "Baseline", "ResNet8", "get_baseline", "parse_baselines"]


class _BasicBlock(nn.Module):
    """Two 3×3 conv-BN layers with a residual connection (a 1×1 projection when the shape
    changes), then ReLU."""

    def __init__(self, in_channels: int, out_channels: int, stride: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, out_channels, 3, stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, 3, 1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.shortcut: nn.Module = nn.Identity()
        if stride != 1 or in_channels != out_channels:
            self.shortcut = nn.Sequential(
                nn.Conv2d(in_channels, out_channels, 1, stride, bias=False),
                nn.BatchNorm2d(out_channels),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = torch.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return torch.relu(out + self.shortcut(x))


class ResNet8(nn.Module):
    """ResNet-8: stem conv 3×3 → three stages of one basic block (``width``, ``2·width``,
    ``4·width`` channels; stride 1, 2, 2) → global average pooling → linear classifier.

    Any input size works (the pooling is global).
    """

    def __init__(self, in_channels: int = 1, num_classes: int = 10, *, width: int = 16) -> None:
        super().__init__()
        for name, value in (("in_channels", in_channels), ("num_classes", num_classes)):
            positive_int(name, value)
        positive_int("width", width)
        self.stem = nn.Sequential(
            nn.Conv2d(in_channels, width, 3, padding=1, bias=False),
            nn.BatchNorm2d(width),
            nn.ReLU(),
        )
        self.stages = nn.Sequential(
            _BasicBlock(width, width, 1),
            _BasicBlock(width, 2 * width, 2),
            _BasicBlock(2 * width, 4 * width, 2),
        )
        self.head = nn.Linear(4 * width, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape ``(N, num_classes)``."""
        x = self.stages(self.stem(x))
        return self.head(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def _cnn(in_channels: int, num_classes: int, image_size: tuple[int, int]) -> nn.Module:
    height, width = image_size
    if height != width:
        raise InvalidSettingError(
            f"baseline 'cnn' needs square images, got {height}x{width}; use 'resnet'"
        )
    pool = next(p for p in (4, 2, 1) if height % p == 0)
    return SmallCNN(in_channels, num_classes, image_size=height, channels=16, hidden=128, pool=pool)


def _resnet(in_channels: int, num_classes: int, image_size: tuple[int, int]) -> nn.Module:
    del image_size  # global pooling: any size
    return ResNet8(in_channels, num_classes, width=16)


@dataclass(frozen=True)
class Baseline:
    """A hand-designed network, built per task by ``network``.

    Attributes:
        name: its key in ``BASELINES``; also ``str(baseline)``, the ``arch`` column of
            reports.
        description: one line for tables and help texts.
        factory: ``factory(in_channels, num_classes, (height, width))`` -> the network.
    """

    name: str
    description: str
    factory: Callable[[int, int, tuple[int, int]], nn.Module]

    def __str__(self) -> str:
        return self.name

    def network(
        self,
        *,
        in_channels: int,
        num_classes: int,
        image_size: int | tuple[int, int] = 28,
        seed: int | None = None,
    ) -> nn.Module:
        """The network for ``in_channels``-channel images of ``image_size`` (an int: square)
        and ``num_classes`` classes; with ``seed`` its weights are initialised under
        ``seeded(seed)``.

        Raises:
            InvalidSettingError: a size below 1, or images the network cannot take.
        """
        size = (image_size, image_size) if isinstance(image_size, int) else tuple(image_size)
        if len(size) != 2:
            raise InvalidSettingError(f"image_size must be (height, width), got {image_size!r}")
        for name, value in (("image height", size[0]), ("image width", size[1])):
            positive_int(name, value)
        if seed is None:
            return self.factory(in_channels, num_classes, (size[0], size[1]))
        with seeded(seed):
            return self.factory(in_channels, num_classes, (size[0], size[1]))


#: Name -> hand-designed baseline network.
BASELINES: dict[str, Baseline] = {
    "cnn": Baseline(
        "cnn",
        "plain CNN of the ε-network family: conv 5x5 (16) → max-pool 4 → FC 128 → FC",
        _cnn,
    ),
    "resnet": Baseline(
        "resnet", "ResNet-8: 3x3 stem, 3 stages of one basic block (16/32/64 channels)", _resnet
    ),
}


def get_baseline(name: str) -> Baseline:
    """The baseline called ``name``.

    Raises:
        UnknownNameError: no such baseline (the message lists them).
    """
    if name not in BASELINES:
        raise UnknownNameError("baseline", name, BASELINES)
    return BASELINES[name]


def parse_baselines(names: str | Iterable[str] | None) -> tuple[str, ...]:
    """Baseline names from a comma-separated string or an iterable, in order, without
    repeats; ``None``, ``""`` and ``"none"`` give no baseline.

    Raises:
        UnknownNameError: an unknown name (the message lists the valid ones).
    """
    if names is None:
        return ()
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen = [str(item).strip() for item in items if str(item).strip()]
    if chosen == ["none"]:
        return ()
    for name in chosen:
        get_baseline(name)
    return tuple(dict.fromkeys(chosen))
