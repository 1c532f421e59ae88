"""The explorer page as Python builds it: the embedded graph, the layout, the page's safety.

What the page *does* (stepping, gradients shown, paths) is tested in a real browser in
tests/e2e/test_explorer_browser.py.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import sys

import numpy as np
import pytest

from chainrule.expr import build_graph
from chainrule.graph import NodeView
from chainrule.scalar.value import Value
from chainrule.viz.html import (
    MAX_NODES,
    STATIC_PICTURE_UP_TO,
    ExplorerPage,
    explore,
    explorer_dot,
    graph_payload,
    repr_html,
)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


def seed_graph() -> Value:
    """The seed's L = (a*b + d) * f with a=10, b=3, d=-2, f=3, after backward()."""
    L = build_graph("c = a*b; e = c + d; L = e*f", {"a": 10, "b": 3, "d": -2, "f": 3}).root
    L.backward()
    return L


def embedded(page: ExplorerPage) -> dict:
    """The EXPLORER object the page's script reads."""
    literal = re.search(r"const EXPLORER = (.*);\n</script>", page.html).group(1)
    return json.loads(literal)


def by_name(graph: dict) -> dict:
    return {node["name"]: node for node in graph["nodes"]}


def test_payload_of_the_seed_graph_has_values_local_derivatives_and_backward_grads():
    graph = graph_payload(seed_graph())
    nodes = by_name(graph)
    assert [n["name"] for n in graph["nodes"]][-1] == "L" and graph["root"] == len(graph["nodes"]) - 1
    assert {name: n["data"] for name, n in nodes.items()} == {
        "a": 10.0, "b": 3.0, "c": 30.0, "d": -2.0, "e": 28.0, "f": 3.0, "L": 84.0
    }  # fmt: skip
    expected = {"a": 9.0, "b": 30.0, "c": 3.0, "d": 3.0, "e": 3.0, "f": 28.0, "L": 1.0}
    assert {name: n["grad"] for name, n in nodes.items()} == expected  # what backward() left
    assert {name: n["expected_grad"] for name, n in nodes.items()} == expected  # the page's replay
    assert [name for name, n in nodes.items() if n["leaf"]] == ["a", "b", "d", "f"]
    names = [n["name"] for n in graph["nodes"]]
    edges = {(names[e["p"]], names[e["c"]]): (e["local"], e["formula"]) for e in graph["edges"]}
    assert edges[("a", "c")] == (3.0, "b") and edges[("b", "c")] == (10.0, "a")
    assert edges[("c", "e")] == (1.0, "1") and edges[("e", "L")] == (3.0, "f")


def test_a_node_used_twice_gets_one_edge_per_operand_slot_and_accumulates():
    x = Value(3.0, name="x")
    y = x * x + x
    y.name = "y"
    graph = graph_payload(y)
    x_edges = sorted((e["slot"], e["local"]) for e in graph["edges"] if e["p"] == 0)
    assert x_edges == [(0, 3.0), (1, 1.0), (1, 3.0)]  # x*x: slots 0 and 1; (x*x) + x: slot 1
    assert graph["nodes"][0]["expected_grad"] == 2 * 3.0 + 1  # d(x*x + x)/dx


def test_backward_not_run_leaves_zero_grads_but_the_replay_still_knows_them():
    a = Value(2.0, name="a")
    out = (a * 5.0).tanh()
    nodes = graph_payload(out)["nodes"]
    assert nodes[0]["grad"] == 0.0
    assert nodes[0]["expected_grad"] == pytest.approx(5.0 * (1 - np.tanh(10.0) ** 2))


def test_the_page_is_self_contained():
    page = explore(seed_graph(), layout="wasm")
    # Nothing is fetched: no element with a src or href attribute, no CSS import.
    assert not re.search(r"<(script|link|img|iframe|object|embed)\b[^>]*\b(src|href)\s*=", page.html)
    assert "@import" not in page.html
    assert "Viz.instance" in page.html and "WebAssembly" in page.html  # Graphviz travels inside
    assert embedded(page)["svg"] is None


