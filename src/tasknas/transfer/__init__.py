"""Cross-task transfer policies for multi-population evolutionary search.

``TRANSFER_POLICIES`` names the policies; ``make_transfer_policy(name, **options)`` builds
one (the ``evo`` strategy takes the name as its ``transfer`` option).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tasknas._lazy import lazy_exports
from tasknas._registry import Registry
from tasknas.errors import InvalidSettingError

if TYPE_CHECKING:
    from tasknas.transfer._base import Population, TransferPolicy, other_members
    from tasknas.transfer._rank import TransferRank, select_by_rank, transfer_ranks
    from tasknas.transfer._simple import EliteTransfer, NoTransfer, RandomMating, UniformTransfer

__all__ = [
    "TRANSFER_POLICIES",
    "EliteTransfer",
    "NoTransfer",
    "Population",
    "RandomMating",
    "TransferPolicy",
    "TransferRank",
    "UniformTransfer",
    "make_transfer_policy",
    "other_members",
    "select_by_rank",
    "transfer_ranks",
]

#: Transfer policy classes by name (each class's ``name``), built with keyword options:
#: ``none``, ``uniform`` (``n``), ``elite`` (``n``), ``random`` (EMT-NAS mating, ``rmp``) and
#: ``transfer_rank`` (KTNAS; ``embedder`` required, ``n``, ``m``, ``bootstrap``,
#: ``bootstrap_once``).
TRANSFER_POLICIES: Registry[type[TransferPolicy]] = Registry(
    "transfer policy",
    {
        "none": "tasknas.transfer._simple:NoTransfer",
        "uniform": "tasknas.transfer._simple:UniformTransfer",
        "elite": "tasknas.transfer._simple:EliteTransfer",
        "random": "tasknas.transfer._simple:RandomMating",
        "transfer_rank": "tasknas.transfer._rank:TransferRank",
    },
)


def make_transfer_policy(name: str, **options: Any) -> TransferPolicy:
    """A new transfer policy registered as ``name``, built with ``options``.

    Raises:
        UnknownNameError: ``name`` is not registered (the message lists the valid names).
        InvalidSettingError: an option the policy does not take, or a value out of range.
    """
    policy_class = TRANSFER_POLICIES.get(name)
    try:
        return policy_class(**options)
    except TypeError as exc:
        raise InvalidSettingError(f"bad option for transfer policy {name!r}: {exc}") from exc


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
