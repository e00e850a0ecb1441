"""Drawings of cells: each cell as a left-to-right arc diagram with its operations written on
its edges.

Nodes sit on one horizontal line in the order data flows through the cell (inputs first,
output last). Every operation edge is an arc above the line whose height grows with the
number of nodes it spans, its operation written in a box at the arc's top; the gaps between
nodes are as wide as the longest label and the height steps as tall as the tallest, so that
no two labels overlap. DARTS cells add grey unlabelled arcs below the line from each
intermediate node to the output (the output concatenates them). NAS-Bench-201 and
TransNAS-Bench-101 ``none`` edges (a zero: no data flows) are left out; ``skip_connect``
edges are dashed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from tasknas.errors import InvalidArchitectureError, InvalidSettingError
from tasknas.report._figures import save_figure
from tasknas.spaces import (
    EDGES,
    SPACES,
    CellSpace,
    DartsGenotype,
    DartsSpace,
    SearchSpace,
    get_space,
)

if TYPE_CHECKING:
    import networkx as nx

    from tasknas.report._run import RunReport

__all__ = [
    "CELLS_FILE",
    "cell_graphs",
    "cells_markdown",
    "default_cell_path",
    "draw_cells",
    "draw_run_cells",
    "drawable",
    "has_cells",
    "parse_any",
]

#: The file name of a run's drawing (``tasknas draw RUN_DIR`` and ``tasknas report``).
CELLS_FILE = "cells.png"

# Sizes in inches (the axes are laid out so that one data unit is one inch).
_FONT = 9  # operation labels, monospace
_CHAR_W = 0.6 * _FONT / 72  # width of one monospace character
_LINE_H = 1.2 * _FONT / 72
_PAD = 0.07  # label box padding, each side
_RADIUS = 0.24  # node circles
_TITLE_H = 0.36  # above each panel


def drawable(space: SearchSpace[Any]) -> bool:
    """Whether ``space``'s architectures are cells that ``cell_graphs`` can draw."""
    return isinstance(space, CellSpace | DartsSpace)


def parse_any(text: str, space: str | None = None) -> tuple[SearchSpace[Any], Any]:
    """The space and genotype of architecture string ``text``.

    With ``space`` given, ``text`` is parsed in that space. Without it the space is the one
    registered space with cells that parses ``text``.

    Raises:
        InvalidArchitectureError: ``text`` is an architecture of no space (the message is the
            parse error of the space it looks most like), or of several (name one).
        UnknownNameError: ``space`` is not a registered space.
    """
    if space is not None:
        chosen = get_space(space)
        if not drawable(chosen):
            raise InvalidSettingError(f"space {space!r} has no cells to draw")
        return chosen, chosen.parse(text)
    names = [name for name in SPACES.names() if drawable(get_space(name))]
    found: list[tuple[SearchSpace[Any], Any]] = []
    errors: dict[str, str] = {}
    for name in names:
        candidate = get_space(name)
        try:
            found.append((candidate, candidate.parse(text)))
        except InvalidArchitectureError as error:
            errors[name] = str(error)
    found = [pair for pair in found if not _extends_another(pair[0], found)]
    if len(found) == 1:
        return found[0]
    if found:
        raise InvalidArchitectureError(
            f"{text!r} is an architecture of several spaces; name one with --space: "
            f"{', '.join(s.name for s, _ in found)}"
        )
    likely = _looks_like(str(text).strip())
    if likely is not None and likely in errors:
        raise InvalidArchitectureError(f"{errors[likely]} (space {likely}; set --space to change)")
    raise InvalidArchitectureError(
        f"{text!r} is neither a run directory nor an architecture of any space "
        f"({', '.join(names)}); e.g. |nor_conv_3x3~0|+|none~0|skip_connect~1|+"
        "|none~0|none~1|avg_pool_3x3~2|"
    )


def _extends_another(space: SearchSpace[Any], found: list[tuple[SearchSpace[Any], Any]]) -> bool:
    """Whether ``space`` adds operations to another space in ``found`` of the same kind (a
    ``darts-emtnas`` string also parses in ``darts-emtnas-conv``; the smaller space names it)."""
    if not isinstance(space, DartsSpace):
        return False
    return any(
        isinstance(other, DartsSpace)
        and (other.nodes, other.reduction) == (space.nodes, space.reduction)
        and set(other.ops) < set(space.ops)
        for other, _ in found
    )


def _looks_like(text: str) -> str | None:
    """The space whose strings start like ``text`` (for the error of a string none parses)."""
    if text.startswith("|"):
        return "nb201"
    if text.startswith("64-"):
        return "transnas-micro"
    if text.startswith("normal="):
        return "darts-emtnas" if ";" in text else "darts-tanas"
    return None


