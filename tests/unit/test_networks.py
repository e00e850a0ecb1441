"""Torch networks of the cell spaces: operations, DARTS and NB201 networks, ``build_network``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest
import torch
from torch import nn

from tasknas._torch import seeded
from tasknas.errors import InvalidArchitectureError, InvalidSettingError, UnknownNameError
from tasknas.nn import (
    BUILDERS,
    OPS,
    DartsCellModule,
    DartsNetwork,
    NB201Network,
    NB201Supernet,
    TransNASMicroNetwork,
    build_network,
    build_supernet,
    count_parameters,
    default_layers,
)
from tasknas.nn._darts import reduction_positions
from tasknas.spaces import (
    EMTNAS_OPS,
    TANAS_OPS,
    DartsGenotype,
    NB201Cell,
    TransNASMicroCell,
    get_space,
)

NUM_CLASSES = 3
#: Small settings per space so every network test stays fast.
SMALL: dict[str, dict[str, int]] = {
    "darts-tanas": {"channels": 8, "layers": 3},
    "darts-emtnas": {"channels": 8, "layers": 3},
    "darts-emtnas-conv": {"channels": 8, "layers": 3},
    "nb201": {"channels": 8, "layers": 1},
    "transnas-micro": {"channels": 8, "layers": 1},
}


def _arch(space: str, seed: int) -> Any:
    return get_space(space).sample(np.random.default_rng(seed))


def _build(space: str, seed: int, in_channels: int, **overrides: int) -> nn.Module:
    with seeded(seed):
        return build_network(
            _arch(space, seed),
            in_channels=in_channels,
            num_classes=NUM_CLASSES,
            **{**SMALL[space], **overrides},
        )


# -- operations --------------------------------------------------------------------------


def test_ops_cover_every_space() -> None:
    needed = set(TANAS_OPS) | set(EMTNAS_OPS) | set(NB201Cell.OPS) | {"zeroize"}
    assert needed <= set(OPS)


@pytest.mark.parametrize("name", sorted(OPS))
@pytest.mark.parametrize(("size", "stride", "out"), [(28, 1, 28), (14, 2, 7), (7, 2, 4)])
def test_op_shapes(name: str, size: int, stride: int, out: int) -> None:
    op = OPS[name](4, stride)
    assert isinstance(op, nn.Module)
    y = op(torch.randn(2, 4, size, size))
    assert y.shape == (2, 4, out, out)


def test_unknown_op() -> None:
    with pytest.raises(UnknownNameError) as info:
        OPS["conv_9x9"]
    assert info.value.choices == tuple(OPS) and "sep_conv_3x3" in str(info.value)
    assert "conv_9x9" not in OPS and OPS.get("conv_9x9") is None


def test_affine_switch() -> None:
    bn = [m for m in OPS["sep_conv_3x3"](4, 1, False).modules() if isinstance(m, nn.BatchNorm2d)]
    assert bn and all(m.weight is None for m in bn)


# -- forward and backward ----------------------------------------------------------------


def _live_cells(genotype: DartsGenotype, layers: int) -> set[int]:
    """Cells whose output reaches the classifier (a cell both successors ignore is dead)."""
    reductions = reduction_positions(layers)

    def reads(i: int, source: int) -> bool:
        cell = genotype.reduce if i in reductions and genotype.reduce else genotype.normal
        return any(s == source for node in cell.nodes for _, s in node)

    live = {layers - 1}
    for i in range(layers - 2, -1, -1):
        if (i + 1 in live and reads(i + 1, 1)) or (i + 2 in live and reads(i + 2, 0)):
            live.add(i)
    return live


@pytest.mark.parametrize("in_channels", [1, 3])
@pytest.mark.parametrize("space", sorted(SMALL))
@pytest.mark.parametrize("seed", [0, 1])
def test_forward_and_backward(space: str, in_channels: int, seed: int) -> None:
    model = _build(space, seed, in_channels)
    model.train()
    x = torch.randn(2, in_channels, 28, 28, generator=torch.Generator().manual_seed(seed))
    y = model(x)
    assert y.shape == (2, NUM_CLASSES) and torch.isfinite(y).all()
    nn.functional.cross_entropy(y, torch.tensor([0, 1])).backward()
    dead: set[int] = set()
    if isinstance(model, DartsNetwork):
        dead = set(range(len(model.cells))) - _live_cells(model.genotype, len(model.cells))
    nonzero = False
    for name, param in model.named_parameters():
        parts = name.split(".")
        if parts[0] == "cells" and int(parts[1]) in dead:
            continue
        # NB201 'none' edges multiply by zero: their upstream gradients exist but may be 0.
        assert param.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(param.grad).all(), f"{name} has a non-finite gradient"
        nonzero |= bool(param.grad.abs().sum() > 0)
    assert nonzero


def test_all_zero_nb201_cell_still_runs() -> None:
    with seeded(0):
        model = NB201Network(
            NB201Cell.from_names(["none"] * 6), channels=8, layers=1, num_classes=2
        )
    y = model(torch.randn(2, 1, 28, 28))
    y.sum().backward()
    assert torch.isfinite(y).all()
    assert all(p.grad is not None for p in model.parameters())


def test_eval_mode_is_deterministic_with_drop_path() -> None:
    with seeded(0):
        model = DartsNetwork(_arch("darts-emtnas", 2), channels=8, layers=3, drop_path_prob=0.3)
    x = torch.randn(2, 1, 28, 28)
    model.train()
    with seeded(1):
        assert torch.isfinite(model(x)).all()
    model.eval()
    assert torch.equal(model(x), model(x))


# -- structure ---------------------------------------------------------------------------


def test_reduction_positions_follow_emtnas() -> None:
    assert sorted(reduction_positions(5)) == [1, 3]
    assert sorted(reduction_positions(3)) == [1, 2]
    assert sorted(reduction_positions(8)) == [2, 5]
    genotype = _arch("darts-emtnas", 0)
    with seeded(0):
        model = DartsNetwork(genotype, channels=4, layers=5)
    assert [cell.reduction for cell in model.cells] == [False, True, False, True, False]
    expected = [4, 8, 8, 16, 16]
    assert [cell.out_channels for cell in model.cells] == [5 * c for c in expected]
    # Each position is built from its own cell; ops on the cell inputs stride at reductions.
    for i, module in enumerate(model.cells):
        cell = genotype.reduce if module.reduction else genotype.normal
        pairs = [pair for node in cell.nodes for pair in node]  # type: ignore[union-attr]
        assert module.inputs == tuple(source for _, source in pairs)
        stride = {source: 2 if module.reduction and source < 2 else 1 for _, source in pairs}
        expected_types = [type(OPS[op](4, stride[source])) for op, source in pairs]
        assert [type(m) for m in module.ops] == expected_types, i


def test_spaces_without_reduction_cell_reuse_the_normal_cell() -> None:
    genotype = _arch("darts-tanas", 0)
    with seeded(0):
        model = DartsNetwork(genotype, channels=4, layers=3)
    assert model.cells[0].inputs == model.cells[1].inputs == model.cells[2].inputs
    assert model.cells[1].reduction and model.cells[2].reduction
    y = model(torch.randn(1, 1, 28, 28))
    assert y.shape == (1, 2)


def test_cell_module_alone_and_with_custom_ops() -> None:
    cell = _arch("darts-tanas", 4).normal
    calls: list[tuple[int, int]] = []

    def conv(channels: int, stride: int, affine: bool = True) -> nn.Module:
        calls.append((channels, stride))
        return nn.Conv2d(channels, channels, 3, stride, 1)

    module = DartsCellModule(
        cell, 6, 10, 4, reduction=True, reduction_prev=False, ops={op: conv for op in TANAS_OPS}
    )
    assert len(calls) == 6 and all(c == 4 for c, _ in calls)
    out = module(torch.randn(2, 6, 14, 14), torch.randn(2, 10, 14, 14))
    assert out.shape == (2, 3 * 4, 7, 7) and module.out_channels == 12


def test_parameter_counts_are_positive_and_deterministic() -> None:
    for space in SMALL:
        first, again = _build(space, 5, 3), _build(space, 5, 3)
        assert count_parameters(first) == count_parameters(again) > 0
        for (name, a), (_, b) in zip(
            first.state_dict().items(), again.state_dict().items(), strict=True
        ):
            assert torch.equal(a, b), name
        with seeded(6):
            other = build_network(_arch(space, 5), in_channels=3, num_classes=3, **SMALL[space])
        assert any(
            not torch.equal(a, b)
            for a, b in zip(first.state_dict().values(), other.state_dict().values(), strict=True)
            if a.is_floating_point()
        )


def test_count_parameters_ignores_frozen_ones() -> None:
    model = nn.Linear(3, 2)
    assert count_parameters(model) == 8
    model.bias.requires_grad_(False)
    assert count_parameters(model) == 6


# -- build_network -----------------------------------------------------------------------


def test_build_network_dispatches_on_the_genotype_type() -> None:
    with seeded(0):
        darts = build_network(_arch("darts-tanas", 0), in_channels=1, num_classes=5, channels=4)
        nb201 = build_network(_arch("nb201", 0), in_channels=3, num_classes=2, channels=4)
    assert isinstance(darts, DartsNetwork) and darts.classifier.out_features == 5
    assert isinstance(nb201, NB201Network) and nb201.classifier.out_features == 2
    assert darts.stem[0].in_channels == 1 and nb201.stem[0].in_channels == 3


@pytest.mark.parametrize("arch", [_arch("darts-tanas", 0).normal, "normal=skip_connect~0", None])
def test_build_network_rejects_unsupported_genotypes(arch: object) -> None:
    with pytest.raises(InvalidArchitectureError) as info:
        build_network(arch, in_channels=1, num_classes=2)
    message = str(info.value)
    assert type(arch).__name__ in message
    assert "DartsGenotype" in message and "NB201Cell" in message
    assert "TransNASMicroCell" in message


def test_a_transnas_cell_is_the_nb201_network_of_the_same_operations() -> None:
    # TransNAS ops 0..3 (none, skip_connect, conv1x1, conv3x3) are NB201's ops 0..3.
    ops = (3, 2, 1, 0, 3, 2)
    tnb_cell, nb201_cell = TransNASMicroCell(ops), NB201Cell(ops)
    with seeded(0):
        tnb = build_network(tnb_cell, in_channels=3, num_classes=2, **SMALL["transnas-micro"])
    with seeded(0):
        nb201 = build_network(nb201_cell, in_channels=3, num_classes=2, **SMALL["nb201"])
    assert type(tnb) is TransNASMicroNetwork
    kernels = [m.kernel_size for m in tnb.cells[0].modules() if isinstance(m, nn.Conv2d)]
    assert kernels == [(3, 3), (1, 1), (3, 3), (1, 1)]
    assert tnb.state_dict().keys() == nb201.state_dict().keys()
    assert all(torch.equal(v, nb201.state_dict()[k]) for k, v in tnb.state_dict().items())
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    tnb.eval()
    nb201.eval()
    assert torch.equal(tnb(x), nb201(x))


def test_each_network_rejects_the_other_benchmark_cell() -> None:
    with pytest.raises(InvalidArchitectureError, match=r"NB201Network.*conv1x1, conv3x3"):
        NB201Network(TransNASMicroCell((3,) * 6))
    with pytest.raises(InvalidArchitectureError, match=r"TransNASMicroNetwork.*nor_conv_1x1"):
        TransNASMicroNetwork(NB201Cell((3,) * 6))


def test_build_network_rejects_unknown_settings() -> None:
    with pytest.raises(TypeError):
        build_network(_arch("nb201", 0), in_channels=1, num_classes=2, depth=3)


# -- one builder table, one depth keyword -------------------------------------------------


@pytest.mark.parametrize("space", sorted(SMALL))
def test_every_network_and_supernet_takes_layers_and_a_seed(space: str) -> None:
    arch = _arch(space, 0)
    builder = BUILDERS[type(arch)]
    assert isinstance(get_space(space), builder.space)
    first = build_network(arch, in_channels=1, num_classes=2, channels=4, layers=2, seed=5)
    again = build_network(arch, in_channels=1, num_classes=2, channels=4, layers=2, seed=5)
    assert type(first) is builder.network
    assert all(torch.equal(v, again.state_dict()[k]) for k, v in first.state_dict().items())
    deeper = build_network(arch, in_channels=1, num_classes=2, channels=4, layers=3, seed=5)
    assert count_parameters(deeper) > count_parameters(first)
    assert default_layers(arch) == default_layers(get_space(space)) == builder.small_layers
    if builder.supernet is None:
        with pytest.raises(InvalidSettingError, match=r"DartsSpace, NB201Space"):
            build_supernet(get_space(space), in_channels=1, num_classes=2)
    else:
        net = build_supernet(get_space(space), in_channels=1, num_classes=2, layers=2, seed=5)
        assert type(net) is builder.supernet


def test_nb201_layers_are_cells_per_stage() -> None:
    cell = _arch("nb201", 0)
    for layers in (1, 2):
        net = NB201Network(cell, channels=4, layers=layers)
        cells = [m for m in net.cells if type(m).__name__ == "NB201CellModule"]
        assert len(cells) == 3 * layers


@pytest.mark.parametrize("cls", [NB201Network, NB201Supernet])
def test_cells_per_stage_is_a_deprecated_alias_of_layers(cls: type[nn.Module]) -> None:
    arg = get_space("nb201") if cls is NB201Supernet else _arch("nb201", 0)
    deprecated = pytest.warns(DeprecationWarning, match="cells_per_stage=.*deprecated.*layers")
    with deprecated, seeded(0):
        old = cls(arg, channels=4, cells_per_stage=2)
    with seeded(0):
        new = cls(arg, channels=4, layers=2)
    assert old.state_dict().keys() == new.state_dict().keys()
    assert all(torch.equal(v, new.state_dict()[k]) for k, v in old.state_dict().items())


@pytest.mark.parametrize(
    "settings", [{"channels": 0}, {"layers": 0}, {"num_classes": -1}, {"in_channels": 1.5}]
)
def test_invalid_network_settings(settings: dict[str, Any]) -> None:
    with pytest.raises(InvalidSettingError):
        DartsNetwork(_arch("darts-tanas", 0), **settings)


def test_wrong_genotype_for_a_network_class() -> None:
    with pytest.raises(InvalidArchitectureError):
        DartsNetwork(_arch("nb201", 0))  # type: ignore[arg-type]
    with pytest.raises(InvalidArchitectureError):
        NB201Network(_arch("darts-tanas", 0))  # type: ignore[arg-type]
    with pytest.raises(InvalidSettingError):
        NB201Network(_arch("nb201", 0), layers=0)


def test_output_is_finite_for_large_inputs() -> None:
    model = _build("darts-emtnas", 3, 1)
    y = model(torch.full((2, 1, 28, 28), 100.0))
    assert all(math.isfinite(v) for v in y.flatten().tolist())


@pytest.mark.parametrize("cell_type", [NB201Cell, TransNASMicroCell])
def test_edges_that_pruning_removes_do_not_change_the_output(cell_type: type) -> None:
    # (0,1) conv, (0,2) conv, (1,2) conv, (0,3) skip, (1,3) conv, (2,3) none: node 2 never
    # reaches the output, so edges (0,2) and (1,2) are dead
    arch = cell_type((3, 3, 2, 1, 3, 0))
    assert arch.pruned().ops == (3, 0, 0, 1, 3, 0)
    with seeded(0):
        model = build_network(arch, in_channels=3, num_classes=2, **SMALL["nb201"])
    model.eval()
    x = torch.randn(2, 3, 16, 16, generator=torch.Generator().manual_seed(0))
    before = model(x)
    cell = model.cells[0]
    dead = [e for e, (a, b) in enumerate(zip(arch.ops, arch.pruned().ops, strict=True)) if a != b]
    live = [e for e in range(6) if e not in dead and arch.ops[e] >= 2]
    with torch.no_grad():
        for e in dead:
            for param in cell.ops[e].parameters():
                param.add_(torch.randn_like(param) * 10)
    assert torch.equal(model(x), before)
    with torch.no_grad():  # a live convolution does change it: the check can fail
        for param in cell.ops[live[0]].parameters():
            param.add_(torch.randn_like(param) * 10)
    assert not torch.equal(model(x), before)


# -- EMT-NAS's space with a dense convolution ----------------------------------------------


def test_emtnas_conv_space_adds_a_dense_3x3_conv_to_emtnas_ops() -> None:
    conv, plain = get_space("darts-emtnas-conv"), get_space("darts-emtnas")
    assert conv.ops == (*plain.ops, "nor_conv_3x3")
    assert (conv.nodes, conv.reduction) == (plain.nodes, plain.reduction)
    dense = [m for m in OPS["nor_conv_3x3"](8, 1).modules() if isinstance(m, nn.Conv2d)]
    assert [(m.groups, m.kernel_size, m.in_channels) for m in dense] == [(1, (3, 3), 8)]


def test_a_dense_conv_edge_trains_and_costs_a_dense_convs_parameters() -> None:
    space = get_space("darts-emtnas-conv")
    text = (
        "normal=dw_conv_3x3~0,skip_connect~1|dw_conv_3x3~2,skip_connect~0|skip_connect~3,"
        "skip_connect~0|skip_connect~4,skip_connect~0|skip_connect~5,skip_connect~0;"
        "reduce=max_pool_3x3~0,max_pool_3x3~1|skip_connect~2,skip_connect~0|skip_connect~3,"
        "skip_connect~0|skip_connect~4,skip_connect~0|skip_connect~5,skip_connect~0"
    )
    with_dw = space.parse(text)
    with_conv = space.parse(text.replace("dw_conv_3x3~2", "nor_conv_3x3~2", 1))
    nets = [
        build_network(a, in_channels=1, num_classes=2, channels=8, layers=3, seed=0)
        for a in (with_dw, with_conv)
    ]
    # Each normal cell swaps one depthwise-separable conv for a dense one at its width.
    dense = [
        m
        for m in nets[1].cells.modules()
        if isinstance(m, nn.Conv2d) and m.kernel_size == (3, 3) and m.groups == 1
    ]
    widths = [m.in_channels for m in dense]
    assert widths and all(w in (8, 16, 32) for w in widths)
    added = sum(9 * w * w - (9 * w + w * w) for w in widths)
    assert count_parameters(nets[1]) - count_parameters(nets[0]) == added
    y = nets[1](torch.randn(2, 1, 28, 28))
    nn.functional.cross_entropy(y, torch.tensor([0, 1])).backward()
    assert all(m.weight.grad is not None and m.weight.grad.abs().sum() > 0 for m in dense)


def test_the_emtnas_conv_supernet_runs_a_dense_conv_path() -> None:
    space = get_space("darts-emtnas-conv")
    supernet = build_supernet(space, in_channels=1, num_classes=2, channels=4, layers=2, seed=0)
    rng = np.random.default_rng(3)
    arch = next(a for a in (space.sample(rng) for _ in range(50)) if "nor_conv_3x3" in str(a))
    supernet.select(arch)
    y = supernet(torch.randn(2, 1, 28, 28))
    assert y.shape == (2, 2) and torch.isfinite(y).all()
