"""Argument checks (``tasknas._validation``) and the seed check at every public entry.

A seed is an integer >= 0: a bool (``True`` is an int to Python) or a float is refused with
one ``InvalidSettingError`` line naming the value, never used as a seed or left to fail deep
inside numpy.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tasknas._validation import (
    check_choice,
    check_int,
    check_seed,
    non_negative,
    optional_positive_int,
    positive_int,
)
from tasknas.errors import InvalidSettingError

BAD_SEEDS = [True, False, 1.0, 0.5, -1, "1", None, np.float64(2.0)]


@pytest.mark.parametrize("seed", [0, 7, 2**40, np.int64(3)])
def test_check_seed_accepts_integers(seed: Any) -> None:
    value = check_seed(seed)
    assert value == seed and type(value) is int


@pytest.mark.parametrize("seed", BAD_SEEDS, ids=repr)
def test_check_seed_refuses_bools_floats_and_negatives(seed: Any) -> None:
    with pytest.raises(InvalidSettingError) as error:
        check_seed(seed)
    assert str(error.value) == f"seed must be an integer >= 0, got {seed!r}"


def test_check_seed_names_the_argument() -> None:
    with pytest.raises(InvalidSettingError, match=r"^data_seed must be an integer >= 0, got -2$"):
        check_seed(-2, "data_seed")


def test_integer_checks() -> None:
    assert positive_int("epochs", 3) == 3
    assert check_int("limit", 0, 0) == 0
    assert optional_positive_int("n_train", None) is None
    assert optional_positive_int("n_train", np.int32(5)) == 5
    for bad in (0, True, 2.0, "3"):
        with pytest.raises(InvalidSettingError) as error:
            positive_int("epochs", bad)
        assert str(error.value) == f"epochs must be an integer >= 1, got {bad!r}"
    with pytest.raises(InvalidSettingError, match=r"^k must be an integer >= 2, got 1$"):
        check_int("k", 1, 2)
    with pytest.raises(InvalidSettingError, match=r"^n_val must be an integer >= 1 or None, got"):
        optional_positive_int("n_val", 0.5)


def test_number_checks() -> None:
    assert non_negative("lam", 0) == 0.0
    assert non_negative("lr", 0.1, strict=True) == 0.1
    for bad in (-1.0, float("nan"), float("inf"), True, "1"):
        with pytest.raises(InvalidSettingError, match=r"^lam must be a finite number >= 0, got "):
            non_negative("lam", bad)
    with pytest.raises(InvalidSettingError, match=r"^lr must be a finite number > 0, got 0$"):
        non_negative("lr", 0, strict=True)


def test_check_choice_lists_the_choices() -> None:
    check_choice("optimizer", "sgd", ("adam", "sgd"))
    check_choice("scheduler", None, ("cosine",), optional=True)
    with pytest.raises(InvalidSettingError, match=r"^unknown optimizer 'x'; valid choices: adam"):
        check_choice("optimizer", "x", ("adam", "sgd"))
    with pytest.raises(InvalidSettingError, match=r"valid choices: cosine, None$"):
        check_choice("scheduler", "step", ("cosine",), optional=True)


# -- every public entry that takes a seed --------------------------------------------------


def _load_image_task(seed: Any) -> None:
    from tasknas.tasks import load_image_task

    load_image_task("mnist:3", seed=seed, n_train=10, n_val=10, n_test=10)


def _load_multitask_set(seed: Any) -> None:
    from tasknas.tasks import load_multitask_set

    load_multitask_set("multimnist", seed=seed, n_train=4, n_val=4, n_test=4)


def _multimnist(seed: Any) -> None:
    from tasknas.tasks import multimnist

    multimnist(seed=seed, n_train=4, n_val=4, n_test=4)


def _trainer(seed: Any) -> None:
    from tasknas.training import Trainer

    Trainer(seed=seed)


def _evaluator_seed(seed: Any) -> None:
    from tasknas.benchmarks.train import TrainingEvaluator

    TrainingEvaluator("nb201", ["mnist:3"], seed=seed)


def _evaluator_data_seed(seed: Any) -> None:
    from tasknas.benchmarks.train import TrainingEvaluator

    TrainingEvaluator("nb201", ["mnist:3"], data_seed=seed)


def _run_settings(seed: Any) -> None:
    from tasknas.experiment import RunSettings

    RunSettings(benchmark="nb201", strategy="re", budget=5, seed=seed).resolved()


def _compare_seed_list(seed: Any) -> None:
    from tasknas.compare import compare_strategies

    compare_strategies("nb201", ["random"], seeds=[0, seed], budget=2)


def _fuse_search(seed: Any) -> None:
    from tasknas.oneshot import fuse_search
    from tasknas.spaces import get_space

    fuse_search(get_space("darts-tanas"), None, seed=seed)  # type: ignore[arg-type]


def _random_search(seed: Any) -> None:
    from tasknas.oneshot import random_search
    from tasknas.spaces import get_space

    random_search(get_space("darts-tanas"), None, seed=seed)  # type: ignore[arg-type]


def _retrain(seed: Any) -> None:
    from tasknas.oneshot import retrain

    retrain("not reached", None, seed=seed)  # type: ignore[arg-type]


def _mtl_search(seed: Any) -> None:
    from tasknas.oneshot import mtl_search

    mtl_search(None, seed=seed)  # type: ignore[arg-type]


def _tanas_settings(seed: Any) -> None:
    from tasknas.tanas import TANASSettings

    TANASSettings(data_seed=seed)


def _tanas_init_seed(seed: Any) -> None:
    from tasknas.tanas import TANASSettings

    TANASSettings(init_seed=seed)


def _dictionary_build(seed: Any, tmp_path: Path) -> None:
    from tasknas.tanas import TaskDictionary

    TaskDictionary(tmp_path / "dictionary").build(["mnist:0"], seed=seed)


def _run_fuse(seed: Any, tmp_path: Path) -> None:
    from tasknas.tanas import TaskDictionary, run_fuse

    run_fuse("mnist:0", dictionary=TaskDictionary(tmp_path / "dictionary"), seed=seed)


def _node2vec(seed: Any) -> None:
    from tasknas.embedding import Node2VecEmbedder
    from tasknas.spaces import get_space

    Node2VecEmbedder(get_space("nb201"), seed=seed)


ENTRIES: dict[str, Callable[..., None]] = {
    "load_image_task": _load_image_task,
    "load_multitask_set": _load_multitask_set,
    "multimnist": _multimnist,
    "Trainer": _trainer,
    "TrainingEvaluator.seed": _evaluator_seed,
    "TrainingEvaluator.data_seed": _evaluator_data_seed,
    "RunSettings.resolved": _run_settings,
    "compare_strategies.seeds": _compare_seed_list,
    "fuse_search": _fuse_search,
    "random_search": _random_search,
    "retrain": _retrain,
    "mtl_search": _mtl_search,
    "TANASSettings.data_seed": _tanas_settings,
    "TANASSettings.init_seed": _tanas_init_seed,
    "TaskDictionary.build": _dictionary_build,
    "run_fuse": _run_fuse,
    "Node2VecEmbedder": _node2vec,
}


@pytest.mark.parametrize("seed", [True, 1.0, 0.5, -1], ids=repr)
@pytest.mark.parametrize("entry", sorted(ENTRIES))
def test_every_entry_refuses_bool_float_and_negative_seeds(
    entry: str, seed: Any, tmp_path: Path
) -> None:
    function = ENTRIES[entry]
    with pytest.raises(InvalidSettingError, match=r"seed.* must be an integer >= 0, got "):
        if function.__code__.co_argcount == 2:
            function(seed, tmp_path)
        else:
            function(seed)


@pytest.mark.parametrize("seeds", [True, 2.0, [], -1, "01"], ids=repr)
def test_compare_refuses_bad_seed_counts(seeds: Any) -> None:
    from tasknas.compare import compare_strategies

    with pytest.raises(InvalidSettingError, match="seeds must be a positive count or seeds >= 0"):
        compare_strategies("nb201", ["random"], seeds=seeds, budget=2)


def test_old_import_paths_reexport_the_shared_checks() -> None:
    import tasknas.oneshot.fuse._seeds as oneshot_seeds
    import tasknas.tanas as tanas
    import tasknas.training._checks as training_checks

    assert tanas.check_seed is check_seed
    assert oneshot_seeds.check_seed is check_seed
    assert training_checks.positive_int is positive_int
    assert training_checks.non_negative is non_negative
    assert training_checks.check_choice is check_choice