def default_cell_path(space: SearchSpace[Any], arch: Any) -> Path:
    """``cell-SPACE-HASH.png``: the default file of ``tasknas draw ARCH`` (in the current
    folder), distinct for distinct architectures and the same for the same one."""
    digest = hashlib.sha1(space.format(arch).encode()).hexdigest()[:8]
    return Path(f"cell-{space.name}-{digest}.png")


def cell_graphs(space: SearchSpace[Any], arch: Any) -> dict[str, nx.MultiDiGraph]:
    """The drawn graph of each cell of ``arch``, by cell: ``cell`` for NAS-Bench-201 and
    TransNAS-Bench-101; ``normal`` and, where the space searches one, ``reduce`` for DARTS.

    Nodes are in data-flow order with attributes ``label`` (the text drawn in the node) and
    ``role`` (``input``, ``node`` or ``output``); NB201/TransNAS nodes are ``0 .. 3`` as in the
    architecture strings, DARTS nodes ``c_{k-2}``, ``c_{k-1}``, ``n0`` .. and ``out``. Each
    drawn edge has ``op`` (its operation) and ``kind`` (``op``, or ``concat`` for a DARTS
    node's edge into the output); ``none`` edges are left out. Both slots of a DARTS node that
    read the same input are two parallel edges.

    Raises:
        InvalidSettingError: the space has no cells.
        InvalidArchitectureError: ``arch`` is not an architecture of ``space``.
    """
    import networkx as nx  # only when a drawing is asked for

    if isinstance(space, CellSpace):
        if not space.contains(arch):
            raise InvalidArchitectureError(f"{arch!r} is not a genotype of space {space.name!r}")
        graph = nx.MultiDiGraph(space=space.name, cell="cell")
        graph.add_node(0, label="0", role="input")
        graph.add_node(1, label="1", role="node")
        graph.add_node(2, label="2", role="node")
        graph.add_node(3, label="3", role="output")
        for (src, dst), name in zip(EDGES, arch.op_names, strict=True):
            if name != "none":
                graph.add_edge(src, dst, op=name, kind="op")
        return {"cell": graph}
    if isinstance(space, DartsSpace):
        if not space.contains(arch):
            raise InvalidArchitectureError(f"{arch!r} is not a genotype of space {space.name!r}")
        assert isinstance(arch, DartsGenotype)
        graphs = {}
        for kind, cell in arch.cells:
            graph = nx.MultiDiGraph(space=space.name, cell=kind)
            ids = ["c_{k-2}", "c_{k-1}", *(f"n{j}" for j in range(len(cell.nodes)))]
            graph.add_node(ids[0], label="$c_{k-2}$", role="input")
            graph.add_node(ids[1], label="$c_{k-1}$", role="input")
            for j in range(len(cell.nodes)):
                graph.add_node(ids[j + 2], label=str(j), role="node")
            graph.add_node("out", label="$c_{k}$", role="output")
            for j, node in enumerate(cell.nodes):
                for op, source in node:
                    graph.add_edge(ids[source], ids[j + 2], op=op, kind="op")
            for j in range(len(cell.nodes)):
                graph.add_edge(ids[j + 2], "out", op="concat", kind="concat")
            graphs[kind] = graph
        return graphs
    raise InvalidSettingError(
        f"space {space.name!r} has no cells to draw; cells are drawn for: "
        f"{', '.join(n for n in SPACES.names() if drawable(get_space(n)))}"
    )


def _panel_titles(space: SearchSpace[Any], graphs: Mapping[str, Any]) -> dict[str, str]:
    if isinstance(space, DartsSpace) and not space.reduction:
        return {"normal": "cell (normal and reduction positions)"}
    names = {"cell": "cell", "normal": "normal cell", "reduce": "reduction cell"}
    return {kind: names[kind] for kind in graphs}


@dataclass(frozen=True)
class _Panel:
    graph: Any  # nx.MultiDiGraph
    title: str


def draw_cells(
    space: SearchSpace[Any], arch: Any, path: str | Path, *, title: str | None = None
) -> Path:
    """Draw every cell of ``arch`` (one panel per cell, stacked) into ``path`` (format by
    suffix). ``title`` defaults to the space's name and the architecture string."""
    graphs = cell_graphs(space, arch)
    titles = _panel_titles(space, graphs)
    if title is None:
        title = f"{space.name}: {space.format(arch)}"
    return _draw([_Panel(g, titles[kind]) for kind, g in graphs.items()], Path(path), title)


