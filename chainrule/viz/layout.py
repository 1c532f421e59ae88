"""Laying out the explorer's drawing in Python, for when Graphviz's ``dot`` is not installed.

A layered layout, the method ``dot`` itself uses, in four steps:

1. **ranks**: every node gets a column, inputs on the left, the output on the right. A node
   sits just left of its first consumer ("as late as possible"), so an input stands next
   to the op that uses it instead of in one crowded first column;
2. **dummy nodes**: an edge that spans several columns gets an invisible node in each
   column it passes, so it bends around boxes instead of crossing them; an edge label is
   such a node, as wide as its text, in the column just before the edge's op;
3. **order** within each column: sweeps that sort each column by the mean position of
   its neighbours in the previous column (the barycentre heuristic), keeping the order
   with the fewest crossings;
4. **coordinates**: each column's nodes are pulled towards their neighbours, as close as
   they can get without overlapping or changing order (a weighted isotonic regression,
   solved exactly by pooling adjacent violators).

The result is SVG with the structure Graphviz writes (``g.node`` and ``g.edge`` groups
with the DOT ids, a polygon and one text per record field, a path and an arrowhead per
edge), so the explorer's script and style treat it exactly as they treat ``dot``'s output.
Text widths come from Helvetica's font metrics, which Arial and Liberation Sans share.
"""

from __future__ import annotations

import html
import math
import unicodedata
from dataclasses import dataclass, field
from typing import Literal, Sequence

__all__ = ["Shape", "Arrow", "layout_svg", "text_width"]

NODE_FONT, EDGE_FONT = 11.0, 10.0  # points, as in the explorer's DOT text
FIELD_HEIGHT = 20.0  # one field of a record box
NODE_GAP = 13.0  # between two boxes of a column (dot's nodesep 0.18 in)
DUMMY_GAP = 6.0  # next to an edge passing through a column
COLUMN_GAP = 20.0
MARGIN = 4.0
ARROW_LENGTH, ARROW_HALF_WIDTH = 6.0, 2.2

# An edge that spans k columns costs k - 1 dummy nodes; past this many in all, the
# longest unlabelled edges are drawn straight instead (a value used all along a long
# chain would otherwise need millions).
MAX_DUMMIES = 20_000
ORDER_SWEEPS, ORDER_PATIENCE = 16, 4
PLACEMENT_ROUNDS = 12


@dataclass(frozen=True)
class Shape:
    """A node to draw: a record box (``lines`` are its fields, top to bottom) or an ellipse."""

    id: str
    kind: Literal["record", "ellipse"]
    lines: tuple[str, ...]


@dataclass(frozen=True)
class Arrow:
    """An edge from ``tail`` to ``head`` (Shape ids), with an optional label."""

    id: str
    tail: str
    head: str
    label: str | None = None


# --- text widths ---------------------------------------------------------------------------

# Advance widths of Helvetica (Adobe's AFM, in 1/1000 em) for the printable ASCII characters
# " " to "~", in order.
_HELVETICA_ASCII = (
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,  # " " to "/"
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,  # "0" to "?"
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,  # "@" to "O"
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,  # "P" to "_"
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,  # "`" to "o"
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,  # "p" to "~"
)  # fmt: skip
_HELVETICA_OTHER = {"×": 584, "·": 278, "…": 1000, "—": 1000, "−": 584, "²": 333, "ᵀ": 400, "σ": 556}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """How wide ``text`` is in Helvetica at ``size`` points (an estimate outside ASCII)."""
    units = 0
    for char in text:
        code = ord(char)
        if 32 <= code <= 126:
            units += _HELVETICA_ASCII[code - 32]
        elif char in _HELVETICA_OTHER:
            units += _HELVETICA_OTHER[char]
        else:
            units += 1000 if unicodedata.east_asian_width(char) in ("W", "F") else 600
    return units / 1000 * size * (1.08 if bold else 1.0)


# --- the layout ----------------------------------------------------------------------------


@dataclass
class _Node:
    kind: str  # "record", "ellipse", "label" (an edge label) or "point" (an edge passing by)
    width: float
    height: float
    shape: Shape | None = None
    text: str = ""  # a label's text
    rank: int = 0
    preds: list[int] = field(default_factory=list)  # neighbours in the column to the left
    succs: list[int] = field(default_factory=list)  # ... and to the right
    x: float = 0.0
    y: float = 0.0
    column_left: float = 0.0  # the x range of the node's column
    column_right: float = 0.0

    @property
    def dummy(self) -> bool:
        return self.kind in ("label", "point")


