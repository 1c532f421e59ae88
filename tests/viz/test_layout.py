"""The explorer's drawing laid out in Python (no Graphviz): columns, order, no overlaps."""

from __future__ import annotations

import re
import time
import xml.etree.ElementTree as ElementTree

import numpy as np
import pytest

from chainrule.expr import build_graph
from chainrule.scalar.nn import MLP
from chainrule.scalar.value import Value
from chainrule.viz.html import explorer_drawing, graph_payload
from chainrule.viz.layout import Arrow, Shape, layout_svg, text_width

SVG = "{http://www.w3.org/2000/svg}"


def drawn(root) -> ElementTree.Element:
    return ElementTree.fromstring(layout_svg(*explorer_drawing(graph_payload(root))))


def seed_graph() -> Value:
    L = build_graph("c = a*b; e = c + d; L = e*f", {"a": 10, "b": 3, "d": -2, "f": 3}).root
    L.backward()
    return L


def mlp_loss() -> Value:
    np.random.seed(1)
    model = MLP(3, [4, 4, 1])
    loss = sum((model(x) - y) ** 2 for x, y in [([2.0, 3.0, -1.0], 1.0), ([3.0, -1.0, 0.5], -1.0)])
    loss.backward()
    return loss


def boxes(svg: ElementTree.Element) -> dict[str, tuple[float, float, float, float]]:
    """``{id: (left, top, right, bottom)}`` of every drawn node."""
    out = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") != "node":
            continue
        ellipse = group.find(f"{SVG}ellipse")
        if ellipse is not None:
            cx, cy, rx, ry = (float(ellipse.get(k)) for k in ("cx", "cy", "rx", "ry"))
            out[group.get("id")] = (cx - rx, cy - ry, cx + rx, cy + ry)
        else:
            points = [tuple(map(float, p.split(","))) for p in group.find(f"{SVG}polygon").get("points").split()]
            xs, ys = [p[0] for p in points], [p[1] for p in points]
            out[group.get("id")] = (min(xs), min(ys), max(xs), max(ys))
    return out


def edges(svg: ElementTree.Element) -> dict[str, tuple[str, str, list[tuple[float, float]]]]:
    """``{id: (tail, head, points along the drawn path)}``, each cubic piece sampled."""
    out = {}
    for group in svg.iter(f"{SVG}g"):
        if group.get("class") != "edge":
            continue
        tail, head = group.find(f"{SVG}title").text.split("->")
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", group.find(f"{SVG}path").get("d"))]
        start, rest = numbers[:2], numbers[2:]
        points, (x0, y0) = [tuple(start)], start
        for k in range(0, len(rest), 6):
            x1, y1, x2, y2, x3, y3 = rest[k : k + 6]
            for t in np.linspace(0, 1, 12)[1:]:
                u = 1 - t
                points.append((u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3,
                               u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3))  # fmt: skip
            x0, y0 = x3, y3
        out[group.get("id")] = (tail, head, points)
    return out


def test_text_widths_follow_helvetica():
    assert text_width("data 10.0000", 11) == pytest.approx(5838 / 1000 * 11)
    assert text_width("iiii", 10) < text_width("MMMM", 10)
    assert text_width("界", 10) == 10.0 and text_width("α", 10) == 6.0  # wide, and unknown, characters


def test_the_seed_graph_reads_left_to_right_in_operand_order():
    svg = drawn(seed_graph())
    box = boxes(svg)
    names = ["v0", "v1", "v2", "v3", "v4", "v5", "v6"]  # a, b, c, d, e, f, L
    assert set(box) == set(names) | {"o2", "o4", "o6"}
    x = {name: (box[name][0] + box[name][2]) / 2 for name in box}  # centres: a column's boxes are centred
    assert x["v0"] == x["v1"] < x["o2"] < x["v2"] == x["v3"] < x["o4"] < x["v4"] == x["v5"] < x["o6"] < x["v6"]
    # d waits next to the op that uses it, as dot draws it; a (slot 0) is above b (slot 1).
    assert box["v0"][3] < box["v1"][1] and box["v2"][3] < box["v3"][1]
    assert {e: (tail, head) for e, (tail, head, _) in edges(svg).items()} == {
        "f2": ("o2", "v2"), "f4": ("o4", "v4"), "f6": ("o6", "v6"),
        "e0": ("v0", "o2"), "e1": ("v1", "o2"), "e2": ("v2", "o4"), "e3": ("v3", "o4"), "e4": ("v4", "o6"), "e5": ("v5", "o6"),
    }  # fmt: skip


