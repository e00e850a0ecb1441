"""Fisher task distance: exact per-sample Fisher, distance properties, the distance matrix."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import tasknas.tasks
from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.nn import SmallCNN
from tasknas.similarity import (
    FISHER_METHODS,
    DistanceMatrix,
    diagonal_fisher,
    distance_matrix,
    fisher_distance,
    task_distance,
)
from tasknas.tasks import TensorData
from tasknas.training import Trainer, seeded

DATA = Path(tasknas.tasks.__file__).parent / "data"


@pytest.fixture(scope="module")
def tasks(binary_task) -> dict[str, TensorData]:
    """MNIST "is it a 3" (twice: two nets trained on it) and Fashion-MNIST "is it a trouser"."""
    is_three = binary_task("mnist_test.npz", 3, 256, seed=0)
    return {"m3a": is_three, "m3b": is_three, "f1": binary_task("fashion_mnist.npz", 1, 256, 1)}


@pytest.fixture(scope="module")
def trained(tasks: dict[str, TensorData]) -> dict[str, SmallCNN]:
    """One small TA-NAS network per task, all from the same initialisation.

    The diagonal Fisher is not invariant to permuting hidden units, so task networks are
    compared from a shared initialisation (different data orders).
    """
    models = {}
    for seed, (name, data) in enumerate(tasks.items()):
        with seeded(0):
            models[name] = SmallCNN(channels=8, hidden=32)
        Trainer(epochs=8, batch_size=32, seed=seed + 1).fit(models[name], data)
    return models


@pytest.fixture(scope="module")
def matrix(trained: dict[str, SmallCNN], tasks: dict[str, TensorData]) -> DistanceMatrix:
    return distance_matrix(trained, tasks)


class Tiny(nn.Module):
    """A three-class network with a batch-norm layer, small enough for a naive Fisher loop."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 2, kernel_size=3)
        self.norm = nn.BatchNorm2d(2)
        self.fc = nn.Linear(2 * 5 * 5, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(torch.relu(self.norm(self.conv(x))).flatten(1))


@pytest.fixture(scope="module")
def tiny_data() -> TensorData:
    """Twenty real MNIST digits shrunk to 7×7, labelled by digit mod 3."""
    with np.load(DATA / "mnist_test.npz") as arrays:
        images, labels = arrays["x_test"][:20], arrays["y_test"][:20]
    x = nn.functional.avg_pool2d(torch.from_numpy(images).float().div(255).unsqueeze(1), 4)
    return TensorData(x, torch.from_numpy(labels % 3))


@pytest.fixture(scope="module")
def tiny() -> Tiny:
    with seeded(0):
        model = Tiny()
    with torch.no_grad():  # non-trivial running statistics, used in eval mode
        model.norm.running_mean.uniform_(-0.5, 0.5)
        model.norm.running_var.uniform_(0.5, 2.0)
    return model


def naive_fisher(model: nn.Module, data: TensorData) -> torch.Tensor:
    """(1/M) Σ_i (∇ log p(y_i|x_i))², one backward pass per sample."""
    model.eval()
    total = [torch.zeros_like(p, dtype=torch.float64) for p in model.parameters()]
    for x, y in zip(data.x, data.y, strict=True):
        model.zero_grad(set_to_none=True)
        log_p = torch.log_softmax(model(x.unsqueeze(0)), dim=1)[0, y]
        log_p.backward()
        for acc, p in zip(total, model.parameters(), strict=True):
            acc += p.grad.double().square()
    model.zero_grad(set_to_none=True)
    diagonal = torch.cat([t.flatten() for t in total]) / len(data)
    return diagonal / diagonal.sum()


def test_per_sample_fisher_equals_a_naive_loop(tiny: Tiny, tiny_data: TensorData) -> None:
    expected = naive_fisher(tiny, tiny_data)
    for method in FISHER_METHODS:
        for batch_size in (1, 3, 64):  # several chunkings, including a partial last chunk
            fisher = diagonal_fisher(tiny, tiny_data, batch_size=batch_size, method=method)
            torch.testing.assert_close(fisher, expected, rtol=1e-5, atol=1e-10)


def test_fisher_methods_agree_under_no_grad_and_with_frozen_parameters(
    tiny: Tiny, tiny_data: TensorData
) -> None:
    expected = naive_fisher(tiny, tiny_data)
    tiny.conv.weight.requires_grad_(False)
    try:
        for method in ("loop", "vmap"):
            with torch.no_grad():
                fisher = diagonal_fisher(tiny, tiny_data, method=method)
            torch.testing.assert_close(fisher, expected, rtol=1e-5, atol=1e-10)
        assert not tiny.conv.weight.requires_grad
    finally:
        tiny.conv.weight.requires_grad_(True)


def test_fisher_has_unit_trace_and_leaves_the_model_alone(
    tiny: Tiny, tiny_data: TensorData
) -> None:
    tiny.train()
    before = {k: v.clone() for k, v in tiny.state_dict().items()}
    fisher = diagonal_fisher(tiny, tiny_data)
    assert fisher.dtype == torch.float64 and fisher.shape == (
        sum(p.numel() for p in tiny.parameters()),
    )
    assert float(fisher.sum()) == pytest.approx(1.0, abs=1e-12) and bool((fisher >= 0).all())
    assert tiny.training and all(p.grad is None for p in tiny.parameters())
    assert all(torch.equal(before[k], v) for k, v in tiny.state_dict().items())


def test_max_samples_uses_the_first_samples(tiny: Tiny, tiny_data: TensorData) -> None:
    head = TensorData(tiny_data.x[:7], tiny_data.y[:7])
    torch.testing.assert_close(
        diagonal_fisher(tiny, tiny_data, max_samples=7), diagonal_fisher(tiny, head)
    )


def test_fisher_rejects_bad_arguments(tiny: Tiny, tiny_data: TensorData) -> None:
    with pytest.raises(InvalidSettingError, match="got 0"):
        diagonal_fisher(tiny, tiny_data, batch_size=0)
    with pytest.raises(InvalidSettingError, match="got -3"):
        diagonal_fisher(tiny, tiny_data, max_samples=-3)
    with pytest.raises(InvalidSettingError, match="empty"):
        diagonal_fisher(tiny, TensorData(tiny_data.x[:0], tiny_data.y[:0]))
    with pytest.raises(InvalidSettingError, match="'gpu'"):
        diagonal_fisher(tiny, tiny_data, device="gpu")
    with pytest.raises(InvalidSettingError, match=r"'jvp'.*auto, loop, vmap"):
        diagonal_fisher(tiny, tiny_data, method="jvp")  # type: ignore[arg-type]


def test_fisher_distance_on_known_vectors() -> None:
    assert fisher_distance(torch.tensor([1.0, 0.0]), np.array([0.0, 1.0])) == pytest.approx(1.0)
    assert fisher_distance([0.25] * 4, [0.25] * 4) == 0.0
    half = fisher_distance([0.5, 0.5], [1.0, 0.0])
    assert half == pytest.approx(np.sqrt((np.sqrt(0.5) - 1) ** 2 + 0.5) / np.sqrt(2))


@pytest.mark.parametrize(
    ("base", "target", "shown"),
    [
        ([0.5, 0.5], [1.0, 0.0, 0.0], "2 entries, f_target 3"),
        ([-0.5, 1.5], [0.5, 0.5], "non-negative"),
        ([[0.5, 0.5]], [0.5, 0.5], "shape (1, 2)"),
    ],
)
def test_fisher_distance_rejects_bad_vectors(base: list, target: list, shown: str) -> None:
    with pytest.raises(InvalidSettingError) as info:
        fisher_distance(base, target)
    assert shown in str(info.value)


def test_a_task_is_at_distance_zero_from_itself(trained, tasks) -> None:
    assert task_distance(trained["f1"], trained["f1"], tasks["f1"]) < 1e-6


def test_matrix_matches_task_distance_and_lies_in_unit_interval(matrix, trained, tasks) -> None:
    assert matrix.names == ("m3a", "m3b", "f1")
    assert np.all(np.diag(matrix.values) == 0.0)
    assert np.all((matrix.values >= 0.0) & (matrix.values <= 1.0))
    direct = task_distance(trained["m3a"], trained["f1"], tasks["f1"])
    assert matrix.distance("m3a", "f1") == pytest.approx(direct, rel=1e-9)


def test_distance_is_asymmetric_across_tasks(matrix: DistanceMatrix) -> None:
    assert abs(matrix.distance("m3a", "f1") - matrix.distance("f1", "m3a")) > 1e-3


def test_nets_of_the_same_task_are_closer_than_across_datasets(matrix: DistanceMatrix) -> None:
    assert matrix.distance("m3a", "m3b") < matrix.distance("f1", "m3b")
    assert matrix.distance("m3b", "m3a") < matrix.distance("f1", "m3a")
    assert matrix.closest("m3b", k=1)[0][0] == "m3a"


def test_distance_matrix_costs_one_fisher_per_pair(monkeypatch, tiny, tiny_data) -> None:
    import tasknas.similarity._matrix as module

    calls: list[int] = []

    def counting(model: nn.Module, data: TensorData, **options: object) -> torch.Tensor:
        calls.append(id(model))
        return diagonal_fisher(model, data, **options)

    monkeypatch.setattr(module, "diagonal_fisher", counting)
    models = {}
    for name in "abc":
        with seeded(ord(name)):
            models[name] = Tiny()
    result = distance_matrix(models, dict.fromkeys("abc", tiny_data), batch_size=8)
    assert len(calls) == 9 and result.values.shape == (3, 3)


def test_distance_matrix_rejects_mismatched_inputs(tiny, tiny_data) -> None:
    with pytest.raises(InvalidSettingError, match=r"only in models: \['b'\]"):
        distance_matrix({"a": tiny, "b": tiny}, {"a": tiny_data})
    other = nn.Sequential(nn.Flatten(), nn.Linear(49, 3))
    with pytest.raises(InvalidSettingError, match="same architecture"):
        distance_matrix({"a": tiny, "b": other}, {"a": tiny_data, "b": tiny_data})


def test_closest_and_serialisation() -> None:
    values = np.array([[0.0, 0.2, 0.5], [0.3, 0.0, 0.1], [0.3, 0.4, 0.0]])
    matrix = DistanceMatrix(("a", "b", "c"), values)
    assert matrix.closest("a", k=2) == [("b", 0.3), ("c", 0.3)]  # ties broken by name
    assert matrix.closest("c") == [("b", 0.1)]
    assert matrix.closest("c", k=5, exclude_self=False) == [("c", 0.0), ("b", 0.1), ("a", 0.5)]
    assert matrix.to_dict()["a"] == {"a": 0.0, "b": 0.2, "c": 0.5}
    assert DistanceMatrix.from_dict(matrix.to_dict()) == matrix
    with pytest.raises(UnknownNameError, match="'d'"):
        matrix.closest("d")
    with pytest.raises(InvalidSettingError, match="got 0"):
        matrix.closest("a", k=0)
    with pytest.raises(InvalidSettingError, match=r"\(2, 2\)"):
        DistanceMatrix(("a", "b"), values)
    with pytest.raises(ValueError, match="read-only"):
        matrix.values[0, 0] = 1.0


def test_plot_writes_an_image(tmp_path: Path) -> None:
    matrix = DistanceMatrix(("digit 3", "trouser"), np.array([[0.0, 0.4], [0.6, 0.0]]))
    path = matrix.plot(tmp_path / "out" / "distances.png", title="Fisher task distance")
    assert path.read_bytes()[:4] == b"\x89PNG"


def test_matplotlib_is_imported_lazily_and_pyplot_never() -> None:
    import tasknas.similarity

    for module in Path(tasknas.similarity.__file__).parent.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            else:
                continue
            assert not any("pyplot" in name for name in names), module.name
            if node in tree.body:  # a module-level import
                assert not any(name.startswith("matplotlib") for name in names), module.name


def test_centred_matrix_removes_a_base_that_is_near_to_everything() -> None:
    # d[base, target]. Base "hub" is 0.15 from every task, nearer than "a" is to its true
    # neighbour "b" (0.20): raw, "hub" is the closest base to "b"; centred (each row minus
    # its mean), "a" is, because "a" is much nearer to "b" than to the other tasks
    names = ("a", "b", "far", "hub")
    values = np.array(
        [
            [0.0, 0.20, 0.50, 0.50],
            [0.20, 0.0, 0.50, 0.50],
            [1.00, 0.95, 0.0, 1.20],
            [0.15, 0.15, 0.15, 0.0],
        ]
    )
    matrix = DistanceMatrix(names, values)
    centred = matrix.centred()
    assert matrix.closest("b", k=1)[0][0] == "hub"
    assert centred.closest("b", k=1)[0][0] == "a"
    assert centred.distance("a", "b") == pytest.approx(0.20 - 0.40)
    off = ~np.eye(4, dtype=bool)
    assert np.allclose([centred.values[i, off[i]].mean() for i in range(4)], 0.0)
    assert np.all(np.diag(centred.values) == 0.0)
    # centring keeps each base's order of targets; it changes only comparisons across bases
    for i in range(4):
        assert list(np.argsort(values[i, off[i]])) == list(np.argsort(centred.values[i, off[i]]))


def test_centring_needs_two_tasks() -> None:
    with pytest.raises(InvalidSettingError, match="at least two tasks"):
        DistanceMatrix(("a",), np.zeros((1, 1))).centred()
