"""Tiny TA-NAS settings shared by the unit and CLI tests (``pythonpath = tests`` in pytest)."""

from __future__ import annotations

from tasknas.oneshot import FuseSettings
from tasknas.tanas import TANASSettings

TINY_FUSE = FuseSettings(
    rounds=1, stages=1, channels=4, layers=2, final_epochs=1, final_channels=4, batch_size=64
)
#: Stored in a dictionary built with it, so every command on that dictionary runs this small.
TINY = TANASSettings(
    n_train=128,
    n_val=64,
    n_test=128,
    cnn_epochs=1,
    cnn_channels=4,
    cnn_hidden=32,
    fisher_samples=64,
    k=2,
    final_n_train=128,  # the winner is retrained on the search's images, as small
    final_n_test=128,  # and scored on the search's test images
    dictionary_fuse=TINY_FUSE,
    target_fuse=TINY_FUSE,
)
#: The base tasks of the shared tiny dictionary (fixture ``tiny_dictionary``).
BASES = ("mnist:0", "mnist:1", "fashion_mnist:1")
