"""Batch augmentations: mirror images, their composition with shifts, and which data sets'
labels survive a mirror image."""

from __future__ import annotations

import pytest
import torch

from tasknas.errors import InvalidSettingError
from tasknas.tasks import mirror_invariant
from tasknas.training import Compose, RandomMirror, RandomShift, final_augmentation


def test_random_mirror_mirrors_about_half_the_images_and_only_those() -> None:
    x = torch.rand(400, 2, 6, 7)
    out = RandomMirror()(x, torch.Generator().manual_seed(0))
    same = torch.tensor([torch.equal(a, b) for a, b in zip(out, x, strict=True)])
    mirrored = torch.tensor([torch.equal(a, b.flip(-1)) for a, b in zip(out, x, strict=True)])
    assert bool((same ^ mirrored).all())  # every image is itself or its mirror image
    assert 160 < int(mirrored.sum()) < 240
    chosen = RandomMirror().chosen(400, torch.Generator().manual_seed(0))
    assert torch.equal(chosen, mirrored)  # the documented draw decides


def test_random_mirror_is_seeded_and_its_bounds_are_checked() -> None:
    x = torch.rand(32, 1, 5, 5)
    one = RandomMirror()(x, torch.Generator().manual_seed(3))
    assert torch.equal(one, RandomMirror()(x, torch.Generator().manual_seed(3)))
    assert not torch.equal(one, RandomMirror()(x, torch.Generator().manual_seed(4)))
    assert RandomMirror(0)(x, torch.Generator()) is x
    assert torch.equal(RandomMirror(1)(x, torch.Generator()), x.flip(-1))
    for bad in (-0.1, 1.5, True, "half"):
        with pytest.raises(InvalidSettingError, match="p must be"):
            RandomMirror(bad)  # type: ignore[arg-type]


def test_final_augmentation_without_mirror_draws_the_shifts_it_drew_before() -> None:
    x = torch.rand(16, 1, 8, 8)
    plain = final_augmentation(2, mirror=False)
    assert isinstance(plain, RandomShift) and final_augmentation(0, mirror=False) is None
    expected = RandomShift(2)(x, torch.Generator().manual_seed(1))
    assert torch.equal(plain(x, torch.Generator().manual_seed(1)), expected)
    both = final_augmentation(2, mirror=True)
    assert isinstance(both, Compose)
    shifted_then_mirrored = RandomMirror()(
        RandomShift(2)(x, generator := torch.Generator().manual_seed(1)), generator
    )
    assert torch.equal(both(x, torch.Generator().manual_seed(1)), shifted_then_mirrored)
    only = final_augmentation(0, mirror=True)
    assert torch.equal(
        only(x, torch.Generator().manual_seed(2)),  # type: ignore[misc]
        RandomMirror()(x, torch.Generator().manual_seed(2)),
    )


@pytest.mark.parametrize(
    ("task", "expected"),
    [
        ("fashion_mnist", True),
        ("fashion_mnist:Trouser", True),
        ("quickdraw4:cat", True),
        ("breastmnist", True),
        ("pathmnist", True),
        ("pneumoniamnist", True),
        ("mnist", False),
        ("mnist:2", False),
        ("omniglot@character", False),
        ("some/file.npz", False),
    ],
)
def test_mirror_invariant_data_sets(task: str, expected: bool) -> None:
    assert mirror_invariant(task) is expected
