"""``save_trained`` and ``load_trained``: a trained network kept in a result folder.

``tasknas fuse`` and ``tasknas mtl`` train their final network themselves; they keep it as
``network.pt`` (the state dict) and ``network.json`` (how to rebuild it, and what it was
trained on) in their output folder, which ``tasknas export`` then reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tasknas._json import dumps
from tasknas.errors import RunStoreError, TasknasError

if TYPE_CHECKING:
    from torch import nn

__all__ = ["NETWORK_FILE", "NETWORK_JSON", "load_trained", "save_trained"]

#: State dict of a kept network.
NETWORK_FILE = "network.pt"
#: Description of a kept network: ``kind`` (``darts`` or ``mtl``), how to build it, and an
#: ``ExportCard``'s facts (task, input shape, classes, test accuracy).
NETWORK_JSON = "network.json"


def save_trained(folder: str | Path, network: nn.Module, description: dict[str, Any]) -> list[Path]:
    """Write ``network``'s state dict and ``description`` into ``folder`` (made if missing);
    return the two paths."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    weights, meta = folder / NETWORK_FILE, folder / NETWORK_JSON
    torch.save({k: v.detach().cpu() for k, v in network.state_dict().items()}, weights)
    meta.write_text(dumps(description), encoding="utf-8")
    return [weights, meta]


def load_trained(folder: str | Path) -> tuple[nn.Module, dict[str, Any]]:
    """The network kept in ``folder`` (weights loaded, eval mode) and its description.

    Raises:
        RunStoreError: no kept network in ``folder``, or files that do not fit together.
    """
    import torch

    folder = Path(folder)
    meta, weights = folder / NETWORK_JSON, folder / NETWORK_FILE
    if not meta.is_file() or not weights.is_file():
        raise RunStoreError(f"no kept network in {folder} ({NETWORK_JSON} and {NETWORK_FILE})")
    try:
        description = json.loads(meta.read_text(encoding="utf-8"))
        network = _build(description)
        network.load_state_dict(torch.load(weights, map_location="cpu", weights_only=True))
    except (ValueError, KeyError, TypeError, RuntimeError, TasknasError) as error:
        message = " ".join(str(error).split())[:200]
        raise RunStoreError(f"cannot read the kept network in {folder}: {message}") from None
    return network.eval(), description


def _build(description: dict[str, Any]) -> nn.Module:
    """The untrained network a description names."""
    from tasknas.nn import build_network

    kind = description["kind"]
    if kind == "darts":
        from tasknas.oneshot.fuse._networks import as_genotype

        return build_network(
            as_genotype(description["arch"]),
            in_channels=int(description["input_shape"][0]),
            num_classes=int(description["num_classes"]),
            channels=int(description["channels"]),
            layers=int(description["layers"]),
            stem_stride=int(description.get("stem_stride", 2)),  # 2: kept before the key
        )
    if kind == "mtl":
        from tasknas.nn import FusionEdge, MTLNetwork, VGGBackbone

        blocks = [tuple(block) for block in description["blocks"]]
        backbones = [
            VGGBackbone(
                int(description["input_shape"][0]),
                int(k),
                blocks=blocks,
                head_pool=int(description["head_pool"]),
            )
            for k in description["num_classes"]
        ]
        edges = [FusionEdge(*map(int, e)) for e in description["edge_indices"]]
        return MTLNetwork(backbones, edges=edges, gate_mode="hard")
    raise ValueError(f"unknown network kind {kind!r}")
