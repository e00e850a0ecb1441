"""Cross-task transfer policies for multi-population evolutionary search."""

from typing import TYPE_CHECKING

from tasknas._lazy import lazy_exports

if TYPE_CHECKING:
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

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "Population": "tasknas.transfer._base",
        "TransferPolicy": "tasknas.transfer._base",
        "other_members": "tasknas.transfer._base",
        "TransferRank": "tasknas.transfer._rank",
        "select_by_rank": "tasknas.transfer._rank",
        "transfer_ranks": "tasknas.transfer._rank",
        "EliteTransfer": "tasknas.transfer._simple",
        "NoTransfer": "tasknas.transfer._simple",
        "RandomMating": "tasknas.transfer._simple",
        "UniformTransfer": "tasknas.transfer._simple",
    },
)