def draw_run_cells(report: RunReport, path: str | Path) -> Path | None:
    """Draw the best cell(s) of every task of a run, one row per task, into ``path``.

    ``None`` (nothing written) when no task has a best architecture yet or the run's space
    has no cells.
    """
    from tasknas.report._run import task_rows

    space = report.benchmark.space
    if not has_cells(report):
        return None
    panels: list[_Panel] = []
    for task, row in task_rows(report.result, report.benchmark).items():
        if row["best_arch"] is None:
            continue
        graphs = cell_graphs(space, space.parse(row["best_arch"]))
        titles = _panel_titles(space, graphs)
        spec = report.benchmark.task(task)
        value = row["metrics"].get(spec.metric)
        head = task if value is None else f"{task} (best {spec.metric} {value:.4g})"
        panels += [
            _Panel(g, head if kind == "cell" else f"{head}: {titles[kind]}")
            for kind, g in graphs.items()
        ]
    if not panels:
        return None
    return _draw(panels, Path(path), f"{report.run_dir.name}: best cell of each task")


def has_cells(report: RunReport) -> bool:
    """Whether ``draw_run_cells`` draws anything for ``report`` (its space has cells and a
    task has a best architecture)."""
    space = report.benchmark.space
    return drawable(space) and any(
        res.best_arch is not None for res in report.result.tasks.values()
    )


def cells_markdown(report: RunReport) -> list[str]:
    """The lines of ``summary.md`` that show the run's drawing (none when there is none)."""
    return ["", f"![best cell of each task]({CELLS_FILE})"] if has_cells(report) else []


# -- layout -------------------------------------------------------------------------------


def _style(op: str) -> tuple[str, str]:
    """(colour, line style) of an operation."""
    if op == "concat":
        return "0.6", "-"
    if "skip" in op:
        return "0.35", "--"
    if "pool" in op:
        return "tab:green", "-"
    if "dil" in op:
        return "tab:purple", "-"
    if "conv" in op:
        return "tab:blue", "-"
    return "tab:red", "-"


@dataclass(frozen=True)
class _Layout:
    """Where a panel's nodes and labels go, in inches."""

    x: dict[Any, float]
    arcs: list[tuple[Any, Any, list[str], str]]  # (src, dst, ops, kind)
    step: float
    below: float  # height step of the concat arcs (below the line)
    width: float
    top: float
    bottom: float


def _label_text(ops: Sequence[str]) -> str:
    if len(ops) == 2 and ops[0] == ops[1]:
        return f"2 × {ops[0]}"
    return "\n".join(ops)


def _layout(graph: Any) -> _Layout:
    nodes = list(graph.nodes)
    grouped: dict[tuple[Any, Any, str], list[str]] = {}
    for src, dst, data in graph.edges(data=True):
        grouped.setdefault((src, dst, data["kind"]), []).append(data["op"])
    arcs = [(s, d, ops, kind) for (s, d, kind), ops in grouped.items()]
    texts = [_label_text(ops) for _, _, ops, kind in arcs if kind == "op"]
    widest = max((max(len(line) for line in t.splitlines()) for t in texts), default=4)
    lines = max((len(t.splitlines()) for t in texts), default=1)
    label_w = widest * _CHAR_W + 2 * _PAD
    label_h = lines * _LINE_H + 2 * _PAD
    gap = max(label_w + 0.2, 2 * _RADIUS + 0.5)
    step = label_h + 0.14
    x = {node: i * gap for i, node in enumerate(nodes)}
    index = {node: i for i, node in enumerate(nodes)}
    spans = [index[d] - index[s] for s, d, _, kind in arcs if kind == "op"]
    concat = [index[d] - index[s] for s, d, _, kind in arcs if kind == "concat"]
    below = 0.22
    top = max(max(spans, default=0) * step + label_h / 2, _RADIUS) + 0.12
    bottom = -max(max(concat, default=0) * below, _RADIUS + 0.25) - 0.12
    return _Layout(x, arcs, step, below, (len(nodes) - 1) * gap, top, bottom)


def _arc_points(x0: float, x1: float, height: float, trim: float) -> np.ndarray:
    """A parabola from ``(x0, 0)`` to ``(x1, 0)`` with its top at ``height``, the ends inside
    the node circles (radius ``trim``) cut off."""
    t = np.linspace(0.0, 1.0, 200)
    xs = x0 + (x1 - x0) * t
    ys = 4 * height * t * (1 - t)
    keep = (np.hypot(xs - x0, ys) > trim) & (np.hypot(xs - x1, ys) > trim)
    return np.column_stack([xs[keep], ys[keep]])