def layout_svg(shapes: Sequence[Shape], arrows: Sequence[Arrow]) -> str:
    """Lay the graph out left to right and return it as SVG.

    ``arrows`` must form a directed acyclic graph over ``shapes``.

    >>> svg = layout_svg([Shape("a", "record", ("a", "data 1")), Shape("f", "ellipse", ("exp",))],
    ...                  [Arrow("e0", "a", "f", label="1 × 1 = 1")])
    >>> svg.startswith("<svg") and 'id="a" class="node"' in svg and 'id="e0" class="edge"' in svg
    True
    """
    nodes = [_sized(shape) for shape in shapes]
    index = {shape.id: i for i, shape in enumerate(shapes)}
    ends = [(index[arrow.tail], index[arrow.head]) for arrow in arrows]
    lengths = [2 if arrow.label else 1 for arrow in arrows]  # a label takes a column of its own
    for node, rank in zip(nodes, _ranks(len(nodes), ends, lengths)):
        node.rank = rank
    chains = _add_dummies(nodes, arrows, ends)
    columns = _order(nodes, chains)
    _place(nodes, columns)
    return _svg(nodes, arrows, chains)


def _sized(shape: Shape) -> _Node:
    if shape.kind == "record":
        widest = max(text_width(line, NODE_FONT, bold=i == 0) for i, line in enumerate(shape.lines))
        return _Node("record", max(54.0, widest + 20), FIELD_HEIGHT * len(shape.lines), shape)
    label_width = text_width(shape.lines[0], NODE_FONT)
    return _Node("ellipse", 2 * max(27.0, (label_width / 2 + 4) * math.sqrt(2)), 36.0, shape)


def _ranks(count: int, ends: list[tuple[int, int]], lengths: list[int]) -> list[int]:
    """Columns, each node as far right as its consumers allow (the output rightmost)."""
    consumers: list[list[tuple[int, int]]] = [[] for _ in range(count)]
    waiting = [0] * count  # per node: consumers not yet ranked
    for (tail, head), length in zip(ends, lengths):
        consumers[tail].append((head, length))
        waiting[tail] += 1
    # Rank from the outputs backwards (Kahn's algorithm on the reversed edges).
    ready = [i for i in range(count) if waiting[i] == 0]
    producers: list[list[int]] = [[] for _ in range(count)]
    for tail, head in ends:
        producers[head].append(tail)
    rank = [0] * count
    done = 0
    while ready:
        node = ready.pop()
        done += 1
        if consumers[node]:
            rank[node] = min(rank[head] - length for head, length in consumers[node])
        for tail in producers[node]:
            waiting[tail] -= 1
            if waiting[tail] == 0:
                ready.append(tail)
    if done != count:
        raise ValueError("layout_svg: the edges form a cycle; only a directed acyclic graph can be laid out in columns")
    lowest = min(rank, default=0)
    return [r - lowest for r in rank]


def _add_dummies(nodes: list[_Node], arrows: Sequence[Arrow], ends: list[tuple[int, int]]) -> list[list[int]]:
    """The chain of nodes each edge passes through, from tail to head, with dummies added."""
    spans = [nodes[head].rank - nodes[tail].rank for tail, head in ends]
    # Within the budget, the shortest edges get their dummies first.
    budget = MAX_DUMMIES
    routed = [False] * len(arrows)
    for k in sorted(range(len(arrows)), key=lambda k: spans[k]):
        if arrows[k].label or spans[k] - 1 <= budget:
            routed[k] = True
            budget -= spans[k] - 1
    chains = []
    for k, (arrow, (tail, head)) in enumerate(zip(arrows, ends)):
        chain = [tail]
        first = nodes[tail].rank + 1 if routed[k] else nodes[head].rank - 1
        for rank in range(first, nodes[head].rank):
            if arrow.label and rank == nodes[head].rank - 1:
                text = arrow.label
                dummy = _Node("label", text_width(text, EDGE_FONT) + 6, 13.0, text=text)
            elif routed[k]:
                dummy = _Node("point", 0.0, 2.0)
            else:
                continue
            dummy.rank = rank
            nodes.append(dummy)
            chain.append(len(nodes) - 1)
        chain.append(head)
        for left, right in zip(chain, chain[1:]):
            if nodes[right].rank - nodes[left].rank == 1:  # an unrouted edge does not pull on the order
                nodes[left].succs.append(right)
                nodes[right].preds.append(left)
        chains.append(chain)
    return chains


