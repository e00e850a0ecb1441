"""Training evaluators: stand-alone training, weight-sharing supernets, searches, CLI, final."""

from __future__ import annotations

import json
import logging
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from tasknas.benchmarks.train import SupernetEvaluator, TrainingEvaluator, final_train
from tasknas.cli import app
from tasknas.errors import InvalidArchitectureError, InvalidSettingError, UnknownNameError
from tasknas.evaluator import GenerationEvaluator
from tasknas.experiment import RunSettings, build_strategy, load_settings, open_benchmark
from tasknas.nn import DartsSupernet, NB201Supernet, build_network, count_parameters
from tasknas.runner import Runner
from tasknas.spaces import DartsCell, DartsGenotype, NB201Cell, get_space
from tasknas.storage import SQLiteStore
from tasknas.tasks import load_image_task
from tasknas.training import Retrained, Trainer, train_from_scratch
from tasknas.trial import Trial

TASKS = ("mnist", "fashion_mnist")
#: Tiny networks and data: every evaluation takes a fraction of a second.
TINY: dict[str, Any] = {
    "channels": 4,
    "layers": 1,  # one (reduction) cell
    "n_train": 64,
    "n_val": 32,
    "n_test": 32,
    "batch_size": 32,
}


def _archs(space: str, count: int, seed: int = 0) -> list[Any]:
    rng = np.random.default_rng(seed)
    return [get_space(space).sample(rng) for _ in range(count)]


# -- stand-alone training -------------------------------------------------------------------


@pytest.mark.parametrize("space", ["darts-emtnas", "nb201"])
def test_training_evaluator_is_deterministic_and_reports_its_metrics(space: str) -> None:
    settings = {**TINY, "layers": 1} if space == "nb201" else TINY
    arch = _archs(space, 1)[0]
    first = TrainingEvaluator(space, TASKS, epochs=1, **settings).evaluate(arch, "mnist")
    again = TrainingEvaluator(space, TASKS, epochs=1, **settings).evaluate(arch, "mnist")
    assert first.ok and first.objective == again.objective
    assert set(first.metrics) == {"val_acc", "test_acc", "params", "train_seconds"}
    assert first.objective == first.metrics["val_acc"] and 0 <= first.objective <= 100
    assert first.metrics["test_acc"] == again.metrics["test_acc"]
    assert first.metrics["params"] > 0 and first.cost >= first.metrics["train_seconds"] > 0


def test_every_space_with_networks_trains_with_the_one_depth_keyword() -> None:
    # TransNAS micro networks take ``layers`` (cells per stage) like every other network.
    arch = _archs("transnas-micro", 1)[0]
    result = TrainingEvaluator("transnas-micro", ["mnist"], epochs=1, **TINY).evaluate(
        arch, "mnist"
    )
    assert result.ok and result.metrics["params"] > 0


def test_train_from_scratch_builds_trains_and_scores_the_splits_asked() -> None:
    task = load_image_task("mnist", seed=0, n_train=64, n_val=32, n_test=32)
    arch = _archs("nb201", 1)[0]

    def run(**kwargs: Any) -> Retrained:
        trainer = Trainer(epochs=1, batch_size=32, lr=0.05, seed=1)
        return train_from_scratch(arch, task, trainer, channels=4, layers=1, seed=2, **kwargs)

    first, again = run(), run()
    assert set(first.accuracy) == {"val", "test"} and first.accuracy == again.accuracy
    assert all(
        torch.equal(v, again.network.state_dict()[k]) for k, v in first.network.state_dict().items()
    )
    net = build_network(arch, in_channels=1, num_classes=10, channels=4, layers=1, seed=2)
    assert first.params == count_parameters(net) and first.train_seconds > 0
    only_val = run(splits=("val",))
    assert only_val.accuracy == {"val": first.accuracy["val"]}
    with pytest.raises(InvalidSettingError, match="split"):
        run(splits=("validation",))