@needs_dot
def test_dot_layout_embeds_the_drawing_instead_of_the_webassembly_bundle():
    page = explore(seed_graph(), layout="dot")
    assert len(page.html) < 200_000  # the 1.3 MB Graphviz bundle is left out
    svg = embedded(page)["svg"]
    assert svg.startswith("<svg") and 'id="v0"' in svg and 'id="o6"' in svg and 'id="e0"' in svg
    assert "Viz.instance" in page.html  # the script can still lay out, it just need not


def test_layout_dot_without_the_program_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        explore(seed_graph(), layout="dot")
    page = explore(seed_graph())  # "auto" lays the graph out in Python instead
    assert embedded(page)["svg"] == page.picture and page.picture.startswith("<svg")
    assert "WebAssembly" not in page.html and len(page.html) < 100_000


def test_python_layout_embeds_the_drawing_and_no_graphviz():
    page = explore(seed_graph(), layout="python")
    svg = embedded(page)["svg"]
    assert svg == page.picture and 'id="v0"' in svg and 'id="o6"' in svg and 'id="e5"' in svg and 'id="f2"' in svg
    assert "WebAssembly" not in page.html and len(page.html) < 100_000
    assert explore(seed_graph(), layout="wasm").picture is None


def test_bad_layout_and_foreign_nodes_are_refused_clearly():
    with pytest.raises(ValueError, match="layout must be 'auto', 'dot', 'python' or 'wasm', got 'neato'"):
        explore(seed_graph(), layout="neato")

    class NotANode:
        def _graph_parents(self):
            return ()

        def _graph_view(self):
            return {"op": ""}

        def _graph_local_derivatives(self):
            return ()

    with pytest.raises(TypeError, match=r"NotANode._graph_view\(\) returned dict, not chainrule.graph.NodeView"):
        explore(NotANode())


def test_graphs_too_big_to_lay_out_in_a_browser_are_refused_with_advice():
    x = Value(1.0, name="x")
    chain = x
    for _ in range(MAX_NODES):
        chain = chain + 1.0
    with pytest.raises(ValueError, match=r"the graph has 10,001 nodes, more than .* \(5,000\); explore a smaller"):
        explore(chain)


def test_names_that_look_like_markup_stay_text():
    a = Value(1.0, name="</script><b>{x|y}")
    out = a * 2.0
    out.name = "out"
    page = explore(out, layout="wasm")
    assert "</script><b>" not in page.html  # it would end the script element early
    assert embedded(page)["graph"]["nodes"][0]["name"] == "</script><b>{x|y}"
    assert r"\{x\|y\}" in explorer_dot(graph_payload(out))  # record-label syntax escaped


def test_edge_labels_are_laid_out_only_for_small_graphs():
    x = Value(0.5, name="x")
    small = x
    for _ in range(3):
        small = small * x
    assert 'label="' in explorer_dot(graph_payload(small)).split("->", 1)[1]
    big = x
    for _ in range(40):
        big = big * x
    dot_text = explorer_dot(graph_payload(big))
    assert not any("label=" in line for line in dot_text.splitlines() if "-> o" in line)


def test_save_and_jupyter_display(tmp_path):
    page = explore(seed_graph(), path=tmp_path / "seed.html", title="The seed & its graph")
    assert (tmp_path / "seed.html").read_text(encoding="utf-8") == page.html
    assert page.save(tmp_path / "again.html").read_text(encoding="utf-8") == page.html
    assert "<title>The seed &amp; its graph</title>" in page.html
    assert re.fullmatch(r"ExplorerPage\(title='The seed & its graph', nodes=7, [\d,]+ characters\)", repr(page))
    output = page._repr_html_()
    assert output.startswith('<div class="chainrule-explorer"') and 'sandbox="allow-scripts"' in output
    srcdoc = re.search(r'<iframe srcdoc="([^"]*)"', output).group(1)  # the page, escaped for an attribute
    assert html.unescape(srcdoc) == page.html
    assert "<iframe srcdoc=" in repr_html(Value(2.0) * 3.0)
    assert "<iframe srcdoc=" in Value(2.0, name="v")._repr_html_()


def static_part(output: str) -> str:
    """What an HTML sanitizer leaves of a notebook output: everything but the iframe."""
    return re.sub(r"<iframe\b.*?</iframe>", "", output, flags=re.S)


