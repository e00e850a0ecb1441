"""How the fusion gates of an MTL network are computed (torch-free, for settings and the CLI)."""

__all__ = ["GATE_MODES"]

#: How ``alpha`` (one logit per edge) becomes the gate that scales the edge's feature:
#: ``sigmoid`` sigmoid(alpha); ``gumbel`` a relaxed-Bernoulli sample at ``temperature``;
#: ``hard`` 1[alpha > 0] (straight-through gradient of the sigmoid); ``all`` every gate 1;
#: ``none`` no edges at all (the fusion layers are skipped: the single-task networks).
GATE_MODES = ("sigmoid", "gumbel", "hard", "all", "none")