def test_old_import_paths_of_the_training_evaluators_still_work() -> None:
    import tasknas.benchmarks.train as train
    import tasknas.training as old

    for name in ("ImageEvaluator", "SupernetEvaluator", "TrainingEvaluator", "final_train"):
        assert getattr(old, name) is getattr(train, name)
    assert old.FinalResult is train.FinalResult


def test_training_evaluator_pickles_without_its_data() -> None:
    evaluator = TrainingEvaluator("darts-emtnas", TASKS, epochs=1, **TINY)
    arch = _archs("darts-emtnas", 1)[0]
    here = evaluator.evaluate(arch, "fashion_mnist")
    blob = pickle.dumps(evaluator)
    assert len(blob) < 20_000  # the loaded images stay behind
    there = pickle.loads(blob).evaluate(arch, "fashion_mnist")
    assert (here.objective, here.metrics["test_acc"]) == (
        there.objective,
        there.metrics["test_acc"],
    )


def test_training_evaluator_errors_name_the_bad_value() -> None:
    evaluator = TrainingEvaluator("darts-emtnas", ["mnist"], **TINY)
    with pytest.raises(UnknownNameError, match="mnist"):
        evaluator.evaluate(_archs("darts-emtnas", 1)[0], "cifar")
    with pytest.raises(InvalidArchitectureError, match="darts-emtnas"):
        evaluator.evaluate(_archs("nb201", 1)[0], "mnist")
    with pytest.raises(InvalidSettingError, match="epochs"):
        TrainingEvaluator("darts-emtnas", ["mnist"], epochs=0)
    with pytest.raises(UnknownNameError, match="fashion_mnist"):
        TrainingEvaluator("darts-emtnas", ["no_such_data"])
    with pytest.raises(InvalidSettingError, match="twice"):
        TrainingEvaluator("darts-emtnas", ["mnist", "mnist"])


# -- weight sharing -------------------------------------------------------------------------


def _with_op(cell: DartsCell, node: int, slot: int, op: str) -> DartsCell:
    nodes = [list(pair) for pair in cell.nodes]
    nodes[node][slot] = (op, cell.nodes[node][slot][1])
    return DartsCell(tuple(tuple(n) for n in nodes))  # type: ignore[arg-type]


def _darts_pair() -> tuple[
    DartsGenotype, DartsGenotype, tuple[int, int, str], tuple[int, int, str]
]:
    """A and B differ only in node 1, slot 0 of the normal cell; both share node 0 slot 0."""
    sampled = _archs("darts-emtnas", 1, seed=3)[0]
    a = DartsGenotype(_with_op(sampled.normal, 0, 0, "dw_conv_5x5"), sampled.reduce)
    (op_a, src), other = a.normal.nodes[1]
    op_b = next(o for o in ("dw_conv_3x3", "dil_conv_5x5") if o != op_a and (o, src) != other)
    b = DartsGenotype(_with_op(a.normal, 1, 0, op_b), a.reduce)
    shared_op, shared_src = a.normal.nodes[0][0]
    return a, b, (0, shared_src, shared_op), (1, src, op_b)


def _step(net: torch.nn.Module, arch: Any) -> None:
    """One SGD step of ``arch``'s sub-network on random data."""
    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    net.select(arch)  # type: ignore[operator]
    x, y = torch.rand(8, 1, 28, 28), torch.randint(0, 3, (8,))
    torch.nn.functional.cross_entropy(net(x), y).backward()
    optimizer.step()


def _flat(module: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten().clone() for p in module.parameters()])


def test_darts_supernet_shares_weights_between_individuals_that_share_an_operation() -> None:
    a, b, shared, own_b = _darts_pair()
    torch.manual_seed(0)
    net = DartsSupernet(get_space("darts-emtnas"), num_classes=3, channels=4, layers=3).eval()
    cell = net.cells[0]
    assert cell.op(*shared) is not cell.op(*own_b)
    x = torch.rand(4, 1, 28, 28)
    net.select(b)
    before_b = net(x).detach()
    shared_before, own_before = _flat(cell.op(*shared)), _flat(cell.op(*own_b))
    _step(net.train(), a)  # train A only
    assert not torch.equal(_flat(cell.op(*shared)), shared_before)  # B's weights moved...
    assert torch.equal(_flat(cell.op(*own_b)), own_before)  # ...but not the op only B uses
    net.eval().select(b)
    assert not torch.allclose(net(x), before_b)


