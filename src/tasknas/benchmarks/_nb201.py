"""NAS-Bench-201 (NATS-Bench topology space): 15,625 cells on three image datasets."""

from __future__ import annotations

from tasknas.benchmarks._tabular import Column, TableSpec, TaskSpec
from tasknas.tasks import Task

# (task name, column prefix, description)
_DATASETS = (
    ("cifar10", "cifar10", "CIFAR-10 (search on the cifar10-valid split)"),
    ("cifar100", "cifar100", "CIFAR-100"),
    ("ImageNet16-120", "imagenet16", "ImageNet16-120"),
)


def _task(name: str, prefix: str, description: str) -> TaskSpec:
    return TaskSpec(
        task=Task(
            name,
            "valid_acc",
            "max",
            f"{description}: 200-epoch validation accuracy (%)",
            test_metric="test_acc",
        ),
        metrics={
            "valid_acc": Column(f"{prefix}_valid_acc"),
            "test_acc": Column(f"{prefix}_test_acc"),
            "valid_acc_12ep": Column(f"{prefix}_valid_acc_12ep"),
            "test_acc_12ep": Column(f"{prefix}_test_acc_12ep"),
            "params_M": Column(f"params_{prefix}_M"),
        },
        params=Column(f"params_{prefix}_M", 1e6),
    )


NB201 = TableSpec(
    name="nb201",
    space="nb201",
    filename="nb201_tss.csv.gz",
    arch_column="arch_str",
    tasks=tuple(_task(*d) for d in _DATASETS),
    description="NAS-Bench-201: 15,625 cells x CIFAR-10, CIFAR-100, ImageNet16-120",
    citation="Dong & Yang, NAS-Bench-201, ICLR 2020; Dong et al., NATS-Bench, TPAMI 2021",
)
