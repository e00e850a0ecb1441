"""SynFlow (Tanaka et al., 2020), a data-free zero-cost proxy of a network's trainability.

Abdelfattah et al. ("Zero-Cost Proxies for Lightweight NAS", ICLR 2021) use it to rank
NAS-Bench-201 cells without training: every parameter is replaced by its absolute value, an
all-ones input is pushed through the network in double precision, and the score is
``sum(|theta * d R / d theta|)`` with ``R`` the sum of the outputs. Batch norm runs in
evaluation mode (running statistics at their initial values), so a constant input does not
collapse to zero.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from torch import nn

__all__ = ["synflow"]


def synflow(model: nn.Module, input_shape: Sequence[int]) -> float:
    """The natural log of the SynFlow score of ``model`` (``-inf`` when the score is 0).

    ``model`` is modified in place (double precision, absolute weights); pass a fresh copy.
    ``input_shape`` excludes the batch dimension, e.g. ``(3, 32, 32)``.
    """
    import torch  # imported here: ``import tasknas`` must not import torch

    model = model.double().eval()
    with torch.no_grad():
        for param in model.parameters():
            param.abs_()
    model.zero_grad(set_to_none=True)
    output = model(torch.ones(1, *input_shape, dtype=torch.float64))
    output.sum().backward()
    total = sum(
        float((p.detach() * p.grad).abs().sum()) for p in model.parameters() if p.grad is not None
    )
    return math.log(total) if total > 0 else -math.inf
