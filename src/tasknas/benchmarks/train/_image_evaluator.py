"""``ImageEvaluator``: what the training evaluators share (space, image tasks, sizes, data).

Task names are image task specs (``mnist``, ``fashion_mnist:Trouser``, a ``.npz`` path; see
``tasknas.tasks.parse_task_spec``). Data is loaded on first use in each process and is not
pickled, so the evaluator is cheap to ship to worker processes.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from torch import nn

from tasknas._seeds import derive, name_key
from tasknas._torch import DEVICES, resolve_device
from tasknas._validation import (
    check_choice,
    check_seed,
    check_stem_stride,
    non_negative,
    positive_int,
)
from tasknas.benchmarks.train._defaults import ALL, split_size
from tasknas.errors import InvalidSettingError, TasknasError, UnknownNameError
from tasknas.evaluator import TaskScorer
from tasknas.nn import build_network, default_layers
from tasknas.spaces import SPACES, DartsSpace, SearchSpace, get_space
from tasknas.tasks import Task
from tasknas.training import Trainer

if TYPE_CHECKING:
    from tasknas.tasks import ImageTask

__all__ = [
    "ALL",
    "DEFAULT_SIZES",
    "METRIC",
    "TEST_METRIC",
    "ImageEvaluator",
    "split_size",
    "split_sizes",
]

_log = logging.getLogger(__name__)

#: The objective metric (validation accuracy, %) and the held-out one (test accuracy, %).
METRIC, TEST_METRIC = "val_acc", "test_acc"

#: Images of each split when its size is left out: caps, so a smaller task keeps all it has.
DEFAULT_SIZES = {"n_train": 1000, "n_val": 500, "n_test": 1000}


def split_sizes(
    given: Mapping[str, int | str | None], defaults: Mapping[str, int | None]
) -> tuple[dict[str, int | None], set[str]]:
    """The caps ``load_image_task`` takes for the sizes ``given`` (``"n_train"``, ...), and the
    names of those that must fit the task's split (sizes asked for as numbers).

    A size left out takes ``defaults``'s cap (a smaller split keeps all it has); ``"all"`` is
    no cap: all of each task's split, which may differ from task to task.
    """
    caps = {
        key: defaults.get(key) if n is None else (None if n == ALL else int(n))
        for key, n in given.items()
    }
    strict = {key for key, n in given.items() if n is not None and n != ALL}
    return caps, strict


class ImageEvaluator(TaskScorer):
    """Base of the evaluators that train networks of ``space`` on image tasks.

    Args:
        space: a search space or its registered name (``darts-emtnas``, ``nb201``, ...).
        tasks: image task specs, one per task; they are the task names.
        channels: width of the networks (channels of the first cells).
        layers: depth (DARTS: cells; NB201: cells per stage); default per space.
        stem_stride: stride of a DARTS network's stem (DARTS spaces only): 1 keeps the
            image's resolution in the first cell (as the ResNet baseline and DARTS on
            CIFAR-10 do; about 3.6 times the FLOPs and 6 times the CPU training time on 28x28
            images), ``None`` the network's default, 2, which halves it.
        batch_size, lr, momentum, weight_decay: SGD (Nesterov) settings.
        n_train, n_val, n_test: images of each split (stratified subsample); a size above
            what the task's split holds is refused with its real size. ``None`` (left out):
            ``DEFAULT_SIZES``, or the whole split where it holds fewer; ``"all"``: the whole
            split of every task, whatever its size.
        data_seed: seed of the splits and subsamples.
        seed: seed of initialisation, data order and sampling.
        device: ``cpu``, ``cuda``, ``mps`` or ``auto``.

    Raises:
        InvalidSettingError: a setting out of range, no task, or a task named twice.
        UnknownNameError: an unknown space or data set (lists the valid ones).
        DataFileError: a ``.npz`` task file is missing.
    """

    def __init__(
        self,
        space: str | SearchSpace[Any],
        tasks: Sequence[str],
        *,
        channels: int = 8,
        layers: int | None = None,
        stem_stride: int | None = None,
        batch_size: int = 64,
        lr: float = 0.1,
        momentum: float = 0.9,
        weight_decay: float = 1e-4,
        n_train: int | str | None = None,
        n_val: int | str | None = None,
        n_test: int | str | None = None,
        data_seed: int = 0,
        seed: int = 0,
        device: str = "cpu",
    ) -> None:
        from tasknas.tasks import parse_task_spec

        self._space = get_space(space) if isinstance(space, str) else space
        typed = tuple(str(t).strip() for t in tasks)
        if not typed:
            raise InvalidSettingError("no task given; name image tasks such as mnist,fashion_mnist")
        # One canonical name per task ("fashion_mnist:1" is "fashion_mnist:Trouser"), so two
        # spellings of one task are one task here, in the store and in a TA-NAS dictionary.
        names = tuple(parse_task_spec(t).name for t in typed)  # raises naming the bad part
        if len(set(names)) != len(names):
            twice = sorted({n for n in names if names.count(n) > 1})
            raise InvalidSettingError(
                f"a task is named twice in {', '.join(typed)} (as {', '.join(twice)})"
            )
        self._tasks = {
            n: Task(n, METRIC, description=f"image classification: {n}", test_metric=TEST_METRIC)
            for n in names
        }
        self.channels = positive_int("channels", channels)
        self.layers = positive_int(
            "layers", default_layers(self._space) if layers is None else layers
        )
        if stem_stride is not None:
            stem_stride = check_stem_stride("stem_stride", stem_stride)
            if not isinstance(self._space, DartsSpace):
                darts = [n for n in SPACES.names() if issubclass(SPACES.get(n), DartsSpace)]
                raise InvalidSettingError(
                    f"stem_stride applies to the DARTS spaces ({', '.join(darts)}), "
                    f"not to {self._space.name!r}"
                )
        self.stem_stride = stem_stride
        self.batch_size = positive_int("batch_size", batch_size)
        self.lr = non_negative("lr", lr, strict=True)
        self.momentum = non_negative("momentum", momentum, strict=True)
        self.weight_decay = non_negative("weight_decay", weight_decay)
        self.n_train = split_size("n_train", n_train)
        self.n_val = split_size("n_val", n_val)
        self.n_test = split_size("n_test", n_test)
        self.data_seed = check_seed(data_seed, "data_seed")
        self.seed = check_seed(seed)
        # the name now; whether this machine has the device when training starts (`prepare`,
        # the trainer), so a run stored with cuda can be read back and reported on any machine
        check_choice("device", device, DEVICES)
        self.device = device
        self._data: dict[str, ImageTask] = {}

    def settings(self) -> dict[str, Any]:
        """The keyword settings shared by every ``ImageEvaluator`` (to build a similar one)."""
        names = ("channels", "layers", "stem_stride", "batch_size", "lr", "momentum")
        names += ("weight_decay",)
        names += ("n_train", "n_val", "n_test", "data_seed", "seed", "device")
        return {name: getattr(self, name) for name in names}

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_data"] = {}  # reloaded on first use in the receiving process
        return state

    @property
    def space(self) -> SearchSpace[Any]:
        return self._space

    @property
    def tasks(self) -> Mapping[str, Task]:
        return self._tasks

    def task(self, name: str) -> Task:
        """The task ``name`` names, in any spelling of its spec (``mnist:1``, ``mnist:one``)."""
        if name in self._tasks:
            return self._tasks[name]
        from tasknas.tasks import parse_task_spec

        try:
            canonical = parse_task_spec(name).name
        except TasknasError:
            canonical = None
        if canonical not in self._tasks:
            raise UnknownNameError("task", name, self._tasks)
        return self._tasks[canonical]

    def prepare(self) -> None:
        """Load every task's data (fails now on a device this machine lacks, a bad file or an
        empty split)."""
        for name in self._tasks:
            self.data(name)

    def data(self, task: str) -> ImageTask:
        """The splits of ``task``, loaded once per process (after checking that this machine
        has the evaluator's device)."""
        from tasknas.tasks import load_image_task

        name = self.task(task).name
        if name not in self._data:
            resolve_device(self.device)  # a device this machine lacks: before data or training
            # a size left out is a default cap; a number asked for must fit the task's split
            sizes, strict = split_sizes(
                {key: getattr(self, key) for key in DEFAULT_SIZES}, DEFAULT_SIZES
            )
            self._data[name] = load_image_task(name, seed=self.data_seed, strict=strict, **sizes)
            _log.debug("loaded task %s", name)
        return self._data[name]

    def network(self, arch: Any, task: str, *, seed: int) -> nn.Module:
        """The stand-alone network of ``arch`` for ``task``, initialised from ``seed``."""
        data = self.data(task)
        return build_network(
            arch,
            in_channels=data.in_channels,
            num_classes=data.num_classes,
            seed=seed,
            **self.network_options(),
        )

    def network_options(self) -> dict[str, Any]:
        """The size settings of the networks (and supernets) built: ``channels``, ``layers``
        and, where it is set, ``stem_stride``."""
        options: dict[str, Any] = {"channels": self.channels, "layers": self.layers}
        if self.stem_stride is not None:
            options["stem_stride"] = self.stem_stride
        return options

    def task_seed(self, task: str, *keys: int) -> int:
        """A seed for ``task`` that depends on ``seed``, the task's name and ``keys`` only."""
        return derive(self.seed, *name_key(task), *keys)

    def trainer(self, *, epochs: int, seed: int, scheduler: str | None, **kwargs: Any) -> Trainer:
        """The SGD (Nesterov) ``Trainer`` of these settings."""
        return Trainer(
            epochs=epochs,
            batch_size=self.batch_size,
            lr=self.lr,
            optimizer="sgd",
            momentum=self.momentum,
            weight_decay=self.weight_decay,
            nesterov=True,
            scheduler=scheduler,
            device=self.device,
            seed=seed,
            **kwargs,
        )