def test_edge_labels_sit_on_their_edge_between_the_boxes():
    svg = drawn(seed_graph())
    box, paths = boxes(svg), edges(svg)
    for group in svg.iter(f"{SVG}g"):
        if group.get("id") == "e1":
            label = group.find(f"{SVG}text")
    assert label.text == "10 × 3 = 30"
    x, y = float(label.get("x")), float(label.get("y"))
    assert box["v1"][2] < x - text_width(label.text, 10) / 2 and x + text_width(label.text, 10) / 2 < box["o2"][0]
    under = [py for px, py in paths["e1"][2] if abs(px - x) < 2]
    assert under and all(0 < py - y < 6 for py in under)  # the edge runs just below its label


@pytest.mark.parametrize("build", [seed_graph, mlp_loss], ids=["seed", "mlp-218-nodes"])
def test_no_box_overlaps_another_and_no_edge_crosses_a_box(build):
    svg = drawn(build())
    box = boxes(svg)
    items = list(box.items())
    overlapping = [
        (p, q) for k, (p, a) in enumerate(items) for q, b in items[k + 1 :]
        if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]
    ]  # fmt: skip
    assert overlapping == []
    crossing = []
    for name, (tail, head, points) in edges(svg).items():
        for other, (left, top, right, bottom) in box.items():
            if other in (tail, head):
                continue
            if any(left + 0.5 < x < right - 0.5 and top + 0.5 < y < bottom - 0.5 for x, y in points):
                crossing.append((name, other))
    assert crossing == []
    for _, _, points in edges(svg).values():  # every edge runs left to right
        assert all(x1 >= x0 - 1e-6 for (x0, _), (x1, _) in zip(points, points[1:]))


def test_the_svg_has_graphviz_structure_for_the_explorer_script():
    text = layout_svg(*explorer_drawing(graph_payload(seed_graph())))
    svg = ElementTree.fromstring(text)
    assert svg.get("viewBox").startswith("0.00 0.00 ") and svg.find(f"{SVG}g").get("class") == "graph"
    a = next(g for g in svg.iter(f"{SVG}g") if g.get("id") == "v0")
    assert [t.text for t in a.findall(f"{SVG}text")] == ["a", "data 10.0000", "grad 9.0000"]  # data, grad last
    assert len(a.findall(f"{SVG}polyline")) == 2  # field separators


def test_markup_in_names_stays_text():
    svg = layout_svg([Shape("v0", "record", ("<b>&", "data 1")), Shape("o1", "ellipse", ("</svg>",))],
                     [Arrow("e0", "v0", "o1", label="a < b")])  # fmt: skip
    texts = [t.text for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]
    assert set(texts) == {"<b>&", "data 1", "</svg>", "a < b"}


def test_a_cycle_is_refused():
    with pytest.raises(ValueError, match="cycle"):
        layout_svg([Shape("a", "ellipse", ("a",)), Shape("b", "ellipse", ("b",))], [Arrow("1", "a", "b"), Arrow("2", "b", "a")])


def test_long_graphs_lay_out_quickly_and_shared_inputs_do_not_explode():
    x = Value(1.0, name="x")
    chain = x
    for _ in range(1500):  # x feeds every add: edges spanning up to 4500 columns
        chain = chain * 1.0001 + x
    started = time.perf_counter()
    svg = drawn(chain)
    assert time.perf_counter() - started < 20
    assert len(boxes(svg)) == 4501 + 3000  # value boxes and op ellipses
