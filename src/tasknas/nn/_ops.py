"""Candidate operations of the cell spaces, as ``name -> factory(C, stride) -> nn.Module``.

Every operation maps ``C`` channels to ``C`` channels and halves the spatial size (rounding
up, so odd sizes such as 7x7 work) when ``stride == 2``. Convolutions are DARTS-style
ReLU-Conv-BN blocks; ``affine`` switches the BN affine parameters (off in DARTS supernets).

On CPU the blocks take a faster path with the same parameters and function (channel-major
activations, depthwise convolutions as band-matrix products; ``tasknas.nn._fast``), which
``tasknas.nn.set_fast_ops(False)`` switches off.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from tasknas.errors import UnknownNameError
from tasknas.nn._fast import (
    avg_pool_cm,
    batch_norm_cm,
    depthwise_cm,
    is_channel_major,
    max_pool_cm,
    plain_depthwise,
    pointwise_cm,
    to_channel_major,
    use_fast,
)

__all__ = [
    "OPS",
    "DilConv",
    "FactorizedReduce",
    "OpFactory",
    "ReLUConvBN",
    "SepConv",
    "Zero",
    "make_op",
]


class OpFactory(Protocol):
    """Builds one operation on ``channels`` channels."""

    def __call__(self, channels: int, stride: int, affine: bool = True) -> nn.Module: ...


class ReLUConvBN(nn.Sequential):
    """ReLU, one convolution, BatchNorm."""

    def __init__(
        self,
        c_in: int,
        c_out: int,
        kernel: int | tuple[int, int],
        stride: int,
        padding: int | tuple[int, int],
        affine: bool = True,
    ) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=padding, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        conv = self[1]
        if (
            conv.kernel_size == (1, 1)
            and conv.stride == (1, 1)
            and conv.padding == (0, 0)
            and is_channel_major(x)
            and use_fast(x)
        ):
            # A 1x1 convolution on channel-major activations: one matrix product.
            xc = F.relu(to_channel_major(x))
            return batch_norm_cm(self[2], pointwise_cm(conv.weight, xc)).transpose(0, 1)
        return super().forward(x)


class DilConv(nn.Sequential):
    """ReLU, depthwise (optionally dilated) conv, pointwise conv, BatchNorm.

    With ``dilation=1`` this is one depthwise-separable stack (EMT-NAS ``Dw``).
    """

    def __init__(
        self, c_in: int, c_out: int, kernel: int, stride: int, dilation: int, affine: bool = True
    ) -> None:
        padding = dilation * (kernel - 1) // 2
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(
                c_in, c_in, kernel, stride, padding, dilation=dilation, groups=c_in, bias=False
            ),
            nn.Conv2d(c_in, c_out, 1, bias=False),
            nn.BatchNorm2d(c_out, affine=affine),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if use_fast(x) and plain_depthwise(self[1]):
            # Channel-major: depthwise as a band-matrix product (or, on a large map, the
            # channels-last kernel), pointwise as a matrix product.
            h = depthwise_cm(self[1], F.relu(to_channel_major(x)))
            return batch_norm_cm(self[3], pointwise_cm(self[2].weight, h)).transpose(0, 1)
        return super().forward(x)


class SepConv(nn.Sequential):
    """Two depthwise-separable stacks (DARTS ``sep_conv``); only the first one strides."""

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int, affine: bool = True):
        super().__init__(
            DilConv(c_in, c_in, kernel, stride, 1, affine),
            DilConv(c_in, c_out, kernel, 1, 1, affine),
        )


class Conv7x1x1x7(nn.Sequential):
    """ReLU, 1x7 conv, 7x1 conv, BatchNorm (DARTS ``conv_7x1_1x7``)."""

    def __init__(self, channels: int, stride: int, affine: bool = True) -> None:
        super().__init__(
            nn.ReLU(inplace=False),
            nn.Conv2d(channels, channels, (1, 7), stride=(1, stride), padding=(0, 3), bias=False),
            nn.Conv2d(channels, channels, (7, 1), stride=(stride, 1), padding=(3, 0), bias=False),
            nn.BatchNorm2d(channels, affine=affine),
        )


class Zero(nn.Module):
    """The ``none`` operation: zeros of the output shape (no parameters)."""

    def __init__(self, stride: int) -> None:
        super().__init__()
        self.stride = stride

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x[:, :, :: self.stride, :: self.stride].mul(0.0)


class FactorizedReduce(nn.Module):
    """Halves the spatial size with two offset stride-2 1x1 convs, concatenated, then BN.

    The offset path pads one row and column first, so odd sizes round up like the other ops.
    """

    def __init__(self, c_in: int, c_out: int, affine: bool = True) -> None:
        super().__init__()
        self.relu = nn.ReLU(inplace=False)
        self.conv_1 = nn.Conv2d(c_in, c_out // 2, 1, stride=2, bias=False)
        self.conv_2 = nn.Conv2d(c_in, c_out - c_out // 2, 1, stride=2, bias=False)
        self.bn = nn.BatchNorm2d(c_out, affine=affine)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if is_channel_major(x) and use_fast(x):
            # ReLU commutes with the subsampling: subsample first, then ReLU a quarter of it.
            xc = to_channel_major(x)
            even = F.relu(xc[:, :, ::2, ::2])
            h_out, w_out = even.shape[2:]
            odd = xc[:, :, 1::2, 1::2]  # the shifted path; pad a row/column on odd sizes
            odd = F.relu(F.pad(odd, (0, w_out - odd.shape[3], 0, h_out - odd.shape[2])))
            halves = [pointwise_cm(self.conv_1.weight, even), pointwise_cm(self.conv_2.weight, odd)]
            return batch_norm_cm(self.bn, torch.cat(halves, dim=0)).transpose(0, 1)
        x = self.relu(x)
        shifted = F.pad(x, (0, 1, 0, 1))[:, :, 1:, 1:]
        return self.bn(torch.cat([self.conv_1(x), self.conv_2(shifted)], dim=1))


class MaxPool3x3(nn.MaxPool2d):
    """``nn.MaxPool2d`` that pools channel-major activations in place of their layout."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.return_indices and is_channel_major(x) and use_fast(x):
            return max_pool_cm(self, to_channel_major(x)).transpose(0, 1)
        return super().forward(x)


