"""Hand-designed baselines (``tasknas.nn.BASELINES``) and the random-shift augmentation."""

from __future__ import annotations

import pytest
import torch

from tasknas.errors import InvalidSettingError, UnknownNameError
from tasknas.nn import BASELINES, count_parameters, get_baseline, parse_baselines
from tasknas.tasks import load_image_task
from tasknas.training import RandomShift, Trainer, train_from_scratch

#: (low, high) parameter counts on 28x28 images, for 1-10 classes and 1 or 3 channels.
PARAMS = {"cnn": (95_000, 110_000), "resnet": (70_000, 85_000)}


@pytest.mark.parametrize("name", sorted(BASELINES))
@pytest.mark.parametrize(("channels", "classes"), [(1, 10), (3, 9), (1, 2), (3, 4)])
def test_baselines_build_for_any_task_at_their_stated_size(
    name: str, channels: int, classes: int
) -> None:
    net = BASELINES[name].network(in_channels=channels, num_classes=classes, seed=0)
    low, high = PARAMS[name]
    assert low <= count_parameters(net) <= high
    out = net(torch.rand(5, channels, 28, 28))
    assert out.shape == (5, classes)


def test_stated_parameter_counts_on_28x28x1_ten_classes() -> None:
    sizes = {
        name: count_parameters(b.network(in_channels=1, num_classes=10))
        for name, b in BASELINES.items()
    }
    assert sizes == {"cnn": 102_186, "resnet": 77_754}


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baselines_are_seed_reproducible(name: str) -> None:
    def weights(seed: int) -> list[torch.Tensor]:
        net = get_baseline(name).network(in_channels=1, num_classes=3, seed=seed)
        return [p.detach().clone() for p in net.parameters()]

    same, other = weights(5), weights(6)
    assert all(torch.equal(a, b) for a, b in zip(weights(5), same, strict=True))
    assert not all(torch.equal(a, b) for a, b in zip(same, other, strict=True))


def test_resnet_takes_other_image_sizes_and_cnn_needs_square_images() -> None:
    resnet = BASELINES["resnet"].network(in_channels=3, num_classes=4, image_size=(32, 20))
    assert resnet(torch.rand(2, 3, 32, 20)).shape == (2, 4)
    with pytest.raises(InvalidSettingError, match="square"):
        BASELINES["cnn"].network(in_channels=1, num_classes=2, image_size=(28, 20))


def test_parse_baselines() -> None:
    assert parse_baselines("cnn, resnet,cnn") == ("cnn", "resnet")
    assert parse_baselines(None) == parse_baselines("") == parse_baselines("none") == ()
    assert parse_baselines(["resnet"]) == ("resnet",)
    with pytest.raises(UnknownNameError, match="valid choices: cnn, resnet"):
        parse_baselines("cnn,vgg")


def test_a_width_rescales_a_baseline_and_its_default_width_is_the_registered_network() -> None:
    sizes = {
        name: count_parameters(get_baseline(name).network(in_channels=1, num_classes=10))
        for name in ("resnet:14", "resnet:12", "cnn:8")
    }
    assert sizes == {"resnet:14": 59_692, "resnet:12": 44_014, "cnn:8": 51_802}
    narrow = get_baseline("resnet:14")
    assert (narrow.name, narrow.width, str(narrow)) == ("resnet:14", 14, "resnet:14")
    assert "14/28/56 channels" in narrow.description
    for family in BASELINES:  # FAMILY:16 is FAMILY, weight for weight
        same = get_baseline(f"{family}:16").network(in_channels=1, num_classes=3, seed=2)
        registered = BASELINES[family].network(in_channels=1, num_classes=3, seed=2)
        pairs = zip(same.state_dict().values(), registered.state_dict().values(), strict=True)
        assert all(torch.equal(a, b) for a, b in pairs)
    out = narrow.network(in_channels=3, num_classes=4, image_size=(20, 16), seed=0)
    assert out(torch.rand(2, 3, 20, 16)).shape == (2, 4)