@pytest.mark.parametrize("layout", ["python", pytest.param("dot", marks=needs_dot)])
def test_notebook_output_keeps_a_static_picture_under_the_iframe(layout):
    page = explore(seed_graph(), layout=layout)
    static = static_part(page._repr_html_())
    encoded = re.search(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', static).group(1)
    assert base64.b64decode(encoded).decode("utf-8") == page.picture  # the drawing, final values and gradients
    assert "trust the notebook" in static and 'explore(root).save("graph.html")' in static
    assert "<script" not in static and "srcdoc" not in static
    # The iframe comes last and fills the same box: wherever it shows, it covers the picture.
    assert re.search(r'<iframe [^>]*style="position:absolute;top:0;left:0;width:100%;height:420px', page._repr_html_())


def test_notebook_output_without_a_picture_still_says_what_happened():
    wasm = static_part(explore(seed_graph(), layout="wasm")._repr_html_())
    assert "<img" not in wasm and "trust the notebook" in wasm
    x = Value(0.5, name="x")
    big = x
    for _ in range(200):
        big = big * x
    page = explore(big, layout="python")
    assert len(page.picture) > STATIC_PICTURE_UP_TO  # too big to carry twice
    assert "<img" not in static_part(page._repr_html_())


def test_repeated_notebook_displays_without_dot_stay_small(monkeypatch):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    sizes = [len(seed_graph()._repr_html_()) for _ in range(3)]
    assert sizes[0] == sizes[1] == sizes[2] < 120_000  # no 1.3 MB Graphviz bundle, not even once


def test_without_explain_the_page_names_nodes_itself(monkeypatch):
    monkeypatch.setitem(sys.modules, "chainrule.viz.explain", None)  # import now fails
    graph = graph_payload(seed_graph())
    assert [n["name"] for n in graph["nodes"]] == ["a", "b", "c", "d", "e", "f", "L"]
    assert all(e["formula"] is None for e in graph["edges"])
    unnamed = graph_payload(Value(1.0) + Value(2.0))
    assert [n["name"] for n in unnamed["nodes"]] == ["#0", "#1", "#2"]


class TensorNode:
    """A node as a tensor engine presents it: array data, a shape, a dtype, Jacobian edges."""

    def __init__(self, data, op="", parents=(), grad=None, name=""):
        self.data, self.op, self.parents, self.grad, self.name = data, op, tuple(parents), grad, name

    def _graph_parents(self):
        return self.parents

    def _graph_view(self):
        # A freed intermediate still knows its shape and dtype (here always 2×3 float32).
        shape = (2, 3) if self.data is None else tuple(np.shape(self.data))
        dtype = "float32" if self.data is None else str(np.asarray(self.data).dtype)
        return NodeView(self.op, self.name, self.data, self.grad, shape=shape, dtype=dtype)

    def _graph_local_derivatives(self):
        return (None,) * len(self.parents)


def test_tensor_nodes_carry_shape_dtype_and_previews():
    w = TensorNode(np.arange(6, dtype=np.float32).reshape(2, 3), name="W", grad=np.ones((2, 3), np.float32))
    h = TensorNode(None, op="TanhBackward0", parents=(w,))
    loss = TensorNode(np.float32(0.25), op="SumBackward0", parents=(h,), name="loss")
    nodes = by_name(graph_payload(loss))
    weight = nodes["W"]
    assert (weight["shape"], weight["dtype"], weight["scalar"]) == ([2, 3], "float32", False)
    assert weight["data_brief"] == "[0, 1, 2, …]" and weight["grad_brief"] == "[1, 1, 1, …]"
    assert weight["data_preview"] == "[[0. 1. 2.]\n [3. 4. 5.]]"
    assert weight["expected_grad"] is None  # behind a Jacobian: the page shows backward()'s
    hidden = graph_payload(loss)["nodes"][1]
    assert hidden["data_brief"] == "—" and "freed" in hidden["data_preview"]
    assert hidden["grad_brief"] == "(not kept)"  # only leaves keep their gradient
    assert nodes["loss"]["scalar"] and nodes["loss"]["data"] == 0.25
    assert "2×3 float32" in explorer_dot(graph_payload(loss))
