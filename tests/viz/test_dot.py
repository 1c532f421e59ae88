"""Drawing graphs: the DOT text, graphviz.Digraph, and life without Graphviz."""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

import chainrule

from chainrule.commands.tour import seed_graph
from chainrule.scalar.value import Value
from chainrule.viz import dot as dotmodule
from chainrule.viz.dot import GraphvizNotFoundError, draw_dot, to_dot, write_drawing

needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")


@pytest.fixture
def seed_after_backward():
    g = seed_graph()
    g["L"].backward()
    return g


@pytest.fixture
def no_dot_program(monkeypatch, tmp_path):
    """A PATH on which there is no Graphviz: an empty folder."""
    monkeypatch.setenv("PATH", str(tmp_path))
    assert shutil.which("dot") is None


def test_seed_graph_dot_text_shows_each_value_with_data_and_grad(seed_after_backward):
    text = to_dot(seed_after_backward["L"])
    for line in [
        'n0 [label="{ a | data 10.0000 | grad 9.0000 }" shape="record"]',
        'n1 [label="{ b | data 3.0000 | grad 30.0000 }" shape="record"]',
        'n2 [label="{ c | data 30.0000 | grad 3.0000 }" shape="record"]',
        'n3 [label="{ d | data -2.0000 | grad 3.0000 }" shape="record"]',
        'n4 [label="{ e | data 28.0000 | grad 3.0000 }" shape="record"]',
        'n5 [label="{ f | data 3.0000 | grad 28.0000 }" shape="record"]',
        'n6 [label="{ L | data 84.0000 | grad 1.0000 }" shape="record"]',
        'n2_op [label="*"]',
        'n4_op [label="+"]',
        'n6_op [label="*"]',
    ]:
        assert f"  {line}\n" in text
    edges = sorted(line.strip() for line in text.splitlines() if "->" in line)
    assert edges == sorted([
        "n2_op -> n2", "n4_op -> n4", "n6_op -> n6",  # each op feeds its result
        "n0 -> n2_op", "n1 -> n2_op", "n2 -> n4_op", "n3 -> n4_op", "n4 -> n6_op", "n5 -> n6_op",
    ])  # fmt: skip
    assert text.startswith("digraph chainrule {\n") and text.endswith("}\n")


def test_a_value_used_twice_draws_two_arrows():
    x = Value(3.0, name="x")
    y = x * x
    lines = to_dot(y).splitlines()
    assert lines.count("  n0 -> n1_op") == 2


def test_unnamed_nodes_get_stable_names_and_ids_that_do_not_depend_on_memory():
    def build():
        return (Value(2.0) * Value(3.0)).tanh()

    first, second = to_dot(build()), to_dot(build())
    assert first == second
    assert "{ v1 | data 2.0000" in first and "{ mul1 | data 6.0000" in first and "{ tanh1 |" in first


def test_labels_are_escaped_for_records_and_quotes():
    x = Value(1.0, name='x<|>"{}\\')
    text = to_dot(x * 2)
    assert r'{ x\<\|\>\"\{\}\\ | data 1.0000' in text


@needs_dot
def test_escaped_labels_render_as_written():
    x = Value(1.0, name='x<|>"{}\\')
    svg = subprocess.run(["dot", "-Tsvg"], input=to_dot(x * 2).encode(), capture_output=True, check=True).stdout
    assert b"x&lt;|&gt;&quot;{}\\" in svg


def test_top_to_bottom_drawing_keeps_fields_side_by_side_and_rankdir_is_checked():
    x = Value(1.0, name="x")
    text = to_dot(x, rankdir="TB")
    assert 'rankdir="TB"' in text and 'label="x | data 1.0000 | grad 0.0000"' in text
    with pytest.raises(ValueError, match="rankdir must be one of LR, RL, TB, BT"):
        to_dot(x, rankdir="sideways")


def test_tensor_nodes_show_shape_dtype_and_previews():
    x = chainrule.tensor([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], requires_grad=True)
    x.name = "x"
    y = (x * 2.0).sum()
    y.backward()
    text = to_dot(y)
    assert "{ x | shape (2, 3) float32 | data [[0., 1., 2.], [3., 4., 5.]] | grad [[2., 2., 2.], [2., 2., 2.]] }" in text
    assert 'label="sum"' in text
    long = to_dot(chainrule.tensor(np.linspace(0.0, 1.0, 1000)))
    data_field = long.split(" | ")[2]
    assert data_field.startswith("data [0.") and len(data_field) <= 45