def _draw_panel(ax: Any, panel: _Panel, layout: _Layout) -> None:
    from matplotlib.patches import Circle, FancyArrowPatch

    graph = panel.graph
    index = {node: i for i, node in enumerate(graph.nodes)}
    for src, dst, ops, kind in layout.arcs:
        span = index[dst] - index[src]
        x0, x1 = layout.x[src], layout.x[dst]
        color, style = _style(ops[0])
        if kind == "concat":
            height, width, zorder = -layout.below * span, 0.9, 1
        else:
            height, width, zorder = layout.step * span, 1.5, 2
        points = _arc_points(x0, x1, height, _RADIUS + 0.03)
        ax.plot(*points.T, color=color, linewidth=width, linestyle=style, zorder=zorder)
        head = FancyArrowPatch(  # solid even on a dashed edge
            posA=tuple(points[-6]),
            posB=tuple(points[-1]),
            arrowstyle="-|>",
            mutation_scale=11,
            color=color,
            linewidth=width,
            shrinkA=0,
            shrinkB=0,
            zorder=zorder,
        )
        ax.add_patch(head)
        if kind == "op":
            ax.text(
                (x0 + x1) / 2,
                height,
                _label_text(ops),
                ha="center",
                va="center",
                fontsize=_FONT,
                family="monospace",
                linespacing=1.0,
                zorder=4,
                bbox={
                    "boxstyle": f"round,pad={_PAD * 72 / _FONT:.2f}",
                    "facecolor": "white",
                    "edgecolor": color,
                    "linewidth": 1.0,
                },
            )
    for node, data in graph.nodes(data=True):
        role = data["role"]
        face = {"input": "#dbe9f6", "output": "#fde2c8"}.get(role, "white")
        ax.add_patch(
            Circle((layout.x[node], 0.0), _RADIUS, facecolor=face, edgecolor="0.2", zorder=5)
        )
        label = data["label"]
        size = 10 if label.startswith("$") else 11
        ax.text(layout.x[node], 0.0, label, ha="center", va="center", fontsize=size, zorder=6)
        if not label.startswith("$") and role != "node":
            ax.text(
                layout.x[node],
                -_RADIUS - 0.06,
                role,
                ha="center",
                va="top",
                fontsize=8,
                color="0.3",
                zorder=6,
            )


def _wrap(text: str, chars: int) -> list[str]:
    """``text`` in lines of at most ``chars`` characters, broken after ``+ | ; ,`` where it
    can be (architecture strings have no spaces)."""
    pieces, piece = [], ""
    for ch in text:
        piece += ch
        if ch in "+|;, ":
            pieces.append(piece)
            piece = ""
    if piece:
        pieces.append(piece)
    lines = [""]
    for piece in pieces:
        while len(piece) > chars:  # a piece too long for any line is cut
            if lines[-1]:
                lines.append("")
            lines[-1], piece = piece[:chars], piece[chars:]
            lines.append("")
        if lines[-1] and len(lines[-1]) + len(piece) > chars:
            lines.append("")
        lines[-1] += piece
    return [line for line in lines if line]


def _draw(panels: list[_Panel], path: Path, title: str) -> Path:
    """Stack the panels (one data unit is one inch in every panel), under ``title``, and
    save the figure to ``path``."""
    from tasknas.report._figures import pyplot

    plt = pyplot()
    layouts = [_layout(p.graph) for p in panels]
    margin = 0.45  # left and right of each panel
    fig_w = max(max(lay.width for lay in layouts) + 2 * margin, 5.0)
    title_size = 10
    lines = _wrap(title, max(20, int((fig_w - 0.3) / (0.62 * title_size / 72))))
    head = 0.2 + len(lines) * 1.3 * title_size / 72
    heights = [lay.top - lay.bottom + _TITLE_H for lay in layouts]
    fig_h = sum(heights) + head
    fig = plt.figure(figsize=(fig_w, fig_h))
    fig.text(
        0.12 / fig_w,
        1 - 0.12 / fig_h,
        "\n".join(lines),
        ha="left",
        va="top",
        fontsize=title_size,
        family="monospace",
        linespacing=1.3,
    )
    y = fig_h - head
    for panel, lay, height in zip(panels, layouts, heights, strict=True):
        y -= height
        ax_h = height - _TITLE_H
        ax = fig.add_axes((0.0, y / fig_h, 1.0, ax_h / fig_h), frameon=False)
        ax.set_xlim(-margin, fig_w - margin)
        ax.set_ylim(lay.bottom, lay.top)
        ax.set_axis_off()
        _draw_panel(ax, panel, lay)
        ax.set_title(panel.title, fontsize=10, loc="left", x=0.12 / fig_w, fontweight="bold")
    return save_figure(fig, plt, path)
