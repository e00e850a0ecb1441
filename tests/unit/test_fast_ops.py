"""The fast CPU path of the cell operations (``tasknas.nn._fast``) computes the reference
function: same outputs and gradients, same parameters, for every operation and stride, and for
whole networks and supernets."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

from tasknas.nn import DartsNetwork, DartsSupernet, NB201Network, NB201Supernet, make_op
from tasknas.nn._fast import fast_ops, fast_ops_enabled, is_channel_major, set_fast_ops
from tasknas.spaces import EMTNAS_OPS, TANAS_OPS, get_space

DARTS_OPS = sorted(set(EMTNAS_OPS) | set(TANAS_OPS) | {"none", "sep_conv_7x7", "conv_7x1_1x7"})


def _grads(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: p.grad.clone() for k, p in module.named_parameters() if p.grad is not None}


def _run(
    module: nn.Module, x: torch.Tensor, *, fast: bool, channel_major: bool = False
) -> tuple[torch.Tensor, torch.Tensor, dict[str, torch.Tensor]]:
    """Output, input gradient and parameter gradients of a weighted sum of ``module(x)``."""
    module.zero_grad(set_to_none=True)
    x = x.detach().clone()
    if channel_major:
        x = x.transpose(0, 1).contiguous().transpose(0, 1)
    x.requires_grad_(True)
    with fast_ops(fast):
        out = module(x)
        weights = torch.linspace(-1.0, 1.0, out.numel(), dtype=out.dtype).view(out.shape)
        (out * weights).sum().backward()
    assert x.grad is not None
    return out.detach(), x.grad, _grads(module)


def _close(actual: torch.Tensor, expected: torch.Tensor, tol: float, msg: str = "") -> None:
    """``actual`` equals ``expected`` within ``tol`` relative to the larger of 1 and the
    largest entry of ``expected``: a weight gradient sums thousands of products, and in
    float32 its rounding grows with its magnitude (and depends on the CPU's kernels)."""
    scale = max(1.0, float(expected.abs().max()))
    torch.testing.assert_close(actual, expected, atol=tol * scale, rtol=tol, msg=msg or None)


def _assert_same(module: nn.Module, x: torch.Tensor, *, atol: float) -> None:
    reference = copy.deepcopy(module)
    out_ref, gx_ref, g_ref = _run(reference, x, fast=False)
    for channel_major in (False, True):
        out, gx, g = _run(module, x, fast=True, channel_major=channel_major)
        assert out.shape == out_ref.shape
        _close(out, out_ref, atol)
        _close(gx, gx_ref, atol)
        assert g.keys() == g_ref.keys()
        for key in g:
            _close(g[key], g_ref[key], atol, key)


@pytest.mark.parametrize("op", DARTS_OPS)
@pytest.mark.parametrize("stride", [1, 2])
@pytest.mark.parametrize("size", [28, 14, 7, 4])
def test_every_op_matches_the_reference_float64(op: str, stride: int, size: int) -> None:
    torch.manual_seed(0)
    module = make_op(op, 6, stride).double().train()
    x = torch.randn(5, 6, size, size, dtype=torch.float64)
    _assert_same(module, x, atol=1e-10)


@pytest.mark.parametrize("op", ["sep_conv_5x5", "dil_conv_7x7", "max_pool_3x3", "avg_pool_3x3"])
def test_ops_match_in_float32_and_in_eval_mode(op: str) -> None:
    torch.manual_seed(1)
    module = make_op(op, 8, 1)
    x = torch.randn(16, 8, 14, 14)
    _assert_same(module, x, atol=1e-4)
    module.eval()
    with torch.no_grad(), fast_ops(False):
        ref = module(x)
    with torch.no_grad(), fast_ops(True):
        fast = module(x.transpose(0, 1).contiguous().transpose(0, 1))
    torch.testing.assert_close(fast, ref, atol=1e-5, rtol=1e-5)


def test_max_pool_ties_route_the_gradient_like_the_reference() -> None:
    module = make_op("max_pool_3x3", 4, 1).double()
    x = torch.randint(0, 3, (3, 4, 7, 7)).double()  # many equal values in each window
    _assert_same(module, x, atol=1e-12)


def test_state_dict_is_unchanged_and_the_switch_restores() -> None:
    arch = get_space("darts-emtnas").sample(np.random.default_rng(0))
    net = DartsNetwork(arch, channels=4, layers=5)
    with fast_ops(False):
        before = {k: tuple(v.shape) for k, v in DartsNetwork(arch, channels=4).state_dict().items()}
    assert {k: tuple(v.shape) for k, v in net.state_dict().items()} == before
    assert fast_ops_enabled()
    with fast_ops(False):
        assert not fast_ops_enabled()
    assert fast_ops_enabled()
    set_fast_ops(False)
    try:
        assert not fast_ops_enabled()
    finally:
        set_fast_ops(True)


def _network_step(net: nn.Module, x: torch.Tensor, y: torch.Tensor, *, fast: bool) -> tuple:
    net.zero_grad(set_to_none=True)
    with fast_ops(fast):
        logits = net(x)
        F.cross_entropy(logits, y).backward()
    return logits.detach(), _grads(net)


@pytest.mark.parametrize("stem_stride", [2, 1])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_whole_darts_network_forward_backward_match(seed: int, stem_stride: int) -> None:
    torch.manual_seed(seed)
    arch = get_space("darts-emtnas" if seed != 2 else "darts-tanas").sample(
        np.random.default_rng(seed)
    )
    net = DartsNetwork(arch, channels=4, layers=5, num_classes=3, stem_stride=stem_stride)
    net = net.double()
    x = torch.randn(6, 1, 28, 28, dtype=torch.float64)
    y = torch.tensor([0, 1, 2, 0, 1, 2])
    ref_logits, ref_grads = _network_step(copy.deepcopy(net), x, y, fast=False)
    logits, grads = _network_step(net, x, y, fast=True)
    torch.testing.assert_close(logits, ref_logits, atol=1e-9, rtol=1e-9)
    assert grads.keys() == ref_grads.keys()
    for key in grads:
        torch.testing.assert_close(grads[key], ref_grads[key], atol=1e-9, rtol=1e-9, msg=key)


def test_darts_network_float32_with_drop_path_in_eval_and_train() -> None:
    torch.manual_seed(3)
    arch = get_space("darts-emtnas").sample(np.random.default_rng(3))
    net = DartsNetwork(arch, channels=8, layers=5)
    x = torch.randn(8, 1, 28, 28)
    y = torch.tensor([0, 1] * 4)
    ref_logits, ref_grads = _network_step(copy.deepcopy(net), x, y, fast=False)
    logits, grads = _network_step(net, x, y, fast=True)
    torch.testing.assert_close(logits, ref_logits, atol=1e-4, rtol=1e-4)
    for key in grads:
        torch.testing.assert_close(grads[key], ref_grads[key], atol=1e-4, rtol=1e-3, msg=key)
    net.eval()
    with torch.no_grad(), fast_ops(False):
        ref = net(x)
    with torch.no_grad():
        out = net(x)
    torch.testing.assert_close(out, ref, atol=1e-4, rtol=1e-4)


@pytest.mark.parametrize("stem_stride", [2, 1])
def test_cells_keep_activations_channel_major(stem_stride: int) -> None:
    arch = get_space("darts-emtnas").sample(np.random.default_rng(0))
    net = DartsNetwork(arch, channels=4, layers=5, stem_stride=stem_stride)
    seen: list[bool] = []
    for cell in net.cells:
        cell.register_forward_hook(lambda _m, _i, out: seen.append(is_channel_major(out)))
    net(torch.randn(3, 1, 28, 28))
    assert seen == [True] * 5


def test_a_large_map_takes_the_channels_last_kernel_and_a_small_one_the_band(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Stem stride 1 puts the first cells on 28×28 maps (784 pixels, past
    ``MAX_BAND_PIXELS``): their depthwise convolutions run on a channels-last copy, the
    later cells' (14×14 and smaller) as band products."""
    from tasknas.nn import _fast

    calls: list[tuple[str, int]] = []
    for name in ("depthwise_band", "depthwise_channels_last"):
        original = getattr(_fast, name)

        def spy(conv, xc, _name=name, _original=original):  # type: ignore[no-untyped-def]
            calls.append((_name, xc.shape[2]))
            return _original(conv, xc)

        monkeypatch.setattr(_fast, name, spy)
    arch = get_space("darts-emtnas").parse(
        "normal=dw_conv_3x3~0,dil_conv_7x7~0|dil_conv_3x3~2,dil_conv_5x5~2|dw_conv_3x3~3,"
        "avg_pool_3x3~0|dil_conv_5x5~1,dil_conv_3x3~4|dil_conv_7x7~3,dw_conv_7x7~5;"
        "reduce=dw_conv_3x3~0,max_pool_3x3~0|max_pool_3x3~1,max_pool_3x3~2|dw_conv_3x3~1,"
        "dil_conv_7x7~2|dil_conv_7x7~0,dw_conv_7x7~3|avg_pool_3x3~2,dw_conv_3x3~2"
    )  # a searched cell (Fashion-MNIST, seed 0)
    DartsNetwork(arch, channels=4, layers=5, stem_stride=1)(torch.randn(2, 1, 28, 28))
    assert {size for name, size in calls if name == "depthwise_channels_last"} == {28}
    assert {size for name, size in calls if name == "depthwise_band"} == {14, 7}


@pytest.mark.parametrize("stem_stride", [2, 1])
def test_darts_supernet_matches(stem_stride: int) -> None:
    torch.manual_seed(4)
    space = get_space("darts-emtnas")
    net = DartsSupernet(space, channels=4, layers=5, stem_stride=stem_stride).double()
    x = torch.randn(6, 1, 28, 28, dtype=torch.float64)
    y = torch.tensor([0, 1] * 3)
    for seed in range(2):
        net.select(space.sample(np.random.default_rng(seed)))
        ref_logits, ref_grads = _network_step(copy.deepcopy(net), x, y, fast=False)
        logits, grads = _network_step(net, x, y, fast=True)
        torch.testing.assert_close(logits, ref_logits, atol=1e-9, rtol=1e-9)
        assert grads.keys() == ref_grads.keys()
        for key in grads:
            torch.testing.assert_close(grads[key], ref_grads[key], atol=1e-9, rtol=1e-9)


def test_nb201_network_and_supernet_match() -> None:
    torch.manual_seed(5)
    space = get_space("nb201")
    cell = space.sample(np.random.default_rng(5))
    x = torch.randn(4, 1, 16, 16, dtype=torch.float64)
    y = torch.tensor([0, 1, 0, 1])
    supernet = NB201Supernet(space, channels=4, layers=1).double()
    supernet.select(cell)
    for net in (NB201Network(cell, channels=4, layers=1).double(), supernet):
        ref_logits, ref_grads = _network_step(copy.deepcopy(net), x, y, fast=False)
        logits, grads = _network_step(net, x, y, fast=True)
        torch.testing.assert_close(logits, ref_logits, atol=1e-9, rtol=1e-9)
        for key in grads:
            torch.testing.assert_close(grads[key], ref_grads[key], atol=1e-9, rtol=1e-9)


def test_running_statistics_are_updated_alike() -> None:
    torch.manual_seed(6)
    arch = get_space("darts-emtnas").sample(np.random.default_rng(6))
    net = DartsNetwork(arch, channels=4, layers=5).double()
    reference = copy.deepcopy(net)
    x = torch.randn(6, 1, 28, 28, dtype=torch.float64)
    for _ in range(2):
        with fast_ops(False):
            reference(x)
        net(x)
    ref_state, state = reference.state_dict(), net.state_dict()
    buffers = [k for k in state if "running" in k or "num_batches" in k]
    assert buffers
    for key in buffers:
        torch.testing.assert_close(state[key], ref_state[key], atol=1e-12, rtol=1e-12, msg=key)


def test_other_devices_and_integer_tensors_take_the_standard_path() -> None:
    from tasknas.nn._fast import keep_freed_cpu_memory, use_fast

    assert use_fast(torch.zeros(2, 3, 4, 4))
    assert not use_fast(torch.zeros(2, 3, 4, 4, device="meta"))
    assert not use_fast(torch.zeros(2, 3, 4, 4, dtype=torch.long))
    assert not use_fast(torch.zeros(3, 4, 4))
    with fast_ops(False):
        assert not use_fast(torch.zeros(2, 3, 4, 4))
    assert isinstance(keep_freed_cpu_memory(), bool)
    # A meta tensor runs through the standard modules (shape inference only).
    out = make_op("dil_conv_5x5", 4, 2).to("meta")(torch.zeros(2, 4, 7, 7, device="meta"))
    assert out.shape == (2, 4, 4, 4) and out.device.type == "meta"


def test_the_context_manager_nests_and_follows_the_default_afterwards() -> None:
    with fast_ops(False):
        with fast_ops(True):
            assert fast_ops_enabled()
        assert not fast_ops_enabled()
    set_fast_ops(False)
    try:
        assert not fast_ops_enabled()  # the block above left no stale per-thread setting
    finally:
        set_fast_ops(True)
    assert fast_ops_enabled()
