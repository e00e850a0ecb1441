"""The NAS-Bench-201 cell: ``|op~0|+|op~0|op~1|+|op~0|op~1|op~2|``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tasknas._validation import check_length
from tasknas.errors import InvalidArchitectureError
from tasknas.spaces._cell import CellSpace, EdgeCell


@dataclass(frozen=True, slots=True)
class NB201Cell(EdgeCell):
    """A NAS-Bench-201 cell; ``str()`` gives the official string."""

    OPS: ClassVar[tuple[str, ...]] = (
        "none",
        "skip_connect",
        "nor_conv_1x1",
        "nor_conv_3x3",
        "avg_pool_3x3",
    )

    @classmethod
    def format_ops(cls, ops: tuple[int, ...]) -> str:
        # Entries run node 1 <- 0; node 2 <- 0, 1; node 3 <- 0, 1, 2: the order of EDGES.
        names = iter(cls.OPS[o] for o in ops)
        nodes = []
        for target in (1, 2, 3):
            nodes.append("|" + "|".join(f"{next(names)}~{src}" for src in range(target)) + "|")
        return "+".join(nodes)

    @classmethod
    def parse(cls, text: str) -> NB201Cell:
        """Parse the official string; the error says which node or edge is malformed."""
        example = "|nor_conv_3x3~0|+|none~0|skip_connect~1|+|none~0|none~1|avg_pool_3x3~2|"
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"expected an NB201 string, got {text!r}")
        check_length("NB201 string", text, error=InvalidArchitectureError)
        groups = text.strip().split("+")
        if len(groups) != 3:
            raise InvalidArchitectureError(
                f"malformed NB201 cell {text!r}: expected 3 node groups joined by '+', "
                f"found {len(groups)} (example: {example})"
            )
        names: list[str] = []
        for target, group in enumerate(groups, start=1):
            if not (group.startswith("|") and group.endswith("|")):
                raise InvalidArchitectureError(
                    f"malformed NB201 cell {text!r}: node {target} group {group!r} "
                    "must start and end with '|'"
                )
            entries = group[1:-1].split("|")
            if len(entries) != target:
                raise InvalidArchitectureError(
                    f"malformed NB201 cell {text!r}: node {target} needs {target} "
                    f"input(s), found {len(entries)} in {group!r}"
                )
            for src, entry in enumerate(entries):
                op, sep, node = entry.partition("~")
                if not sep or node != str(src):
                    raise InvalidArchitectureError(
                        f"malformed NB201 cell {text!r}: entry {entry!r} of node {target} "
                        f"should be 'OP~{src}'"
                    )
                names.append(op)
        return cls.from_names(names)  # type: ignore[return-value]


class NB201Space(CellSpace[NB201Cell]):
    """The 15,625 NAS-Bench-201 cells (4 nodes, 6 edges, 5 operations)."""

    name: ClassVar[str] = "nb201"
    genotype: ClassVar[type[EdgeCell]] = NB201Cell
