"""``Mixture``: FUSE's relaxed network, a softmax-weighted sum of candidate networks' logits."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from tasknas.errors import InvalidSettingError

__all__ = ["Mixture"]


class Mixture(nn.Module):
    """``forward(x) = sum_c softmax(alpha)_c * networks[c](x)`` (a logit-level mixture).

    ``alpha`` starts at zeros, i.e. uniform weights. FUSE alternates fitting ``weights()``
    on the training split (alpha frozen) and ``[alpha]`` on the validation split (weights
    frozen); ``Trainer.fit(..., parameters=...)`` does the freezing.
    """

    def __init__(self, networks: Sequence[nn.Module]) -> None:
        super().__init__()
        if len(networks) < 1:
            raise InvalidSettingError("a Mixture needs at least one network, got 0")
        self.networks = nn.ModuleList(networks)
        self.alpha = nn.Parameter(torch.zeros(len(networks)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outputs = torch.stack([network(x) for network in self.networks])
        return torch.einsum("c,c...->...", torch.softmax(self.alpha, dim=0), outputs)

    def weights(self) -> list[nn.Parameter]:
        """The candidates' trainable parameters (everything but ``alpha``)."""
        return [p for p in self.networks.parameters() if p.requires_grad]

    def probabilities(self) -> torch.Tensor:
        """``softmax(alpha)``, detached, on the CPU."""
        return torch.softmax(self.alpha.detach(), dim=0).cpu()
