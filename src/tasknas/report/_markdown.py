"""Markdown helpers shared by every report tasknas writes (``summary.md``, ``final.md``)."""

from __future__ import annotations

__all__ = ["markdown_cell"]


def markdown_cell(text: object, *, code: bool = False) -> str:
    """``text`` made safe for one cell of a Markdown table.

    ``|`` is escaped as ``\\|``: GitHub-flavoured Markdown splits table cells on it even
    inside backticks, and NAS-Bench-201 and DARTS architecture strings are full of it. Line
    breaks become spaces (a row is one line). With ``code`` the cell is a code span (the
    escaped ``\\|`` still renders as ``|`` there).
    """
    cell = " ".join(str(text).splitlines()).replace("|", "\\|")
    return f"`{cell}`" if code else cell
