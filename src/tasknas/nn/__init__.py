"""Neural-network building blocks and hand-designed networks.

One table (``BUILDERS``: genotype type -> ``NetworkBuilder``) says how every genotype becomes a
network and its search space a weight-sharing supernet (``build_network``, ``build_supernet``);
every network is sized by ``channels`` and ``layers``.
"""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
    from tasknas.nn._baselines import BASELINES, Baseline, ResNet8, get_baseline, parse_baselines
    from tasknas.nn._build import (
        BUILDERS,
        NetworkBuilder,
        build_network,
        build_supernet,
        count_parameters,
        default_layers,
    )
    from tasknas.nn._darts import DartsCellModule, DartsNetwork
    from tasknas.nn._fast import fast_ops, fast_ops_enabled, set_fast_ops
    from tasknas.nn._fusion import FusionEdge, StageFusion, bernoulli_entropy, candidate_edges
    from tasknas.nn._gates import GATE_MODES
    from tasknas.nn._mtl import MTLNetwork
    from tasknas.nn._nb201 import (
        TRANSNAS_MICRO_OPS,
        NB201CellModule,
        NB201Network,
        TransNASMicroNetwork,
    )
    from tasknas.nn._ops import OPS, OpFactory, make_op
    from tasknas.nn._small_cnn import SmallCNN
    from tasknas.nn._supernet import SUPERNETS
    from tasknas.nn._supernet_darts import DartsSupernet
    from tasknas.nn._supernet_nb201 import NB201Supernet
    from tasknas.nn._vgg import VGGBackbone

__all__ = [
    "BASELINES",
    "BUILDERS",
    "GATE_MODES",
    "OPS",
    "SUPERNETS",
    "TRANSNAS_MICRO_OPS",
    "Baseline",
    "DartsCellModule",
    "DartsNetwork",
    "DartsSupernet",
    "FusionEdge",
    "MTLNetwork",
    "NB201CellModule",
    "NB201Network",
    "NB201Supernet",
    "NetworkBuilder",
    "OpFactory",
    "ResNet8",
    "SmallCNN",
    "StageFusion",
    "TransNASMicroNetwork",
    "VGGBackbone",
    "bernoulli_entropy",
    "build_network",
    "build_supernet",
    "candidate_edges",
    "count_parameters",
    "default_layers",
    "fast_ops",
    "fast_ops_enabled",
    "get_baseline",
    "make_op",
    "parse_baselines",
    "set_fast_ops",
]

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "BASELINES": "tasknas.nn._baselines",
        "Baseline": "tasknas.nn._baselines",
        "ResNet8": "tasknas.nn._baselines",
        "get_baseline": "tasknas.nn._baselines",
        "parse_baselines": "tasknas.nn._baselines",
        "BUILDERS": "tasknas.nn._build",
        "build_network": "tasknas.nn._build",
        "count_parameters": "tasknas.nn._build",
        "NetworkBuilder": "tasknas.nn._build",
        "build_supernet": "tasknas.nn._build",
        "default_layers": "tasknas.nn._build",
        "DartsCellModule": "tasknas.nn._darts",
        "DartsNetwork": "tasknas.nn._darts",
        "fast_ops": "tasknas.nn._fast",
        "fast_ops_enabled": "tasknas.nn._fast",
        "set_fast_ops": "tasknas.nn._fast",
        "FusionEdge": "tasknas.nn._fusion",
        "StageFusion": "tasknas.nn._fusion",
        "bernoulli_entropy": "tasknas.nn._fusion",
        "candidate_edges": "tasknas.nn._fusion",
        "GATE_MODES": "tasknas.nn._gates",
        "MTLNetwork": "tasknas.nn._mtl",
        "TRANSNAS_MICRO_OPS": "tasknas.nn._nb201",
        "NB201CellModule": "tasknas.nn._nb201",
        "NB201Network": "tasknas.nn._nb201",
        "TransNASMicroNetwork": "tasknas.nn._nb201",
        "OPS": "tasknas.nn._ops",
        "OpFactory": "tasknas.nn._ops",
        "make_op": "tasknas.nn._ops",
        "SmallCNN": "tasknas.nn._small_cnn",
        "SUPERNETS": "tasknas.nn._supernet",
        "DartsSupernet": "tasknas.nn._supernet_darts",
        "NB201Supernet": "tasknas.nn._supernet_nb201",
        "VGGBackbone": "tasknas.nn._vgg",
    },
)
