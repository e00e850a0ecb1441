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

``NAME:WIDTH`` (``get_baseline("resnet:14")``) is the same network at another width: the
``cnn``'s filters, the ``resnet``'s first stage (then ``2·WIDTH`` and ``4·WIDTH``). The
parameters grow with about the square of the width (``resnet:14``: 59,692 on 28×28×1 images
and 10 classes, ``resnet:12`` 44,014): the way to set a baseline beside a searched network
of about the same size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial

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


#: The width of each baseline family as registered (``cnn``: filters; ``resnet``: first stage).
_WIDTH = 16


def _cnn(
    in_channels: int, num_classes: int, image_size: tuple[int, int], *, width: int = _WIDTH
) -> nn.Module:
    height, side = image_size
    if height != side:
        raise InvalidSettingError(
            f"baseline 'cnn' needs square images, got {height}x{side}; use 'resnet'"
        )
    pool = next(p for p in (4, 2, 1) if height % p == 0)
    return SmallCNN(
        in_channels, num_classes, image_size=height, channels=width, hidden=128, pool=pool
    )


def _resnet(
    in_channels: int, num_classes: int, image_size: tuple[int, int], *, width: int = _WIDTH
) -> nn.Module:
    del image_size  # global pooling: any size
    return ResNet8(in_channels, num_classes, width=width)


@dataclass(frozen=True)
class Baseline:
    """A hand-designed network, built per task by ``network``.

    Attributes:
        name: its key in ``BASELINES``; also ``str(baseline)``, the ``arch`` column of
            reports.
        description: one line for tables and help texts.
        factory: ``factory(in_channels, num_classes, (height, width))`` -> the network.
        width: the network's width (``cnn``: filters; ``resnet``: channels of its first
            stage); ``None`` for a baseline built elsewhere that has none.
    """

    name: str
    description: str
    factory: Callable[[int, int, tuple[int, int]], nn.Module]
    width: int | None = None

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
        _WIDTH,
    ),
    "resnet": Baseline(
        "resnet",
        "ResNet-8: 3x3 stem, 3 stages of one basic block (16/32/64 channels)",
        _resnet,
        _WIDTH,
    ),
}

_FACTORIES: dict[str, Callable[..., nn.Module]] = {"cnn": _cnn, "resnet": _resnet}
_DESCRIPTIONS: dict[str, Callable[[int], str]] = {
    "cnn": lambda w: (
        f"plain CNN of the ε-network family: conv 5x5 ({w}) → max-pool 4 → FC 128 → FC"
    ),
    "resnet": lambda w: (
        f"ResNet-8: 3x3 stem, 3 stages of one basic block ({w}/{2 * w}/{4 * w} channels)"
    ),
}


def get_baseline(name: str) -> Baseline:
    """The baseline called ``name``: a ``BASELINES`` key, or ``KEY:WIDTH`` for that network
    at another width (``"resnet:14"``; see the module).

    Raises:
        UnknownNameError: no such baseline (the message lists them).
        InvalidSettingError: a width that is not a positive integer.
    """
    family, colon, text = str(name).partition(":")
    if family not in BASELINES:
        raise UnknownNameError("baseline", name, [*BASELINES, *(f"{b}:WIDTH" for b in BASELINES)])
    if not colon:
        return BASELINES[family]
    if not text.strip().isdigit() or int(text) < 1:
        raise InvalidSettingError(
            f"baseline width must be a positive integer, got {text!r} in {name!r} "
            f"(e.g. '{family}:12'; '{family}' is width {_WIDTH})"
        )
    width = int(text)
    return Baseline(
        f"{family}:{width}",
        _DESCRIPTIONS[family](width),
        partial(_FACTORIES[family], width=width),
        width,
    )


def parse_baselines(names: str | Iterable[str] | None) -> tuple[str, ...]:
    """Baseline names (``BASELINES`` keys or ``KEY:WIDTH``) from a comma-separated string or
    an iterable, in order, without repeats, each as ``get_baseline`` names it
    (``"resnet:08"`` -> ``"resnet:8"``); ``None``, ``""`` and ``"none"`` give no baseline.

    Raises:
        UnknownNameError: an unknown name (the message lists the valid ones).
        InvalidSettingError: a width that is not a positive integer.
    """
    if names is None:
        return ()
    items = names.split(",") if isinstance(names, str) else list(names)
    chosen = [str(item).strip() for item in items if str(item).strip()]
    if chosen == ["none"]:
        return ()
    return tuple(dict.fromkeys(get_baseline(name).name for name in chosen))