class AvgPool3x3(nn.AvgPool2d):
    """``nn.AvgPool2d`` that pools channel-major activations in place of their layout."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if is_channel_major(x) and use_fast(x):
            out = avg_pool_cm(self, to_channel_major(x))
            if out is not None:
                return out.transpose(0, 1)
        return super().forward(x)


def _skip(channels: int, stride: int, affine: bool = True) -> nn.Module:
    return nn.Identity() if stride == 1 else FactorizedReduce(channels, channels, affine)


def _conv(kernel: int) -> OpFactory:
    def make(channels: int, stride: int, affine: bool = True) -> nn.Module:
        return ReLUConvBN(channels, channels, kernel, stride, kernel // 2, affine)

    return make


def _sep(kernel: int) -> OpFactory:
    def make(channels: int, stride: int, affine: bool = True) -> nn.Module:
        return SepConv(channels, channels, kernel, stride, affine)

    return make


def _dil(kernel: int, dilation: int) -> OpFactory:
    def make(channels: int, stride: int, affine: bool = True) -> nn.Module:
        return DilConv(channels, channels, kernel, stride, dilation, affine)

    return make


def _pool(pool: Callable[..., nn.Module], **options: bool) -> OpFactory:
    def make(channels: int, stride: int, affine: bool = True) -> nn.Module:
        return pool(3, stride=stride, padding=1, **options)

    return make


def _zero(channels: int, stride: int, affine: bool = True) -> nn.Module:
    return Zero(stride)


class _Ops(Mapping[str, OpFactory]):
    """A read-only name -> factory map whose lookup error lists the valid names."""

    def __init__(self, entries: dict[str, OpFactory]) -> None:
        self._entries = entries

    def __getitem__(self, name: str) -> OpFactory:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownNameError("operation", name, self._entries) from None

    def get(self, name: str, default: OpFactory | None = None) -> OpFactory | None:
        return self._entries.get(name, default)

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries


#: Every operation of the bundled spaces (NB201, DARTS TA-NAS, DARTS EMT-NAS).
OPS: Mapping[str, OpFactory] = _Ops(
    {
        "none": _zero,
        "zeroize": _zero,
        "skip_connect": _skip,
        "nor_conv_1x1": _conv(1),
        "nor_conv_3x3": _conv(3),
        "avg_pool_3x3": _pool(AvgPool3x3, count_include_pad=False),
        "max_pool_3x3": _pool(MaxPool3x3),
        "sep_conv_3x3": _sep(3),
        "sep_conv_5x5": _sep(5),
        "sep_conv_7x7": _sep(7),
        "dil_conv_3x3": _dil(3, 2),
        "dil_conv_5x5": _dil(5, 2),
        "dil_conv_7x7": _dil(7, 2),
        "dw_conv_3x3": _dil(3, 1),
        "dw_conv_5x5": _dil(5, 1),
        "dw_conv_7x7": _dil(7, 1),
        "conv_7x1_1x7": Conv7x1x1x7,
    }
)


def make_op(name: str, channels: int, stride: int = 1, affine: bool = True) -> nn.Module:
    """Operation ``name`` on ``channels`` channels; ``UnknownNameError`` lists valid names."""
    return OPS[name](channels, stride, affine)
