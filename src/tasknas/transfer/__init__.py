"""Cross-task transfer policies for multi-population evolutionary search."""

from __future__ import annotations

from tasknas.transfer._base import Population, TransferPolicy, other_members
from tasknas.transfer._rank import TransferRank, select_by_rank, transfer_ranks
from tasknas.transfer._simple import EliteTransfer, NoTransfer, RandomMating, UniformTransfer

__all__ = [
    "EliteTransfer",
    "NoTransfer",
    "Population",
    "RandomMating",
    "TransferPolicy",
    "TransferRank",
    "UniformTransfer",
    "other_members",
    "select_by_rank",
    "transfer_ranks",
]
