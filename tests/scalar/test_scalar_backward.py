"""The engine itself: attributes, the graph, backward's order and its second-call rule."""

from __future__ import annotations

import gc
import sys
import weakref

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chainrule.graph import NodeView, topological_order
from chainrule.scalar import Value, grad
from chainrule.scalar.value import _reverse_topological_order


def seed_graph():
    a = Value(10.0, name="a")
    b = Value(3.0, name="b")
    c = a * b
    c.name = "c"
    d = Value(-2.0, name="d")
    e = c + d
    e.name = "e"
    f = Value(3.0, name="f")
    L = e * f
    L.name = "L"
    return a, b, c, d, e, f, L


# ---------------------------------------------------------------- the seed's attributes


def test_attributes_and_repr():
    v = Value(84, name="v")
    assert repr(v) == "Value(data=84.0)"
    assert type(v.data) is float and v.grad == 0.0 and type(v.grad) is float
    assert v._prev == () and v._op == "" and v.name == "v"


def test_label_is_an_alias_of_name():
    v = Value(1.0, label="x")
    assert v.name == "x" and v.label == "x"
    v.label = "y"
    assert v.name == "y"


def test_parents_keep_order_and_repeats():
    x = Value(3.0)
    y = Value(4.0)
    assert (x * x)._prev == (x, x)
    assert (y - x)._prev == (y, x)
    assert (x * y)._op == "*"


def test_node_used_twice_accumulates():
    x = Value(3.0)
    (x * x).backward()
    assert x.grad == 6.0
    z = Value(2.0)
    y = z + z + z
    y.backward()
    assert z.grad == 3.0


def test_stepping_backward_by_hand_as_in_the_seed():
    a, b, c, d, e, f, L = seed_graph()
    L.grad = 1.0
    L._backward()
    assert (e.grad, f.grad) == (3.0, 28.0)
    e._backward()
    assert (c.grad, d.grad) == (3.0, 3.0)
    c._backward()
    assert (a.grad, b.grad) == (9.0, 30.0)
    f._backward()  # a leaf: nothing to pass on
    assert f.grad == 28.0


def test_backward_fills_every_gradient():
    a, b, c, d, e, f, L = seed_graph()
    L.backward()
    assert [n.grad for n in (a, b, c, d, e, f, L)] == [9.0, 30.0, 3.0, 3.0, 3.0, 28.0, 1.0]


def test_backward_with_an_output_gradient():
    x = Value(2.0)
    (x * 5).backward(gradient=0.5)
    assert x.grad == 2.5


# ---------------------------------------------------------------- calling backward twice


def test_second_backward_accumulates_leaves_and_resets_intermediates():
    a, b, c, d, e, f, L = seed_graph()
    L.backward()
    L.backward()
    # leaves accumulate, as in PyTorch
    assert (a.grad, b.grad, d.grad, f.grad) == (18.0, 60.0, 6.0, 56.0)
    # intermediates show the latest backward alone (micrograd would give c=9, e=6 here)
    assert (c.grad, e.grad, L.grad) == (3.0, 3.0, 1.0)


def test_backward_from_an_intermediate_after_the_root():
    a, b, c, d, e, f, L = seed_graph()
    L.backward()
    e.backward()  # e's own graph: its grad becomes 1, c's is recomputed, not added
    assert (e.grad, c.grad) == (1.0, 1.0)
    assert (a.grad, b.grad) == (9.0 + 3.0, 30.0 + 10.0)


def test_zero_grad_then_backward_matches_a_fresh_graph():
    a, b, c, d, e, f, L = seed_graph()
    L.backward()
    for leaf in (a, b, d, f):
        leaf.grad = 0.0
    L.backward()
    assert [n.grad for n in (a, b, c, d, e, f)] == [9.0, 30.0, 3.0, 3.0, 3.0, 28.0]


def test_backward_on_a_leaf_accumulates_one():
    x = Value(5.0)
    x.backward()
    x.backward()
    assert x.grad == 2.0


def test_hand_built_node_cannot_pass_gradients():
    a = Value(2.0)
    made = Value(4.0, (a, a), "*")
    with pytest.raises(TypeError, match="local derivatives are unknown"):
        made.backward()
    with pytest.raises(TypeError, match="local derivatives are unknown"):
        (made * 2).backward()
    with pytest.raises(TypeError, match="local derivatives are unknown"):
        made._backward()


# ---------------------------------------------------------------- big graphs


