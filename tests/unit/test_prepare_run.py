"""``prepare_run``: one place that checks a run, opening its benchmark once."""

from __future__ import annotations

import pytest

import tasknas.experiment as experiment
from tasknas.errors import RunStoreError, UnknownNameError
from tasknas.experiment import RunSettings, claim_run_dir, prepare_run, run_experiment
from tasknas.storage import STORE_FILE

SETTINGS = RunSettings(benchmark="nb201", tasks=("cifar10",), strategy="re", budget=6, seed=3)


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    real = experiment.make_benchmark

    def counting(name, *args, **kwargs):
        calls.append(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(experiment, "make_benchmark", counting)
    return calls


def test_a_fresh_run_opens_its_benchmark_once(tmp_path, opened) -> None:
    result, _ = run_experiment(SETTINGS, tmp_path / "run")
    assert opened == ["nb201"]
    assert len(result.tasks["cifar10"].history) == 6


def test_a_resumed_run_opens_its_benchmark_once(tmp_path, opened) -> None:
    run_experiment(SETTINGS, tmp_path / "run")
    opened.clear()
    longer = run_experiment(SETTINGS, tmp_path / "run", resume=True)[0]
    assert opened == ["nb201"]
    assert len(longer.tasks["cifar10"].history) == 6


def test_nothing_is_written_when_a_check_fails(tmp_path) -> None:
    bad = RunSettings(benchmark="nb201", tasks=("cifar10",), strategy="re", budget=6)
    with pytest.raises(UnknownNameError):
        prepare_run(bad, tmp_path / "run", executor="nope")
    assert not (tmp_path / "run").exists()


def test_a_new_run_over_a_stored_one_and_a_changed_resume_are_refused(tmp_path) -> None:
    run_experiment(SETTINGS, tmp_path / "run")
    before = (tmp_path / "run" / STORE_FILE).read_bytes()
    with pytest.raises(RunStoreError, match="already holds a run"):
        prepare_run(SETTINGS, tmp_path / "run")
    changed = RunSettings(benchmark="nb201", tasks=("cifar10",), strategy="re", budget=6, seed=4)
    with pytest.raises(RunStoreError, match=r"seed \(stored 3, given 4\)"):
        prepare_run(changed, tmp_path / "run", resume=True)
    assert (tmp_path / "run" / STORE_FILE).read_bytes() == before


def test_prepared_settings_are_resolved(tmp_path) -> None:
    prepared = prepare_run(RunSettings(strategy="re", budget=5), tmp_path / "run")
    assert prepared.settings.tasks == ("cifar10", "cifar100", "ImageNet16-120")
    assert not (tmp_path / "run").exists()


def test_a_store_made_after_the_checks_is_left_alone(tmp_path) -> None:
    """Two runs with one --out, both checked before either wrote: the second to start writing
    is refused as over a stored run, and the first one's store is not touched."""
    prepared = prepare_run(SETTINGS, tmp_path / "run")
    run_experiment(SETTINGS, tmp_path / "run")
    before = (tmp_path / "run" / STORE_FILE).read_bytes()
    with pytest.raises(RunStoreError, match="already holds a run; pass --resume"):
        prepared.run()
    assert (tmp_path / "run" / STORE_FILE).read_bytes() == before


def test_claim_run_dir_makes_a_folder_no_other_run_has(tmp_path) -> None:
    wanted = tmp_path / "runs" / "nb201-re-seed3-20261204-225813"
    made = [claim_run_dir(wanted) for _ in range(3)]
    assert [path.name for path in made] == [wanted.name, f"{wanted.name}-2", f"{wanted.name}-3"]
    assert all(path.is_dir() and not any(path.iterdir()) for path in made)
