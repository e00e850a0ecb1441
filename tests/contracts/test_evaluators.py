"""The tabular benchmarks, a latency wrapper and a tiny fake pass the ``Evaluator`` contract."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pytest

from tasknas.benchmarks import BENCHMARKS, get_benchmark
from tasknas.errors import InvalidArchitectureError
from tasknas.evaluator import Evaluator, GenerationEvaluator, Latency
from tasknas.spaces import NB201Space, SearchSpace, TransNASMicroCell
from tasknas.tasks import Task
from tasknas.testing import EvaluatorContract, GenerationEvaluatorContract
from tasknas.trial import Result

CONV_OPS = frozenset({"nor_conv_1x1", "nor_conv_3x3"})


class ConvCountEvaluator(Evaluator):
    """A fake NB201 benchmark: the score is the number of convolutions in the cell.

    Task ``convs`` maximises the count; task ``few_convs`` minimises it (a loss-like metric).
    """

    def __init__(self) -> None:
        self._space = NB201Space()
        self._tasks = {
            "convs": Task("convs", "conv_count", "max"),
            "few_convs": Task("few_convs", "conv_count", "min"),
        }

    @property
    def space(self) -> SearchSpace[Any]:
        return self._space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    def evaluate(self, arch: Any, task: str) -> Result:
        spec = self.task(task)
        self.check_arch(arch)
        count = float(sum(name in CONV_OPS for name in arch.op_names))
        return Result(
            objective=spec.objective(count),
            metrics={"conv_count": count, "edges": 6.0},
            cost=10.0 + count,
        )


class TestRegisteredBenchmarks(EvaluatorContract):
    @pytest.fixture(params=BENCHMARKS.names())
    def evaluator(self, request: pytest.FixtureRequest) -> Evaluator:
        return get_benchmark(request.param)


class TestFakeEvaluator(EvaluatorContract):
    @pytest.fixture
    def evaluator(self) -> Evaluator:
        return ConvCountEvaluator()


class TestLatencyWrapper(EvaluatorContract):
    @pytest.fixture
    def evaluator(self) -> Evaluator:
        return Latency(get_benchmark("transnas-micro"), 0.0)


def test_nb201_rejects_a_transnas_cell() -> None:
    bench = get_benchmark("nb201")
    with pytest.raises(InvalidArchitectureError, match="nb201"):
        bench.evaluate(TransNASMicroCell((0, 1, 2, 3, 0, 1)), "cifar10")


def test_fake_evaluator_scores_conv_count() -> None:
    evaluator = ConvCountEvaluator()
    arch = evaluator.space.parse(
        "|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|"
    )
    assert evaluator.evaluate(arch, "convs").objective == 3.0
    assert evaluator.evaluate(arch, "few_convs").objective == -3.0
    assert evaluator.evaluate(arch, "few_convs").metrics["conv_count"] == 3.0
    rng = np.random.default_rng(0)
    assert evaluator.evaluate(evaluator.space.sample(rng), "convs").cost >= 10.0


class TestTrainingEvaluator(EvaluatorContract):
    """The stand-alone training evaluator (real PyTorch training) on tiny settings."""

    deterministic = False  # declared so: real training, though seeded per (arch, task)
    n_archs = 2

    @pytest.fixture
    def evaluator(self) -> Evaluator:
        from tasknas.benchmarks.train import TrainingEvaluator

        return TrainingEvaluator(
            "nb201",
            ["mnist:0", "fashion_mnist:Trouser"],
            epochs=1,
            channels=4,
            layers=1,
            n_train=64,
            n_val=32,
            n_test=32,
        )


class TestSupernetEvaluator(GenerationEvaluatorContract):
    """The weight-sharing training evaluator on tiny settings."""

    @pytest.fixture
    def evaluator(self) -> GenerationEvaluator:
        from tasknas.benchmarks.train import SupernetEvaluator

        return SupernetEvaluator(
            "nb201", ["mnist:0"], channels=4, layers=1, n_train=64, n_val=32, n_test=32
        )


class TestSupernetEvaluatorScoredByLoss(GenerationEvaluatorContract):
    """The same, scored by validation loss over two epochs per generation."""

    @pytest.fixture
    def evaluator(self) -> GenerationEvaluator:
        from tasknas.benchmarks.train import SupernetEvaluator

        return SupernetEvaluator(
            "nb201",
            ["mnist:0"],
            fitness="loss",
            generation_epochs=2,
            channels=4,
            layers=1,
            n_train=64,
            n_val=32,
            n_test=32,
        )
