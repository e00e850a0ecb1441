"""``SmallCNN``: the TA-NAS ε-approximation network used to represent a task."""

from __future__ import annotations

import torch
from torch import nn

from tasknas._validation import positive_int
from tasknas.errors import InvalidSettingError

__all__ = ["SmallCNN"]


class SmallCNN(nn.Module):
    """Conv 5×5 (padding 2) → ReLU → max-pool → flatten → FC ``hidden`` → ReLU → FC classes.

    This is the hand-designed ε-approximation network TA-NAS trains once per base task
    (Le et al., "Task-Aware Neural Architecture Search", ICASSP 2021; its Fisher task distance
    is computed on this network).

    Deviation from the paper, to stay CPU-sized: the paper's network has no pooling and a
    1024-unit hidden layer (FC 25088 → 1024 on 28×28 inputs, ~25.7 M weights); here the
    convolution output is max-pooled by ``pool`` (2 by default, 1 means no pooling) and the
    hidden layer has ``hidden`` units (256 by default), ~1.6 M weights on 28×28 inputs.
    ``SmallCNN(pool=1, hidden=1024)`` is the paper's network.

    Args:
        in_channels: channels of the input images.
        num_classes: number of output logits.
        image_size: height and width of the (square) input images.
        channels: filters of the 5×5 convolution.
        hidden: units of the hidden fully connected layer.
        pool: max-pooling window and stride after the convolution; must divide ``image_size``.
    """

    def __init__(
        self,
        in_channels: int = 1,
        num_classes: int = 2,
        *,
        image_size: int = 28,
        channels: int = 32,
        hidden: int = 256,
        pool: int = 2,
    ) -> None:
        super().__init__()
        sizes = {
            "in_channels": in_channels,
            "num_classes": num_classes,
            "image_size": image_size,
            "channels": channels,
            "hidden": hidden,
            "pool": pool,
        }
        for name, value in sizes.items():
            positive_int(name, value)
        if image_size % pool:
            raise InvalidSettingError(
                f"pool must divide image_size, got pool {pool!r} and image_size {image_size!r}"
            )
        side = image_size // pool
        self.conv = nn.Conv2d(in_channels, channels, kernel_size=5, padding=2)
        self.pool = nn.MaxPool2d(pool) if pool > 1 else nn.Identity()
        self.fc = nn.Linear(channels * side * side, hidden)
        self.head = nn.Linear(hidden, num_classes)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        """The hidden-layer activations (after the ReLU), shape ``(N, hidden)``."""
        x = self.pool(torch.relu(self.conv(x)))
        return torch.relu(self.fc(torch.flatten(x, start_dim=1)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Class logits, shape ``(N, num_classes)``."""
        return self.head(self.features(x))