def _order(nodes: list[_Node], chains: list[list[int]]) -> list[list[int]]:
    """Each column's nodes top to bottom, with few edge crossings."""
    columns: list[list[int]] = [[] for _ in range(max(n.rank for n in nodes) + 1)] if nodes else []
    # Start from a depth-first walk back from the outputs, operands in order, so that
    # a * b puts a above b and each operand's subgraph stays together.
    incoming: list[list[list[int]]] = [[] for _ in nodes]
    for chain in chains:
        incoming[chain[-1]].append(chain[:-1])
    seen = [False] * len(nodes)
    tails = {chain[0] for chain in chains}
    # Each stack entry is an edge's chain without its head: the dummies are placed from
    # the head's side, then the tail, whose own incoming chains go on top of the stack.
    stack = [[i] for i in reversed(range(len(nodes))) if not nodes[i].dummy and i not in tails]
    while stack:
        path = stack.pop()
        for i in reversed(path):
            if seen[i]:
                continue
            seen[i] = True
            columns[nodes[i].rank].append(i)
            if i == path[0]:
                stack.extend(reversed(incoming[i]))
    for i, node in enumerate(nodes):  # anything not reached from an output
        if not seen[i]:
            columns[node.rank].append(i)

    position = [0] * len(nodes)

    def number(column: list[int]) -> None:
        for p, i in enumerate(column):
            position[i] = p

    for column in columns:
        number(column)
    best, fewest = [list(c) for c in columns], _crossings(nodes, columns, position)
    stale = 0
    for sweep in range(ORDER_SWEEPS):
        rightwards = sweep % 2 == 0
        span = range(1, len(columns)) if rightwards else range(len(columns) - 2, -1, -1)
        for r in span:
            def barycentre(i: int) -> float:
                others = nodes[i].preds if rightwards else nodes[i].succs
                return sum(position[o] for o in others) / len(others) if others else position[i]

            columns[r].sort(key=barycentre)
            number(columns[r])
        count = _crossings(nodes, columns, position)
        if count < fewest:
            best, fewest, stale = [list(c) for c in columns], count, 0
        else:
            stale += 1
            if stale >= ORDER_PATIENCE:
                break
    return best


def _crossings(nodes: list[_Node], columns: list[list[int]], position: list[int]) -> int:
    """How many pairs of edges cross between neighbouring columns (inversions, counted by
    a Fenwick tree)."""
    total = 0
    for column, right in zip(columns, columns[1:]):
        pairs = sorted((position[i], position[j]) for i in column for j in nodes[i].succs)
        tree = [0] * (len(right) + 1)
        for seen, (_, lower) in enumerate(pairs):
            k, below = lower + 1, 0  # edges so far that end at or above `lower`
            while k > 0:
                below += tree[k]
                k -= k & -k
            total += seen - below
            k = lower + 1
            while k <= len(right):
                tree[k] += 1
                k += k & -k
    return total


def _place(nodes: list[_Node], columns: list[list[int]]) -> None:
    """x per column; y per node, near its neighbours, in order and without overlaps."""
    x = 0.0
    for column in columns:
        width = max((nodes[i].width for i in column), default=0.0)
        for i in column:
            nodes[i].x = x + width / 2
            nodes[i].column_left, nodes[i].column_right = x, x + width
        x += width + COLUMN_GAP

    gaps = [[_gap(nodes[a], nodes[b]) for a, b in zip(column, column[1:])] for column in columns]
    for column, column_gaps in zip(columns, gaps):
        y = 0.0
        for i, gap in zip(column, [0.0] + column_gaps):
            y += gap
            nodes[i].y = y
    for round_ in range(PLACEMENT_ROUNDS):
        # Alternate sweeps that follow one side; the last rounds centre on both sides.
        sides = ("preds",) if round_ % 2 == 0 else ("succs",)
        if round_ >= PLACEMENT_ROUNDS - 2:
            sides = ("preds", "succs")
        order = range(len(columns)) if round_ % 2 == 0 else range(len(columns) - 1, -1, -1)
        for r in order:
            targets, weights = [], []
            for i in columns[r]:
                pulls = [(nodes[o].y, _weight(nodes[i], nodes[o])) for side in sides for o in getattr(nodes[i], side)]
                total = sum(w for _, w in pulls)
                targets.append(sum(y * w for y, w in pulls) / total if pulls else nodes[i].y)
                weights.append(total if pulls else 0.5)
            for i, y in zip(columns[r], _closest_in_order(targets, weights, gaps[r])):
                nodes[i].y = y
    top = min((n.y - n.height / 2 for n in nodes), default=0.0)
    for node in nodes:
        node.y -= top


