"""TransNAS-Bench-101, micro (cell) space: 4,096 cells on seven tasks of one image domain.

Only final-epoch *validation* metrics are published in reusable form, so results carry no test
metric. Room layout is an L2 loss (lower is better); the table stores it negated.
"""

from __future__ import annotations

from tasknas.benchmarks._tabular import Column, TableSpec, TaskSpec
from tasknas.tasks import Task

# (task, metric, column, scale, direction, description)
_TASKS = (
    (
        "class_scene",
        "valid_top1",
        "class_scene_valid_top1",
        1.0,
        "max",
        "scene classification, validation top-1 (%)",
    ),
    (
        "class_object",
        "valid_top1",
        "class_object_valid_top1",
        1.0,
        "max",
        "object classification, validation top-1 (%)",
    ),
    (
        "room_layout",
        "valid_l2_loss",
        "room_layout_valid_neg_loss",
        -1.0,
        "min",
        "room layout regression, validation L2 loss",
    ),
    (
        "jigsaw",
        "valid_top1",
        "jigsaw_valid_top1",
        1.0,
        "max",
        "jigsaw puzzle, validation top-1 (%)",
    ),
    (
        "segmentsemantic",
        "valid_pixel_acc",
        "segmentsemantic_valid_acc",
        1.0,
        "max",
        "semantic segmentation, validation pixel accuracy (%)",
    ),
    (
        "normal",
        "valid_ssim",
        "normal_valid_ssim",
        1.0,
        "max",
        "surface normal estimation, validation SSIM",
    ),
    (
        "autoencoder",
        "valid_ssim",
        "autoencoder_valid_ssim",
        1.0,
        "max",
        "autoencoding, validation SSIM",
    ),
)

TRANSNAS_MICRO = TableSpec(
    name="transnas-micro",
    space="transnas-micro",
    filename="tnb101_micro.csv.gz",
    arch_column="arch_str",
    tasks=tuple(
        TaskSpec(Task(name, metric, direction, desc), {metric: Column(column, scale)})
        for name, metric, column, scale, direction, desc in _TASKS
    ),
    description="TransNAS-Bench-101 micro: 4,096 cells x 7 Taskonomy tasks",
    citation="Duan et al., TransNAS-Bench-101, CVPR 2021",
)