def test_nb201_supernet_shares_weights_per_edge_and_operation() -> None:
    # A: 3x3 convolutions everywhere; B would put a 1x1 on edge 1 and share A's 3x3 on edge 0
    a = NB201Cell.from_names(["nor_conv_3x3"] * 6)
    torch.manual_seed(0)
    net = NB201Supernet(get_space("nb201"), num_classes=3, channels=4, layers=1)
    cell = net.stages[0][0]
    shared, own_b = _flat(cell.op(0, "nor_conv_3x3")), _flat(cell.op(1, "nor_conv_1x1"))
    _step(net, a)
    assert not torch.equal(_flat(cell.op(0, "nor_conv_3x3")), shared)
    assert torch.equal(_flat(cell.op(1, "nor_conv_1x1")), own_b)


def test_supernet_evaluator_trains_only_the_generation_s_operations() -> None:
    a, _, shared, own_b = _darts_pair()
    evaluator = SupernetEvaluator("darts-emtnas", ["mnist"], **{**TINY, "layers": 3})
    cell = evaluator.supernet("mnist").cells[0]  # a normal cell (then two reductions)
    shared_before, own_before = _flat(cell.op(*shared)), _flat(cell.op(*own_b))
    (result,) = evaluator.evaluate_generation([Trial("mnist", a)], [None])
    assert result.ok and result.metrics["generation"] == 0
    assert not torch.equal(_flat(cell.op(*shared)), shared_before)
    assert torch.equal(_flat(cell.op(*own_b)), own_before)


def test_generation_epochs_trains_that_many_passes_per_generation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tasknas.benchmarks.train import _supernet_state, train_benchmark

    batches: list[int] = []
    original = _supernet_state.Sampler.on_batch_end

    def counted(self: Any, step: int, logs: dict[str, float]) -> None:
        batches.append(step)
        original(self, step, logs)

    monkeypatch.setattr(_supernet_state.Sampler, "on_batch_end", counted)
    arch = _archs("darts-emtnas", 1)[0]
    scores = {}
    for epochs in (1, 3):
        batches.clear()
        evaluator = SupernetEvaluator("darts-emtnas", ["mnist"], generation_epochs=epochs, **TINY)
        (result,) = evaluator.evaluate_generation([Trial("mnist", arch)], [None])
        assert result.ok
        scores[epochs] = len(batches)
        # the default leaves the checkpoint digest of older runs as it was
        assert ("generation_epochs" in evaluator._origin("mnist")) == (epochs != 1)
    assert scores == {1: 2, 3: 6}  # 64 training images in minibatches of 32, per epoch
    with pytest.raises(InvalidSettingError, match="generation_epochs must be an integer >= 1"):
        SupernetEvaluator("darts-emtnas", ["mnist"], generation_epochs=0, **TINY)
    with pytest.raises(InvalidSettingError, match="the supernet evaluator takes it"):
        train_benchmark(["mnist"], evaluator="standalone", generation_epochs=2)