def _gap(above: _Node, below: _Node) -> float:
    space = NODE_GAP if not above.dummy and not below.dummy else DUMMY_GAP
    return (above.height + below.height) / 2 + space


def _weight(a: _Node, b: _Node) -> float:
    # dot's weights: an edge between two dummies pulls hardest, so long edges run straight.
    return {0: 1.0, 1: 2.0, 2: 8.0}[a.dummy + b.dummy]


def _closest_in_order(targets: list[float], weights: list[float], gaps: list[float]) -> list[float]:
    """Positions y minimising sum(w * (y - target)²) subject to y[k+1] - y[k] >= gaps[k].

    With z[k] = y[k] - (gaps before k) the constraint reads z non-decreasing: isotonic
    regression, solved by pooling adjacent violators into blocks at their weighted mean.
    """
    offsets = [0.0]
    for gap in gaps:
        offsets.append(offsets[-1] + gap)
    blocks: list[list[float]] = []  # [mean, weight, how many]
    for target, weight, offset in zip(targets, weights, offsets):
        blocks.append([target - offset, weight, 1])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            mean2, weight2, n2 = blocks.pop()
            mean1, weight1, n1 = blocks.pop()
            blocks.append([(mean1 * weight1 + mean2 * weight2) / (weight1 + weight2), weight1 + weight2, n1 + n2])
    positions = []
    for mean, _, n in blocks:
        positions.extend([mean] * int(n))
    return [z + offset for z, offset in zip(positions, offsets)]


# --- SVG -----------------------------------------------------------------------------------


def _svg(nodes: list[_Node], arrows: Sequence[Arrow], chains: list[list[int]]) -> str:
    width = max((n.x + n.width / 2 for n in nodes), default=0.0) + 2 * MARGIN
    height = max((n.y + n.height / 2 for n in nodes), default=0.0) + 2 * MARGIN
    parts = [
        f'<svg width="{width:.0f}pt" height="{height:.0f}pt" viewBox="0.00 0.00 {width:.2f} {height:.2f}" '
        'xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">',
        f'<g id="graph0" class="graph" transform="translate({MARGIN} {MARGIN})">',
    ]
    # Edges first, so boxes are drawn over their ends.
    for arrow, chain in zip(arrows, chains):
        parts.append(_edge_svg(arrow, [nodes[i] for i in chain]))
    for node in nodes:
        if node.shape is not None:
            parts.append(_node_svg(node))
    parts += ["</g>", "</svg>"]
    return "\n".join(parts)


def _text(x: float, y: float, size: float, text: str) -> str:
    return (
        f'<text text-anchor="middle" x="{x:.1f}" y="{y:.1f}" font-family="Helvetica,sans-Serif" '
        f'font-size="{size:.2f}">{html.escape(text, quote=False)}</text>'
    )