def test_a_long_chain_is_drawn_without_recursion():
    x = Value(1.0, name="x")
    y = x
    for _ in range(3000):
        y = y + 1.0
    text = to_dot(y)
    assert "n6000_op -> n6000" in text  # 3001 values + 3000 constants, numbered in order
    assert text.count("shape=") == 6001


def test_draw_dot_returns_a_digraph_with_the_same_content(seed_after_backward):
    graphviz = pytest.importorskip("graphviz")
    drawing = draw_dot(seed_after_backward["L"])
    assert isinstance(drawing, graphviz.Digraph)
    assert drawing.format == "svg"
    assert drawing.graph_attr["rankdir"] == "LR"
    assert "{ a | data 10.0000 | grad 9.0000 }" in drawing.source
    assert drawing.source.count("->") == to_dot(seed_after_backward["L"]).count("->")


@needs_dot
def test_draw_dot_renders_svg(seed_after_backward, tmp_path):
    pytest.importorskip("graphviz")
    drawing = draw_dot(seed_after_backward["L"])
    svg = drawing.pipe(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml") and "grad 9.0000" in svg and "grad 30.0000" in svg
    assert "image/svg+xml" in drawing._repr_mimebundle_()
    written = drawing.render(tmp_path / "seed")
    assert written.endswith("seed.svg")


@needs_dot
def test_write_drawing_renders_the_format_of_the_suffix(seed_after_backward, tmp_path):
    path = write_drawing(seed_after_backward["L"], tmp_path / "seed.png")
    assert path.read_bytes().startswith(b"\x89PNG")


@pytest.mark.usefixtures("no_dot_program")
def test_without_dot_rendering_says_how_to_install_graphviz(seed_after_backward, tmp_path):
    pytest.importorskip("graphviz")
    root = seed_after_backward["L"]
    drawing = draw_dot(root)
    attempts = [drawing.pipe, lambda: drawing.render(tmp_path / "x"), lambda: write_drawing(root, tmp_path / "x.svg")]
    for attempt in attempts:
        with pytest.raises(GraphvizNotFoundError) as caught:
            attempt()
        message = str(caught.value)
        assert "apt-get install graphviz" in message and "brew install graphviz" in message
        assert "chainrule.to_dot(root)" in message
    # the DOT text still needs nothing
    assert write_drawing(seed_after_backward["L"], tmp_path / "x.dot").read_text() == to_dot(seed_after_backward["L"])


@pytest.mark.usefixtures("no_dot_program")
def test_without_dot_jupyter_shows_the_html_explorer(seed_after_backward, monkeypatch):
    pytest.importorskip("graphviz")
    from chainrule.viz import html

    shown = []
    monkeypatch.setattr(html, "repr_html", lambda root: shown.append(root) or "<div>explorer</div>")
    bundle = draw_dot(seed_after_backward["L"])._repr_mimebundle_()
    assert bundle["text/html"] == "<div>explorer</div>"
    assert shown == [seed_after_backward["L"]]


@pytest.mark.usefixtures("no_dot_program")
def test_without_dot_or_explorer_jupyter_shows_the_dot_text(seed_after_backward, monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setitem(sys.modules, "chainrule.viz.html", None)  # import fails
    bundle = draw_dot(seed_after_backward["L"])._repr_mimebundle_()
    assert list(bundle) == ["text/plain"]
    assert "apt-get install graphviz" in bundle["text/plain"]
    assert "{ a | data 10.0000 | grad 9.0000 }" in bundle["text/plain"]


def test_without_the_graphviz_package_draw_dot_says_what_to_install(seed_after_backward, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    with pytest.raises(ImportError, match=r"pip install 'chainrule\[viz\]'.*to_dot"):
        draw_dot(seed_after_backward["L"])
    assert "grad 9.0000" in to_dot(seed_after_backward["L"])


def test_the_missing_dot_check_uses_shutil_which(monkeypatch):
    monkeypatch.setattr(dotmodule.shutil, "which", lambda name: None)
    with pytest.raises(GraphvizNotFoundError, match="rendered as png"):
        dotmodule.require_dot("png")