def test_loss_fitness_scores_by_validation_loss_on_the_same_weights() -> None:
    from tasknas.tasks import Direction

    arch = _archs("darts-emtnas", 1)[0]
    results = {}
    for fitness in ("accuracy", "loss"):
        evaluator = SupernetEvaluator("darts-emtnas", ["mnist"], fitness=fitness, **TINY)
        (results[fitness],) = evaluator.evaluate_generation([Trial("mnist", arch)], [None])
        task = evaluator.task("mnist")
        assert (task.metric, task.direction) == (
            ("val_acc", Direction.MAXIMIZE)
            if fitness == "accuracy"
            else ("val_loss", Direction.MINIMIZE)
        )
        assert ("fitness" in evaluator._origin("mnist")) == (fitness != "accuracy")
    by_accuracy, by_loss = results["accuracy"], results["loss"]
    assert by_accuracy.metrics == {
        **by_loss.metrics,
        "train_seconds": by_accuracy.metrics["train_seconds"],
    }
    assert by_accuracy.objective == by_accuracy.metrics["val_acc"]
    assert by_loss.objective == -by_loss.metrics["val_loss"] < 0
    with pytest.raises(
        InvalidSettingError, match="unknown fitness 'lost'; valid choices: accuracy, loss"
    ):
        SupernetEvaluator("darts-emtnas", ["mnist"], fitness="lost", **TINY)


def _scores(generations: list[list[Any]]) -> list[list[tuple[float, float, float]]]:
    """What must not depend on timing: objective, parameters and generation of each result."""
    return [
        [(r.objective, r.metrics["params"], r.metrics["generation"]) for r in results]
        for results in generations
    ]