@pytest.mark.parametrize("bad", ["resnet:0", "resnet:x", "resnet:", "cnn:-3", "resnet:1.5"])
def test_a_bad_width_is_refused_in_one_line(bad: str) -> None:
    with pytest.raises(InvalidSettingError, match="width must be a positive integer") as caught:
        get_baseline(bad)
    assert "\n" not in str(caught.value) and repr(bad) in str(caught.value)


def test_parse_baselines_names_widths_canonically() -> None:
    assert parse_baselines("resnet:014, resnet:14,resnet,cnn:8") == ("resnet:14", "resnet", "cnn:8")
    with pytest.raises(UnknownNameError, match="resnet:WIDTH"):
        parse_baselines("vgg:8")


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_baselines_train_through_train_from_scratch(name: str) -> None:
    task = load_image_task("mnist", n_train=96, n_val=64, n_test=64)

    def run() -> tuple[dict[str, float], torch.Tensor]:
        trainer = Trainer(epochs=2, batch_size=32, lr=0.05, optimizer="sgd", seed=3)
        trained = train_from_scratch(
            BASELINES[name], task, trainer, channels=4, layers=1, seed=1, validate=True
        )
        assert trained.params == count_parameters(trained.network)
        return dict(trained.accuracy), next(trained.network.parameters()).detach()

    (accuracy, weights), (again, weights_again) = run(), run()
    assert set(accuracy) == {"val", "test"} and all(0 <= a <= 1 for a in accuracy.values())
    assert accuracy == again and torch.equal(weights, weights_again)
    untrained = BASELINES[name].network(in_channels=1, num_classes=10, seed=1)
    assert not torch.equal(next(untrained.parameters()).detach(), weights)


# -- augmentation -----------------------------------------------------------------------------


def _shift_of(original: torch.Tensor, shifted: torch.Tensor, most: int) -> tuple[int, int]:
    """The (rows, columns) shift that turns ``original`` into ``shifted`` (zero fill)."""
    for dy in range(-most, most + 1):
        for dx in range(-most, most + 1):
            moved = torch.zeros_like(original)
            h, w = original.shape[-2:]
            src = original[..., max(0, -dy) : h - max(0, dy), max(0, -dx) : w - max(0, dx)]
            moved[..., max(0, dy) : h - max(0, -dy), max(0, dx) : w - max(0, -dx)] = src
            if torch.equal(moved, shifted):
                return dy, dx
    raise AssertionError("not a shift of at most max_shift pixels")


def test_random_shift_moves_each_image_by_at_most_two_pixels() -> None:
    x = torch.rand(64, 3, 12, 10) + 0.1  # no zero pixel, so every shift is distinguishable
    out = RandomShift(2)(x, torch.Generator().manual_seed(0))
    assert out.shape == x.shape
    shifts = {_shift_of(a, b, 2) for a, b in zip(x, out, strict=True)}
    assert len(shifts) > 10  # per image, not one shift for the whole batch
    assert {dy for dy, _ in shifts} == {-2, -1, 0, 1, 2}


def test_random_shift_is_seeded_and_zero_is_identity() -> None:
    x = torch.rand(16, 1, 8, 8)
    one = RandomShift()(x, torch.Generator().manual_seed(4))
    assert torch.equal(one, RandomShift()(x, torch.Generator().manual_seed(4)))
    assert not torch.equal(one, RandomShift()(x, torch.Generator().manual_seed(5)))
    assert RandomShift(0)(x, torch.Generator()) is x
    with pytest.raises(InvalidSettingError, match="max_shift"):
        RandomShift(-1)


def test_trainer_augmentation_is_reproducible_and_changes_training() -> None:
    task = load_image_task("mnist", n_train=64, n_val=32, n_test=32)

    def weights(augment: RandomShift | None) -> torch.Tensor:
        net = BASELINES["cnn"].network(in_channels=1, num_classes=10, seed=0)
        Trainer(epochs=1, batch_size=16, seed=2, augment=augment).fit(net, task.train)
        return net.conv.weight.detach().clone()

    shifted = weights(RandomShift(2))
    assert torch.equal(shifted, weights(RandomShift(2)))
    assert not torch.equal(shifted, weights(None))
    with pytest.raises(InvalidSettingError, match="augment"):
        Trainer(augment=3)  # type: ignore[arg-type]