def _node_svg(node: _Node) -> str:
    shape = node.shape
    assert shape is not None
    parts = [f'<g id="{html.escape(shape.id)}" class="node">', f"<title>{html.escape(shape.id)}</title>"]
    if node.kind == "ellipse":
        parts.append(
            f'<ellipse fill="none" stroke="black" stroke-width="1.2" cx="{node.x:.1f}" cy="{node.y:.1f}" '
            f'rx="{node.width / 2:.1f}" ry="{node.height / 2:.1f}"/>'
        )
        parts.append(_text(node.x, node.y + 4, NODE_FONT, shape.lines[0]))
    else:
        left, right = node.x - node.width / 2, node.x + node.width / 2
        top, bottom = node.y - node.height / 2, node.y + node.height / 2
        parts.append(
            f'<polygon fill="none" stroke="black" stroke-width="1.2" points="{left:.1f},{top:.1f} '
            f'{right:.1f},{top:.1f} {right:.1f},{bottom:.1f} {left:.1f},{bottom:.1f} {left:.1f},{top:.1f}"/>'
        )
        for k, line in enumerate(shape.lines):
            field_top = top + k * FIELD_HEIGHT
            if k:
                parts.append(
                    f'<polyline fill="none" stroke="black" stroke-width="1.2" '
                    f'points="{left:.1f},{field_top:.1f} {right:.1f},{field_top:.1f}"/>'
                )
            parts.append(_text(node.x, field_top + 13.5, NODE_FONT, line))
    parts.append("</g>")
    return "\n".join(parts)


def _edge_svg(arrow: Arrow, chain: list[_Node]) -> str:
    tail, head = chain[0], chain[-1]
    # Inside a column an edge runs level, at a height that only its own node takes up
    # there; it bends only in the gaps between columns, where there are no boxes.
    first_bend = chain[1] if len(chain) > 2 else head
    start = _exit(tail, first_bend.y)
    points = [start, (max(start[0], tail.column_right), start[1])]
    for node in chain[1:-1]:
        y = node.y + node.height / 2 if node.kind == "label" else node.y  # a label sits on its edge
        points += [(node.column_left, y), (node.column_right, y)]
    tip = _entry(head, points[-1][1])
    end = (tip[0] - ARROW_LENGTH, tip[1])
    points += [(min(head.column_left, end[0]), end[1]), end]
    path = [f"M{start[0]:.1f},{start[1]:.1f}"]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x1 - x0 < 0.05 and abs(y1 - y0) < 0.05:
            continue
        bend = (x1 - x0) / 2  # horizontal tangents at both ends: a smooth left-to-right curve
        path.append(f"C{x0 + bend:.1f},{y0:.1f} {x1 - bend:.1f},{y1:.1f} {x1:.1f},{y1:.1f}")
    arrowhead = (
        f"{end[0]:.1f},{end[1] - ARROW_HALF_WIDTH:.1f} {tip[0]:.1f},{tip[1]:.1f} "
        f"{end[0]:.1f},{end[1] + ARROW_HALF_WIDTH:.1f} {end[0]:.1f},{end[1] - ARROW_HALF_WIDTH:.1f}"
    )
    parts = [
        f'<g id="{html.escape(arrow.id)}" class="edge">',
        f"<title>{html.escape(arrow.tail)}&#45;&gt;{html.escape(arrow.head)}</title>",
        f'<path fill="none" stroke="black" stroke-width="1.1" d="{"".join(path)}"/>',
        f'<polygon fill="black" stroke="black" stroke-width="1.1" points="{arrowhead}"/>',
    ]
    label = next((n for n in chain if n.kind == "label"), None)
    if label is not None:
        parts.append(_text(label.x, label.y + label.height / 2 - 3, EDGE_FONT, label.text))
    parts.append("</g>")
    return "\n".join(parts)


def _level(node: _Node, toward_y: float) -> float:
    """The height at which an edge leaves or enters ``node``: offset towards the other end
    (so edges fan out), but well inside the node's own height."""
    reach = node.height / 2 - (5 if node.kind == "record" else node.height / 4)
    return node.y + max(-reach, min(reach, (toward_y - node.y) / 2))


def _exit(node: _Node, toward_y: float) -> tuple[float, float]:
    """Where an edge heading for height ``toward_y`` leaves ``node`` (on its right side)."""
    y = _level(node, toward_y)
    return node.x + _half_width_at(node, y), y


def _entry(node: _Node, from_y: float) -> tuple[float, float]:
    """Where an edge coming from height ``from_y`` meets ``node`` (its arrow's tip, on the left)."""
    y = _level(node, from_y)
    return node.x - _half_width_at(node, y), y


def _half_width_at(node: _Node, y: float) -> float:
    if node.kind != "ellipse":
        return node.width / 2
    rx, ry = node.width / 2, node.height / 2
    return rx * math.sqrt(max(0.0, 1 - ((y - node.y) / ry) ** 2))
