"""The TransNAS-Bench-101 micro cell: ``64-41414-a_bc_def``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from tasknas._validation import check_length
from tasknas.errors import InvalidArchitectureError
from tasknas.spaces._cell import CellSpace, EdgeCell

_PREFIX = "64-41414-"


@dataclass(frozen=True, slots=True)
class TransNASMicroCell(EdgeCell):
    """A TransNAS-Bench-101 micro cell; ``str()`` gives the official string.

    Digits: ``a`` node1<-0; ``b c`` node2<-0,1; ``d e f`` node3<-0,1,2; 0 none, 1 skip_connect,
    2 conv1x1, 3 conv3x3.
    """

    OPS: ClassVar[tuple[str, ...]] = ("none", "skip_connect", "conv1x1", "conv3x3")

    @classmethod
    def format_ops(cls, ops: tuple[int, ...]) -> str:
        d = "".join(str(o) for o in ops)
        return f"{_PREFIX}{d[0]}_{d[1:3]}_{d[3:6]}"

    @classmethod
    def parse(cls, text: str) -> TransNASMicroCell:
        """Parse the official string; the error says which part is malformed."""
        if not isinstance(text, str):
            raise InvalidArchitectureError(f"expected a TransNAS micro string, got {text!r}")
        check_length("TransNAS micro string", text, error=InvalidArchitectureError)
        text = text.strip()
        if not text.startswith(_PREFIX):
            raise InvalidArchitectureError(
                f"malformed TransNAS micro cell {text!r}: must start with {_PREFIX!r} "
                "(example: 64-41414-3_33_333)"
            )
        groups = text[len(_PREFIX) :].split("_")
        lengths = [len(g) for g in groups]
        if lengths != [1, 2, 3]:
            raise InvalidArchitectureError(
                f"malformed TransNAS micro cell {text!r}: expected digit groups of sizes "
                f"1_2_3 after {_PREFIX!r}, found sizes {'_'.join(map(str, lengths))}"
            )
        digits = "".join(groups)
        for edge, ch in enumerate(digits):
            if ch not in "0123":
                raise InvalidArchitectureError(
                    f"malformed TransNAS micro cell {text!r}: {ch!r} on edge {edge} is not "
                    f"an operation digit; valid: 0 none, 1 skip_connect, 2 conv1x1, 3 conv3x3"
                )
        return cls(tuple(int(ch) for ch in digits))


class TransNASMicroSpace(CellSpace[TransNASMicroCell]):
    """The 4,096 TransNAS-Bench-101 micro cells (4 nodes, 6 edges, 4 operations)."""

    name: ClassVar[str] = "transnas-micro"
    genotype: ClassVar[type[EdgeCell]] = TransNASMicroCell
