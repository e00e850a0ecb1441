"""ε-approximation networks: the ``SmallCNN`` that represents a task in TA-NAS.

Every ε-network is built under ``seeded(settings.init_seed)``, so networks with the same
shape start from identical weights; that shared start is what makes their Fisher
informations comparable (see ``tasknas.similarity.task_distance``).
"""

from __future__ import annotations

import logging

from tasknas._progress import Progress
from tasknas.nn import SmallCNN
from tasknas.tanas._settings import TANASSettings
from tasknas.tasks import ImageTask, load_image_task
from tasknas.training import ProgressCallback, Trainer, seeded

__all__ = ["build_epsnet", "epsnet_trainer", "load_task", "train_epsnet"]

_log = logging.getLogger(__name__)


def load_task(spec: str | ImageTask, settings: TANASSettings) -> ImageTask:
    """The task ``spec`` with the settings' split sizes and data seed (a task passes through)."""
    return load_task_sized(spec, settings, settings.n_train, settings.n_test)


def load_task_sized(
    spec: str | ImageTask,
    settings: TANASSettings,
    n_train: int | None,
    n_test: int | None,
    *,
    all_val: bool = False,
) -> ImageTask:
    """``load_task`` with ``n_train`` training and ``n_test`` test images (``None``: all
    of them) and ``settings.n_val`` validation images (with ``all_val`` all of them). Each
    split is drawn apart from the others, so no split depends on another's cap; a cap takes
    a stratified subsample of its split."""
    if isinstance(spec, ImageTask):
        return spec
    return load_image_task(
        spec,
        seed=settings.data_seed,
        n_train=n_train,
        n_val=None if all_val else settings.n_val,
        n_test=n_test,
    )


def build_epsnet(
    in_channels: int, num_classes: int, image_size: int, settings: TANASSettings
) -> SmallCNN:
    """An untrained ε-network: the shared initial weights for this input and output shape."""
    with seeded(settings.init_seed):
        return SmallCNN(
            in_channels,
            num_classes,
            image_size=image_size,
            channels=settings.cnn_channels,
            hidden=settings.cnn_hidden,
            pool=settings.cnn_pool,
        )


def epsnet_trainer(
    settings: TANASSettings, progress: Progress | None = None, label: str = ""
) -> Trainer:
    """The trainer of ε-networks (Adam, ``cnn_epochs``), reporting batches to ``progress``."""
    callbacks = []
    if progress is not None:
        callbacks.append(ProgressCallback(progress, label))
    return Trainer(
        epochs=settings.cnn_epochs,
        batch_size=settings.batch_size,
        lr=settings.cnn_lr,
        device=settings.device,
        seed=settings.init_seed,
        callbacks=callbacks,
    )


def train_epsnet(
    task: ImageTask, settings: TANASSettings, progress: Progress | None = None
) -> tuple[SmallCNN, float]:
    """Train ``task``'s ε-network from the shared initialisation; returns it (on the CPU)
    and its accuracy on the task's test split."""
    model = build_epsnet(task.in_channels, task.num_classes, task.image_size[0], settings)
    trainer = epsnet_trainer(settings, progress, f"{task.name}: ε-network")
    trainer.fit(model, task.train)
    accuracy = trainer.evaluate(model, task.test)["accuracy"]
    _log.info("ε-network of %s: test accuracy %.4f", task.name, accuracy)
    return model.cpu(), accuracy
