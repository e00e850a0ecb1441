"""Small torch utilities shared by the training code: seeding without global state, devices."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from tasknas.errors import InvalidSettingError

if TYPE_CHECKING:
    import torch

__all__ = ["DEVICES", "resolve_device", "seeded", "torch_threads"]

DEVICES = ("auto", "cpu", "cuda", "mps")


@contextmanager
def seeded(seed: int) -> Iterator[None]:
    """Run the body with torch's default generators seeded to ``seed``, then restore them.

    Weight initialisation in ``torch.nn`` draws from the default generator; wrapping model
    construction in ``seeded(seed)`` makes it reproducible without leaking state to the
    caller's code.
    """
    import torch

    devices = list(range(torch.cuda.device_count())) if torch.cuda.is_available() else []
    with torch.random.fork_rng(devices=devices):
        torch.manual_seed(seed)
        yield


def resolve_device(name: str = "auto") -> torch.device:
    """The torch device called ``name`` (one of ``DEVICES``), checked to exist here.

    ``auto`` is CUDA when present, else Apple's MPS when present, else the CPU. Every
    training command calls this on its ``--device`` before it loads data or trains, so an
    unknown name or a device this machine lacks fails in one line and nothing is written.

    Raises:
        InvalidSettingError: an unknown name (lists the valid ones), or ``cuda``/``mps`` on a
            machine without it.
    """
    if name not in DEVICES:
        raise InvalidSettingError(f"unknown device {name!r}; valid choices: {', '.join(DEVICES)}")
    import torch

    available = {"cuda": torch.cuda.is_available, "mps": _mps_available}
    if name == "auto":
        return torch.device(next((kind for kind, has in available.items() if has()), "cpu"))
    if name in available and not available[name]():
        raise InvalidSettingError(
            f"{name} is not available on this machine; use --device cpu or auto"
        )
    return torch.device(name)


def _mps_available() -> bool:
    """Whether Apple's MPS backend is present (``False`` on builds without it)."""
    import torch

    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Torch's CPU thread count set to ``threads`` in the body and restored after.

    Nothing is set for ``None``, nor when torch is not loaded in this process: an evaluator
    that uses torch has loaded it by the time it is unpickled in a worker, and a worker that
    only looks up tables need not import torch (an evaluator that imports torch only inside
    ``evaluate`` runs with torch's default count in a worker).
    """
    torch = sys.modules.get("torch")
    if threads is None or torch is None:
        yield
        return
    before = torch.get_num_threads()
    if before != threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        if torch.get_num_threads() != before:
            torch.set_num_threads(before)
