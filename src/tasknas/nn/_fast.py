"""Fast CPU kernels for the small cell networks: the same maths and parameters, other layouts.

The cell operations of ``tasknas.nn._ops`` spend most of a CPU training step in many small
kernels: depthwise convolutions (``groups=C``) on 14×14, 7×7 and 4×4 maps, 1×1 convolutions
and BatchNorm on 8-32 channels. The fast path computes the same functions with the same
parameters (so ``state_dict`` keys, shapes and stored networks are unchanged):

- activations are kept **channel-major**: a logical ``(N, C, H, W)`` tensor stored as a
  contiguous ``(C, N, H, W)`` one (``x.transpose(0, 1)`` is contiguous). A 1×1 convolution is
  then one matrix product ``W (C', C) @ X (C, N·H·W)`` and BatchNorm runs on the contiguous
  rows, without permutes between operations; a cell's concatenation stays channel-major;
- a depthwise convolution on a small map (at most ``MAX_BAND_PIXELS`` pixels) is one
  batched matrix product per channel, ``X_c (N, H·W) @ B_c (H·W, H'·W')``, where the band
  matrix ``B_c`` is filled from the ``K×K`` weight (stride, padding and dilation live in its
  index): a BLAS call instead of PyTorch's slow grouped convolution on tiny maps. On a larger
  map (28×28, the first cell of a network whose stem keeps the image's resolution) the band
  matrix would grow with the square of the map, so the native convolution runs there, on a
  channels-last copy (2-4× faster, forward and backward, than on the channel-major layout);
- 3×3 average pooling (``count_include_pad=False``) is one matrix product with a fixed
  (H·W, H'·W') matrix, or on a larger map two products with its separable (H, H') and
  (W, W') factors; max pooling uses PyTorch's channels-last kernel (many times faster
  than its NCHW one on CPU), with batch and channels merged;
- glibc is asked once to keep freed memory for reuse (``keep_freed_cpu_memory``): the
  default hands each batch's activation buffers back to the kernel and pays thousands of
  page faults per step to get them again.

ReLU-convolution-BatchNorm blocks, pools and the factorized reduction take the
channel-major path only when their input already is channel-major (the DARTS networks and
supernets convert once, after the stem), so networks without depthwise convolutions, such as
NB201's, keep the standard layout and modules.

Only CPU tensors take the fast path; on any other device the standard modules run.
``set_fast_ops(False)`` (or ``with fast_ops(False):``) switches it off globally, for the
equivalence tests and to benchmark the reference path in the same process.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import platform
import threading
from collections.abc import Iterator
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

__all__ = [
    "cat_channels",
    "channel_major",
    "depthwise_band",
    "depthwise_channels_last",
    "depthwise_cm",
    "fast_ops",
    "fast_ops_enabled",
    "is_channel_major",
    "keep_freed_cpu_memory",
    "plain_depthwise",
    "set_fast_ops",
    "stem_channel_major",
    "to_channel_major",
    "use_fast",
]

logger = logging.getLogger(__name__)
_state = threading.local()
_DEFAULT = True

#: A depthwise convolution or average pooling whose map has more pixels than this does not
#: use one (H·W, H'·W') matrix (it grows with the square of the map size): the convolution
#: runs natively on a channels-last copy, the pooling as two separable products.
MAX_BAND_PIXELS = 256


def fast_ops_enabled() -> bool:
    """Whether the fast CPU path is on (the default) in this thread."""
    return bool(getattr(_state, "enabled", _DEFAULT))


def set_fast_ops(enabled: bool) -> None:
    """Switch the fast CPU path on or off for the calling thread (and the default for new ones).

    Both paths compute the same function with the same parameters; only speed differs.
    """
    global _DEFAULT
    _DEFAULT = bool(enabled)
    _state.enabled = bool(enabled)


@contextlib.contextmanager
def fast_ops(enabled: bool) -> Iterator[None]:
    """Run the ``with`` block with the fast path on or off, restoring the previous setting."""
    previous = getattr(_state, "enabled", None)
    _state.enabled = bool(enabled)
    try:
        yield
    finally:
        if previous is None:
            del _state.enabled  # back to following the process default
        else:
            _state.enabled = previous


_allocator_tuned = False
_allocator_result = False

#: glibc ``mallopt`` parameters (malloc.h) and the values the fast path sets.
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
_TRIM_THRESHOLD = 1 << 30
_MMAP_THRESHOLD = 32 << 20  # glibc's largest accepted value on 64-bit


def keep_freed_cpu_memory() -> bool:
    """Ask glibc's ``malloc`` to keep freed memory for reuse (once per process).

    A training step allocates and frees the same activation buffers (hundreds of KiB to a
    few MiB each) every batch. By default glibc hands such blocks back to the kernel when
    they are freed (``mmap``/heap trimming), and every batch then pays thousands of page
    faults to get them back (measured: 3,000-6,000 per step of the default network, 5-14 ms
    of system time). Raising the trim and mmap thresholds keeps them in the heap, like the
    caching allocators of GPU frameworks; memory already returned is unaffected and the
    process keeps at most its peak. Called by the fast path on its first CPU operation; a
    no-op (returns False) where the C library is not glibc, or when the environment
    variable ``TASKNAS_KEEP_FREED_MEMORY`` is ``0``.
    """
    global _allocator_tuned, _allocator_result
    if not _allocator_tuned:
        _allocator_tuned = True
        wanted = os.environ.get("TASKNAS_KEEP_FREED_MEMORY", "1") != "0"
        if wanted and platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
            try:
                libc = ctypes.CDLL(None)
                ok = libc.mallopt(_M_MMAP_THRESHOLD, _MMAP_THRESHOLD) == 1
                _allocator_result = ok and libc.mallopt(_M_TRIM_THRESHOLD, _TRIM_THRESHOLD) == 1
            except (OSError, AttributeError):
                _allocator_result = False
        logger.debug("glibc malloc set to keep freed memory: %s", _allocator_result)
    return _allocator_result


def use_fast(x: torch.Tensor) -> bool:
    """Whether an operation on ``x`` takes the fast path: on, a 4-d floating CPU tensor."""
    fast = (
        fast_ops_enabled()
        and x.device.type == "cpu"
        and x.dim() == 4
        and x.is_floating_point()
        and not torch.jit.is_scripting()
    )
    if fast and not _allocator_tuned:
        keep_freed_cpu_memory()
    return fast


def to_channel_major(x: torch.Tensor) -> torch.Tensor:
    """``x`` (N, C, H, W) as a contiguous (C, N, H, W) tensor (no copy when it already is)."""
    t = x.transpose(0, 1)
    return t if t.is_contiguous() else t.contiguous()


def is_channel_major(x: torch.Tensor) -> bool:
    """Whether ``x`` (N, C, H, W) is stored channel-major (its (C, N, H, W) view is contiguous)."""
    return x.dim() == 4 and x.transpose(0, 1).is_contiguous()


def channel_major(x: torch.Tensor) -> torch.Tensor:
    """``x`` stored channel-major when the fast path is on (same values and shape)."""
    return to_channel_major(x).transpose(0, 1) if use_fast(x) else x


def stem_channel_major(stem: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """``stem(x)`` stored channel-major when the fast path is on: a ``(conv, BatchNorm2d)``
    stem normalises after the layout change (BatchNorm is faster channel-major)."""
    if not use_fast(x):
        return stem(x)
    if (
        isinstance(stem, nn.Sequential)
        and len(stem) == 2
        and type(stem[1]) is nn.BatchNorm2d
        and not stem._forward_hooks
        and not stem._forward_pre_hooks
    ):
        return batch_norm_cm(stem[1], to_channel_major(stem[0](x))).transpose(0, 1)
    return channel_major(stem(x))


def cat_channels(states: list[torch.Tensor]) -> torch.Tensor:
    """``torch.cat(states, dim=1)``, kept channel-major when the inputs are (one copy)."""
    if use_fast(states[0]) and all(is_channel_major(s) for s in states):
        return torch.cat([to_channel_major(s) for s in states], dim=0).transpose(0, 1)
    return torch.cat(states, dim=1)


def batch_norm_cm(bn: nn.Module, xc: torch.Tensor) -> torch.Tensor:
    """``bn`` (a ``BatchNorm2d``, with its own training and running-statistics logic) on
    channel-major ``xc`` (C, N, H, W) seen as (1, C, N·H·W, 1); channel-major result."""
    c, n, h, w = xc.shape
    return bn(xc.view(1, c, n * h * w, 1)).view(c, n, h, w)


def pointwise_cm(weight: torch.Tensor, xc: torch.Tensor) -> torch.Tensor:
    """A 1×1 convolution (``weight`` (C', C, 1, 1), no bias) on channel-major ``xc``."""
    c, n, h, w = xc.shape
    return torch.mm(weight.view(weight.shape[0], c), xc.reshape(c, n * h * w)).view(-1, n, h, w)


@lru_cache(maxsize=256)
def _band_indices(
    height: int, width: int, kernel: int, stride: int, dilation: int, padding: int
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int, int]:
    """Index tensors of the band matrix of a depthwise convolution on a ``height×width`` map.

    Returns the flat matrix entries (input pixel · H'·W' + output pixel) that hold a weight
    and the kernel tap each holds, ``positions`` (K², L) the entries each tap occupies (padded
    with entry 0) and ``mask`` (K², L) marking the real ones, then H' and W'.
    """
    h_out = (height + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    w_out = (width + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1
    oi = torch.arange(h_out).view(-1, 1, 1, 1)
    oj = torch.arange(w_out).view(1, -1, 1, 1)
    ka = torch.arange(kernel).view(1, 1, -1, 1)
    kb = torch.arange(kernel).view(1, 1, 1, -1)
    yi = oi * stride + ka * dilation - padding  # (H', 1, K, 1)
    xj = oj * stride + kb * dilation - padding  # (1, W', 1, K)
    valid = ((yi >= 0) & (yi < height) & (xj >= 0) & (xj < width)).expand(
        h_out, w_out, kernel, kernel
    )
    rows = (yi * width + xj).expand(h_out, w_out, kernel, kernel)  # input pixel
    cols = (oi * w_out + oj).expand(h_out, w_out, kernel, kernel)  # output pixel
    taps = (ka * kernel + kb).expand(h_out, w_out, kernel, kernel)
    entry = rows * (h_out * w_out) + cols
    nonzero, nonzero_taps = entry[valid], taps[valid]
    per_tap = [nonzero[nonzero_taps == t] for t in range(kernel * kernel)]
    length = max(1, max(len(p) for p in per_tap))
    positions = torch.zeros(kernel * kernel, length, dtype=torch.long)
    mask = torch.zeros(kernel * kernel, length)
    for t, p in enumerate(per_tap):
        positions[t, : len(p)] = p
        mask[t, : len(p)] = 1.0
    return nonzero, nonzero_taps, positions, mask, h_out, w_out


class _BandMatrix(torch.autograd.Function):
    """(C, K²) weights -> (C, H·W·H'·W') band matrices; the backward sums each tap's entries
    with a gather (cheaper than the scatter-add of an indexing backward)."""

    @staticmethod
    def forward(
        ctx: object,
        weight: torch.Tensor,
        entries: torch.Tensor,
        taps: torch.Tensor,
        size: int,
        positions: torch.Tensor,
        mask: torch.Tensor,
    ) -> torch.Tensor:
        ctx.save_for_backward(positions, mask)  # type: ignore[attr-defined]
        band = weight.new_zeros(weight.shape[0], size)
        return band.index_copy_(1, entries, weight.index_select(1, taps))

    @staticmethod
    def backward(ctx: object, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        positions, mask = ctx.saved_tensors  # type: ignore[attr-defined]
        taps = grad.index_select(1, positions.view(-1)).view(grad.shape[0], *positions.shape)
        return (taps * mask.to(grad.dtype)).sum(-1), None, None, None, None, None


def depthwise_band(conv: nn.Conv2d, xc: torch.Tensor) -> torch.Tensor:
    """Depthwise ``conv`` (groups = channels, no bias) on channel-major ``xc`` (C, N, H, W) as
    one batched matrix product with the band matrices of its weight; channel-major result."""
    c, n, h, w = xc.shape
    kernel = conv.kernel_size[0]
    entries, taps, positions, mask, h_out, w_out = _band_indices(
        h,
        w,
        kernel,
        conv.stride[0],
        conv.dilation[0],
        int(conv.padding[0]),  # type: ignore[arg-type]
    )
    weight = conv.weight.view(c, kernel * kernel)
    size = h * w * h_out * w_out
    band = _BandMatrix.apply(weight, entries, taps, size, positions, mask)
    band = band.view(c, h * w, h_out * w_out)
    return torch.bmm(xc.reshape(c, n, h * w), band).view(c, n, h_out, w_out)


def depthwise_channels_last(conv: nn.Conv2d, xc: torch.Tensor) -> torch.Tensor:
    """Depthwise ``conv`` on channel-major ``xc`` (C, N, H, W) by the native kernel on a
    channels-last copy (the layout PyTorch's CPU depthwise kernels are fast in); channel-major
    result. For maps too large for ``depthwise_band``."""
    x = xc.permute(1, 2, 3, 0).contiguous().permute(0, 3, 1, 2)  # (N, C, H, W), channels last
    out = F.conv2d(x, conv.weight, None, conv.stride, conv.padding, conv.dilation, conv.groups)  # type: ignore[arg-type]
    return out.permute(1, 0, 2, 3).contiguous()


def max_pool_cm(pool: nn.MaxPool2d, xc: torch.Tensor) -> torch.Tensor:
    """``pool`` on channel-major ``xc`` (C, N, H, W): the channels-last pooling kernel (many
    times faster than the NCHW one on CPU) with batch and channels merged; channel-major out."""
    c, n, h, w = xc.shape
    merged = xc.view(1, c * n, h, w).contiguous(memory_format=torch.channels_last)
    out = F.max_pool2d(
        merged, pool.kernel_size, pool.stride, pool.padding, pool.dilation, pool.ceil_mode
    )
    return out.contiguous().view(c, n, out.shape[2], out.shape[3])


@lru_cache(maxsize=64)
def _average_axis(
    size: int, kernel: int, stride: int, padding: int, dtype: torch.dtype
) -> torch.Tensor:
    """(size, size') matrix of a ``count_include_pad=False`` average pooling along one axis
    (the 2-d pooling's weights and divisor are the product of its two axes')."""
    size_out = (size + 2 * padding - kernel) // stride + 1
    start = torch.arange(size_out) * stride - padding
    pos = torch.arange(size).view(-1, 1)
    inside = (pos >= start) & (pos < start + kernel)  # (size, size_out)
    return (inside.double() / inside.sum(0, keepdim=True).double()).to(dtype)


@lru_cache(maxsize=64)
def _average_matrix(
    height: int, width: int, kernel: int, stride: int, padding: int, dtype: torch.dtype
) -> torch.Tensor:
    """(H·W, H'·W') matrix of a ``count_include_pad=False`` average pooling."""
    rows = _average_axis(height, kernel, stride, padding, torch.float64)
    cols = _average_axis(width, kernel, stride, padding, torch.float64)
    # Entry (y·W + x, i·W' + j) = rows[y, i] · cols[x, j].
    matrix = torch.einsum("yi,xj->yxij", rows, cols)
    return matrix.reshape(height * width, -1).to(dtype)


def avg_pool_cm(pool: nn.AvgPool2d, xc: torch.Tensor) -> torch.Tensor | None:
    """``pool`` (square, ``count_include_pad=False``) on channel-major ``xc`` as one matrix
    product, or ``None`` when the pooling or map does not suit it."""
    c, n, h, w = xc.shape
    kernel, stride, padding = pool.kernel_size, pool.stride, pool.padding
    if (
        not isinstance(kernel, int)
        or not isinstance(stride, int)
        or not isinstance(padding, int)
        or pool.ceil_mode
        or pool.count_include_pad
        or pool.divisor_override is not None
    ):
        return None
    h_out = (h + 2 * padding - kernel) // stride + 1
    if h * w > MAX_BAND_PIXELS:  # rowsᵀ · X · cols for each image and channel
        rows = _average_axis(h, kernel, stride, padding, xc.dtype)
        cols = _average_axis(w, kernel, stride, padding, xc.dtype)
        out = torch.matmul(rows.t(), torch.matmul(xc.reshape(c * n, h, w), cols))
        return out.view(c, n, h_out, -1)
    matrix = _average_matrix(h, w, kernel, stride, padding, xc.dtype)
    out = torch.mm(xc.reshape(c * n, h * w), matrix)
    return out.view(c, n, h_out, -1)


def plain_depthwise(conv: nn.Conv2d) -> bool:
    """Whether ``conv`` is a square, bias-free, zero-padded depthwise convolution."""
    return (
        conv.groups == conv.in_channels == conv.out_channels
        and conv.bias is None
        and conv.padding_mode == "zeros"
        and isinstance(conv.padding, tuple)
        and len(set(conv.kernel_size)) == 1
        and len(set(conv.stride)) == 1
        and len(set(conv.dilation)) == 1
        and len(set(conv.padding)) == 1
    )


def depthwise_cm(conv: nn.Conv2d, xc: torch.Tensor) -> torch.Tensor:
    """Depthwise ``conv`` (``plain_depthwise``) on channel-major ``xc`` (C, N, H, W),
    channel-major result: the band product on a small map, the channels-last native kernel
    on a larger one."""
    if xc.shape[2] * xc.shape[3] <= MAX_BAND_PIXELS:
        return depthwise_band(conv, xc)
    return depthwise_channels_last(conv, xc)
