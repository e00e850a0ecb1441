"""``MultiTaskSet``: one set of images with one label column per task, split three ways."""

from __future__ import annotations

from dataclasses import dataclass

from tasknas.errors import InvalidSettingError
from tasknas.tasks._tensordata import TensorData

__all__ = ["MultiTaskSet"]


@dataclass(frozen=True, eq=False)
class MultiTaskSet:
    """Images with one label per task, split into train, val and test.

    Attributes:
        name: the data set's name (or the file's path, as given).
        tasks: task names; column ``t`` of every split's ``y`` holds task ``tasks[t]``.
        classes: ``classes[t][k]`` names label ``k`` of task ``t``.
        in_channels: colour channels of the images (1 or 3).
        image_size: image height and width in pixels.
        train, val, test: ``x`` float32 ``(N, C, H, W)`` in ``[0, 1]``; ``y`` int64 ``(N, T)``.
        seed: the seed the set was drawn with.
    """

    name: str
    tasks: tuple[str, ...]
    classes: tuple[tuple[str, ...], ...]
    in_channels: int
    image_size: tuple[int, int]
    train: TensorData
    val: TensorData
    test: TensorData
    seed: int

    def __post_init__(self) -> None:
        if len(self.tasks) < 2 or len(self.classes) != len(self.tasks):
            raise InvalidSettingError(
                f"a multi-task set needs two or more tasks, each with its classes; got tasks "
                f"{self.tasks!r} and {len(self.classes)} class lists"
            )
        for split in (self.train, self.val, self.test):
            if split.y.ndim != 2 or split.y.shape[1] != len(self.tasks):
                raise InvalidSettingError(
                    f"labels must have one column per task ({len(self.tasks)}), "
                    f"got shape {tuple(split.y.shape)}"
                )

    @property
    def num_classes(self) -> tuple[int, ...]:
        """Number of classes of each task."""
        return tuple(len(c) for c in self.classes)
