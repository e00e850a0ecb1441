"""Neural-network building blocks and hand-designed networks."""

from tasknas.nn._build import BUILDERS, build_network, count_parameters
from tasknas.nn._darts import DartsCellModule, DartsNetwork
from tasknas.nn._fusion import FusionEdge, StageFusion, bernoulli_entropy, candidate_edges
from tasknas.nn._mtl import GATE_MODES, MTLNetwork
from tasknas.nn._nb201 import (
    TRANSNAS_MICRO_OPS,
    NB201CellModule,
    NB201Network,
    TransNASMicroNetwork,
)
from tasknas.nn._ops import OPS, OpFactory, make_op
from tasknas.nn._small_cnn import SmallCNN
from tasknas.nn._supernet import SUPERNETS, build_supernet
from tasknas.nn._supernet_darts import DartsSupernet
from tasknas.nn._supernet_nb201 import NB201Supernet
from tasknas.nn._vgg import VGGBackbone

__all__ = [
    "BUILDERS",
    "GATE_MODES",
    "OPS",
    "SUPERNETS",
    "TRANSNAS_MICRO_OPS",
    "DartsCellModule",
    "DartsNetwork",
    "DartsSupernet",
    "FusionEdge",
    "MTLNetwork",
    "NB201CellModule",
    "NB201Network",
    "NB201Supernet",
    "OpFactory",
    "SmallCNN",
    "StageFusion",
    "TransNASMicroNetwork",
    "VGGBackbone",
    "bernoulli_entropy",
    "build_network",
    "build_supernet",
    "candidate_edges",
    "count_parameters",
    "make_op",
]