def test_supernet_generations_are_deterministic_and_replay_on_resume(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    archs = _archs("darts-emtnas", 4)
    generations = [[Trial("mnist", a) for a in archs[:3]], [Trial("mnist", archs[3])]]

    def evaluator(checkpoints: Path) -> SupernetEvaluator:
        made = SupernetEvaluator("darts-emtnas", ["mnist"], budget=4, **TINY)
        made.attach(checkpoints)
        return made

    first = evaluator(tmp_path)
    runs = [[first.evaluate_generation(g, [None] * len(g)) for g in generations]]
    again = evaluator(tmp_path / "elsewhere")
    runs.append([again.evaluate_generation(g, [None] * len(g)) for g in generations])
    assert _scores(runs[0]) == _scores(runs[1])
    # Resumed: generation 0 comes from the store; generation 1 scores as if left alone,
    # retraining generation 0's epoch (no checkpoint) or loading its checkpoint.
    for checkpoints in (tmp_path / "none", tmp_path):
        resumed = evaluator(checkpoints)
        assert resumed.evaluate_generation(generations[0], runs[0][0]) == runs[0][0]
        with caplog.at_level(logging.INFO, logger="tasknas"):
            scored = resumed.evaluate_generation(generations[1], [None])
        assert _scores([scored]) == _scores([runs[0][1]])
    assert "loaded checkpoint" in caplog.text


# -- searches -------------------------------------------------------------------------------


def _search(
    run_dir: Path, evaluator: str, *, keep: int | None = None
) -> list[tuple[str, str, float]]:
    """A tiny ktnas search (4 evaluations per task); ``keep``: cut the store, then resume."""
    options = {
        **TINY,
        "evaluator": evaluator,
        **({"epochs": 1} if evaluator == "standalone" else {}),
    }
    settings = RunSettings(
        benchmark="train",
        tasks=TASKS,
        strategy="ktnas",
        budget=4,
        strategy_options={"population_size": 3, "offspring_size": 1, "candidates": 5, "n": 1},
        benchmark_options=options,
    ).resolved()
    bench = open_benchmark(settings)
    if isinstance(bench, GenerationEvaluator):
        bench.attach(run_dir)
    with SQLiteStore(run_dir / "run.sqlite", create=True) as store:
        Runner(build_strategy(settings, bench), bench, budget=4, store=store).run()
        records = store.records()
    if keep is None:
        return [(r.task, r.arch, r.result.objective) for r in records]
    cut = run_dir / "cut"
    cut.mkdir()
    with SQLiteStore(cut / "run.sqlite", create=True) as store:
        for record in records[:keep]:
            store.add(record)
        bench = open_benchmark(settings)  # a fresh process's view: no supernet yet
        bench.attach(cut)  # type: ignore[attr-defined]
        Runner(build_strategy(settings, bench), bench, budget=4, store=store).run()
        resumed = store.records()
    assert resumed == records[:keep] + resumed[keep:]
    return [(r.task, r.arch, r.result.objective) for r in resumed]


def test_ktnas_searches_two_image_tasks_by_training(tmp_path: Path) -> None:
    records = _search(tmp_path, "standalone")
    assert len(records) == 8 and {t for t, _, _ in records} == set(TASKS)
    assert all(0 <= value <= 100 for _, _, value in records)


def test_ktnas_searches_with_supernets_and_resumes_mid_generation(tmp_path: Path) -> None:
    whole = _search(tmp_path / "whole", "supernet")
    assert len(whole) == 8 and {t for t, _, _ in whole} == set(TASKS)
    assert all(0 <= value <= 100 for _, _, value in whole)
    # generation 0 is evaluations 1-3 (mnist) and 4-6 (fashion_mnist): cut inside it
    assert _search(tmp_path / "resumed", "supernet", keep=4) == whole


# -- command line and final training --------------------------------------------------------


def _cli(*args: str) -> Any:
    result = CliRunner(env={"NO_COLOR": "1", "TERM": "dumb"}).invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


def test_cli_search_on_the_train_benchmark_then_final(tmp_path: Path) -> None:
    run = tmp_path / "run"
    tiny = ["--channels", "4", "--layers", "1", "--n-train", "64"]
    searched = _cli(
        "search", "--benchmark", "train", "--tasks", "mnist,breastmnist", "--strategy", "re",
        "--budget", "3", "--out", str(run), "--json", *tiny,
    )  # fmt: skip
    assert searched.exit_code == 0, searched.stderr
    rows = json.loads(searched.stdout)["tasks"]
    assert set(rows) == {"mnist", "breastmnist"} and rows["mnist"]["evaluations"] == 3
    assert rows["mnist"]["rank"] is None and rows["mnist"]["metrics"]["val_acc"] >= 0
    final = _cli("final", str(run), "--epochs", "1", "--n-train", "64", "--json")
    assert final.exit_code == 0, final.stderr
    report = json.loads(final.stdout)
    assert report["tasks"]["mnist"]["arch"] == rows["mnist"]["best_arch"]
    assert 0 <= report["tasks"]["breastmnist"]["test_acc"] <= 100
    assert "| mnist |" in (run / "final.md").read_text(encoding="utf-8")


def test_cli_rejects_training_flags_on_a_tabular_benchmark(tmp_path: Path) -> None:
    outcome = _cli("search", "--benchmark", "nb201", "--epochs", "3", "--out", str(tmp_path))
    assert outcome.exit_code == 2 and "--epochs" in outcome.stderr and "train" in outcome.stderr
    outcome = _cli("final", str(tmp_path / "missing"))
    assert outcome.exit_code == 2 and "no run store" in outcome.stderr


def test_final_train_scores_the_test_split() -> None:
    arch = str(_archs("darts-emtnas", 1)[0])
    result = final_train(arch, "mnist", epochs=1, **TINY)
    assert result.arch == arch and result.epochs == 1 and result.params > 0
    assert 0 <= result.test_acc <= 100 and result.seconds > 0


def test_tasks_are_canonical_whatever_the_spelling() -> None:
    from tasknas.experiment import RunSettings

    evaluator = TrainingEvaluator("nb201", ["fashion_mnist:1", "mnist:3"])
    assert list(evaluator.tasks) == ["fashion_mnist:Trouser", "mnist:3"]
    assert evaluator.task("fashion_mnist:1") is evaluator.task("fashion_mnist:Trouser")
    with pytest.raises(InvalidSettingError, match="named twice"):
        TrainingEvaluator("nb201", ["fashion_mnist:1", "fashion_mnist:Trouser"])
    with pytest.raises(UnknownNameError):
        evaluator.task("fashion_mnist:Coat")
    settings = RunSettings(benchmark="train", tasks=("fashion_mnist:1",), strategy="re", budget=4)
    assert settings.resolved().tasks == ("fashion_mnist:Trouser",)


def test_n_train_all_takes_every_task_s_whole_training_split_a_number_caps_it() -> None:
    tasks = ["pneumoniamnist", "breastmnist"]  # 4,708 and 546 training images
    whole = {t: len(load_image_task(t).train) for t in tasks}
    assert whole["pneumoniamnist"] > 1000 > whole["breastmnist"]

    def sizes(**given: Any) -> dict[str, int]:
        evaluator = TrainingEvaluator("darts-emtnas", tasks, n_val=16, n_test=16, **given)
        return {t: len(evaluator.data(t).train) for t in tasks}

    assert sizes(n_train="all") == whole
    assert sizes(n_train="ALL") == whole
    assert sizes() == {"pneumoniamnist": 1000, "breastmnist": whole["breastmnist"]}  # a cap
    with pytest.raises(InvalidSettingError, match=r"n_train.*600.*546"):
        sizes(n_train=600)  # a number asked for must fit every task's split
    for bad in ("most", 0, -3, 2.5):
        with pytest.raises(InvalidSettingError, match=r"n_train must be an integer >= 1 or 'all'"):
            TrainingEvaluator("darts-emtnas", tasks, n_train=bad)
    every_val = TrainingEvaluator("darts-emtnas", tasks, n_val="all", n_test=16)
    whole_val = len(load_image_task("pneumoniamnist").val)  # 524, above the default cap
    assert len(every_val.data("pneumoniamnist").val) == whole_val > 500
    # the setting survives a rebuild from the stored settings (resume, final training)
    evaluator = TrainingEvaluator("darts-emtnas", tasks, n_train="all")
    assert evaluator.settings()["n_train"] == "all"
    assert pickle.loads(pickle.dumps(evaluator)).n_train == "all"


def test_cli_search_n_train_all_is_stored_and_a_bad_value_is_refused(tmp_path: Path) -> None:
    run = tmp_path / "run"
    searched = _cli(
        "search", "--benchmark", "train", "--tasks", "breastmnist", "--strategy", "random",
        "--budget", "1", "--evaluator", "standalone", "--epochs", "1", "--channels", "4",
        "--layers", "1", "--n-train", "all", "--out", str(run), "--json",
    )  # fmt: skip
    assert searched.exit_code == 0, searched.stderr
    evaluator = open_benchmark(load_settings(run))  # what a resume or final rebuilds
    assert evaluator.n_train == "all" and len(evaluator.data("breastmnist").train) == 546
    bad = _cli("search", "--benchmark", "train", "--tasks", "mnist", "--n-train", "most",
               "--out", str(tmp_path / "bad"))  # fmt: skip
    assert bad.exit_code == 2 and not (tmp_path / "bad").exists()
    assert "--n-train must be an integer >= 1 or all, got 'most'" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1


def test_stem_stride_one_keeps_the_image_s_resolution_in_the_first_cell() -> None:
    """``stem_stride=1`` reaches every network the evaluators build (stand-alone, final
    training, the supernet): the first cell runs on 28x28 maps instead of 14x14, with the same
    parameters; it survives a rebuild from the stored settings and pickling."""
    arch = _archs("darts-emtnas", 1, seed=3)[0]
    sizes = {"channels": 4, "layers": 3, "n_train": 32, "n_val": 16, "n_test": 16}
    seen: dict[Any, int] = {}

    def first_cell_side(network: torch.nn.Module, key: Any) -> None:
        cell = network.cells[0]
        hook = cell.register_forward_hook(lambda m, i, out: seen.__setitem__(key, out.shape[-1]))
        network.eval()
        with torch.no_grad():
            network(torch.zeros(2, 1, 28, 28))
        hook.remove()

    nets = {}
    for stride in (None, 1, 2):
        evaluator = TrainingEvaluator("darts-emtnas", ["mnist"], stem_stride=stride, **sizes)
        nets[stride] = evaluator.network(arch, "mnist", seed=0)
        first_cell_side(nets[stride], ("network", stride))
        supernet = SupernetEvaluator("darts-emtnas", ["mnist"], stem_stride=stride, **sizes)
        shared = supernet._state("mnist").network
        shared.select(arch)
        first_cell_side(shared, ("supernet", stride))
        assert evaluator.settings()["stem_stride"] == stride
        assert pickle.loads(pickle.dumps(evaluator)).stem_stride == stride
    assert seen[("network", None)] == seen[("network", 2)] == 14 and seen[("network", 1)] == 28
    assert seen[("supernet", None)] == 14 and seen[("supernet", 1)] == 28
    assert len({count_parameters(n) for n in nets.values()}) == 1  # the stride adds nothing
    # final training builds the same networks: the result records the stride it was given
    fit: dict[str, Any] = {"epochs": 1, "patience": None, "keep_network": True, **sizes}
    trained = final_train(arch, "mnist", stem_stride=1, **fit)
    default = final_train(arch, "mnist", **fit)
    assert (trained.stem_stride, default.stem_stride) == (1, None)
    assert trained.params == default.params and trained.to_dict()["stem_stride"] == 1
    first_cell_side(trained.network, ("final", 1))
    first_cell_side(default.network, ("final", None))
    assert (seen[("final", 1)], seen[("final", None)]) == (28, 14)
    with pytest.raises(
        InvalidSettingError,
        match=r"stem_stride applies to the DARTS spaces "
        r"\(darts-tanas, darts-emtnas, darts-emtnas-conv\), not to 'nb201'",
    ):
        TrainingEvaluator("nb201", ["mnist"], stem_stride=1)
    for bad in (0, 3, "1", 1.0, True):
        with pytest.raises(InvalidSettingError, match="stem_stride must be"):
            TrainingEvaluator("darts-emtnas", ["mnist"], stem_stride=bad)


def test_cli_stem_stride_is_stored_by_search_and_set_by_final(tmp_path: Path) -> None:
    run = tmp_path / "run"
    searched = _cli(
        "search", "--benchmark", "train", "--tasks", "breastmnist", "--strategy", "random",
        "--budget", "1", "--evaluator", "standalone", "--epochs", "1", "--channels", "4",
        "--layers", "1", "--n-train", "32", "--stem-stride", "1", "--out", str(run), "--json",
    )  # fmt: skip
    assert searched.exit_code == 0, searched.stderr
    assert open_benchmark(load_settings(run)).stem_stride == 1  # what a resume or final rebuilds
    final = _cli("final", str(run), "--quick", "--epochs", "1", "--baselines", "resnet:4", "--json")
    assert final.exit_code == 0, final.stderr
    (row,) = json.loads(final.stdout)["tasks"].values()
    assert row["stem_stride"] == 1 and row["baselines"]["resnet:4"]["stem_stride"] is None
    assert row["device"] == row["baselines"]["resnet:4"]["device"] == "cpu"  # where it trained
    report = (run / "final.md").read_text(encoding="utf-8")
    assert "stem stride 1 (the first cell at the image's resolution), trained on cpu" in report
    again = _cli("final", str(run), "--quick", "--epochs", "1", "--stem-stride", "2", "--json")
    assert again.exit_code == 0, again.stderr
    (other,) = json.loads(again.stdout)["tasks"].values()
    assert other["stem_stride"] == 2 and other["params"] == row["params"]
    refusals = {
        ("--stem-stride", "0"): "stem_stride must be",
        ("--space", "nb201", "--stem-stride", "1"): "applies to the DARTS spaces",
    }
    for flags, words in refusals.items():
        bad = tmp_path / "bad"
        refused = _cli(
            "search", "--benchmark", "train", "--tasks", "mnist", *flags, "--out", str(bad)
        )
        assert refused.exit_code == 2 and not bad.exists()
        assert words in refused.stderr and len(refused.stderr.strip().splitlines()) == 1