def chain(n, x):
    y = x
    for _ in range(n):
        y = y + x
    return y


def test_deep_chain_needs_no_recursion():
    assert sys.getrecursionlimit() < 10_000
    x = Value(0.5)
    y = chain(200_000, x)
    y.backward()
    assert x.grad == 200_001.0


@pytest.mark.slow
def test_million_node_chain():
    x = Value(0.5)
    y = chain(1_000_000, x)
    y.backward()
    assert x.grad == 1_000_001.0


def test_dropped_graph_is_freed_by_reference_counting():
    gc.disable()
    try:
        x = Value(0.5)
        y = chain(100_000, x)
        middle = y
        for _ in range(50_000):
            middle = middle._prev[0]
        y.backward()
        watch = [weakref.ref(y), weakref.ref(middle)]
        del y, middle
        assert all(ref() is None for ref in watch)  # no gc.collect() needed
        assert x.grad == 100_001.0
    finally:
        gc.enable()


def test_no_node_refers_to_itself():
    x = Value(0.3)
    y = ((x * 2).tanh() + x.exp() / 3 - x**2).relu().sigmoid()
    y.backward()
    for node in topological_order(y):
        referents = gc.get_referents(node)
        inside = [r for ref in referents if isinstance(ref, tuple) for r in ref]
        assert all(r is not node for r in referents + inside)


# ---------------------------------------------------------------- the graph protocol


def test_graph_protocol():
    a, b, c, d, e, f, L = seed_graph()
    L.backward()
    assert L._graph_parents() == (e, f)
    assert L._graph_local_derivatives() == (3.0, 28.0)
    assert c._graph_local_derivatives() == (3.0, 10.0)
    assert L._graph_view() == NodeView(op="*", label="L", data=84.0, grad=1.0, is_leaf=False)
    assert a._graph_view().is_leaf
    assert [n.name for n in topological_order(L)][-1] == "L"


def test_repr_html_is_the_explorer_or_none():
    html = Value(1.0)._repr_html_()
    try:
        import chainrule.viz.html  # noqa: F401
    except ImportError:
        assert html is None
    else:
        assert isinstance(html, str) and html


def test_repr_html_falls_back_to_repr_without_the_explorer(monkeypatch):
    import chainrule.viz

    monkeypatch.setitem(sys.modules, "chainrule.viz.html", None)  # makes the import fail
    monkeypatch.delattr(chainrule.viz, "html", raising=False)
    assert Value(1.0)._repr_html_() is None


def test_slots_keep_nodes_small():
    v = Value(1.0)
    assert not hasattr(v, "__dict__")
    with pytest.raises(AttributeError):
        v.something_else = 1


# ---------------------------------------------------------------- random graphs

OPS = [
    lambda a, b: a + b,
    lambda a, b: a * b,
    lambda a, b: a - b,
    lambda a, b: (a * 0.5).tanh(),
    lambda a, b: a * a,
    lambda a, b: b.sigmoid() + a,
]


@st.composite
def random_graphs(draw):
    leaves = [Value(draw(st.floats(-2, 2)), name=f"x{i}") for i in range(draw(st.integers(1, 4)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 25))):
        op = draw(st.sampled_from(OPS))
        a = draw(st.sampled_from(nodes))
        b = draw(st.sampled_from(nodes))
        nodes.append(op(a, b))
    return leaves, nodes[-1]


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_backward_order_puts_every_node_before_its_parents(graph):
    leaves, root = graph
    order = _reverse_topological_order(root)
    position = {id(n): i for i, n in enumerate(order)}
    expected = [n for n in topological_order(root) if n._prev]
    assert sorted(position) == sorted(id(n) for n in expected)  # each non-leaf exactly once
    for node in order:
        for parent in node._prev:
            if parent._prev:
                assert position[id(node)] < position[id(parent)]


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_backward_agrees_with_grad_and_is_repeatable(graph):
    leaves, root = graph
    expected = grad(root, leaves, materialize_grads=True)
    root.backward()
    intermediate = [(n, n.grad) for n in topological_order(root) if n._prev]
    for leaf, g in zip(leaves, expected):
        assert leaf.grad == pytest.approx(g.data, rel=1e-12, abs=1e-12)
    root.backward()
    for leaf, g in zip(leaves, expected):
        assert leaf.grad == pytest.approx(2 * g.data, rel=1e-12, abs=1e-12)
    assert all(n.grad == g for n, g in intermediate)
