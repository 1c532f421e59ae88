"""The micrograd walk-through (seeds/004), run against chainrule: it prints the seed's numbers.

Each test is one section of the walk-through, its code kept as the seed writes it,
with the seed's own `Value` class replaced by `chainrule.Value`.
"""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import Value
from chainrule.scalar import nn


def build_graph(nudge_a=0.0, nudge_c=0.0, nudge_d=0.0, nudge_e=0.0, nudge_f=0.0):
    """The seed's graph, L = (a*b + d) * f, with an optional nudge on one node's data."""
    a = Value(10.0 + nudge_a, name="a")
    b = Value(3.0, name="b")
    c = a * b ; c.name = "c"  # noqa: E702 (the seed's own line)
    c.data = c.data + nudge_c
    d = Value(-2.0 + nudge_d, name="d")
    e = c + d; e.name = "e"  # noqa: E702
    e.data = e.data + nudge_e
    f = Value(3.0 + nudge_f, name='f')
    L = e * f; L.name = "L"  # noqa: E702
    return a, b, c, d, e, f, L


def test_deriv_with_respect_to_a_prints_the_seeds_number(capsys):
    def deriv():

        h = 0.001

        a = Value(10.0, name="a")
        b = Value(3.0, name="b")
        c = a * b ; c.name = "c"  # noqa: E702
        d = Value(-2.0, name="d")
        e = c + d; e.name = "e"  # noqa: E702
        f = Value(3.0, name='f')
        L = e * f; L.name = "L"  # noqa: E702
        L1 = L.data

        a = Value(10.0+h, name="a")
        b = Value(3.0, name="b")
        c = a * b ; c.name = "c"  # noqa: E702
        d = Value(-2.0, name="d")
        e = c + d; e.name = "e"  # noqa: E702
        f = Value(3.0, name='f')
        L = e * f; L.name = "L"  # noqa: E702
        L2 = L.data

        print((L2-L1)/h)

    deriv()
    assert capsys.readouterr().out == "9.000000000000341\n"


@pytest.mark.parametrize(
    ("node", "printed"),
    [
        ("e", "3.0000000000001137\n"),  # e.data = e.data + h
        ("f", "27.999999999991587\n"),  # f = Value(3.0+h, name='f')
        ("c", "3.0000000000001137\n"),  # c.data = c.data + h
        ("d", "3.0000000000001137\n"),  # d, "역시 3"
    ],
)
def test_deriv_with_respect_to_each_node(capsys, node, printed):
    def deriv():
        h = 0.001
        L1 = build_graph()[-1].data
        L2 = build_graph(**{f"nudge_{node}": h})[-1].data
        print((L2-L1)/h)

    deriv()
    assert capsys.readouterr().out == printed


def test_numerical_grad_is_the_seeds_check_as_a_function():
    from chainrule import numerical_grad

    report = numerical_grad(lambda a, b, d, f: (a * b + d) * f, {"a": 10.0, "b": 3.0, "d": -2.0, "f": 3.0},
                            h=0.001, method="forward")
    assert report["a"].numeric == 9.000000000000341
    assert report["f"].numeric == 27.999999999991587


def test_repr_is_the_seeds(capsys):
    a, b, c, d, e, f, L = build_graph()
    print(L)
    assert capsys.readouterr().out == "Value(data=84.0)\n"


def test_stepping_backward_by_hand(capsys):
    a, b, c, d, e, f, L = build_graph()
    L.grad = 1.0
    L._backward()
    print(e.grad, f.grad)
    f._backward()  # "f 에 대해서는 실행해도 ... 아무 변화도 일어나지 않는다"
    print(e.grad, f.grad)
    e._backward()
    c._backward()
    print(a.grad, b.grad, c.grad, d.grad)
    assert capsys.readouterr().out == "3.0 28.0\n3.0 28.0\n9.0 30.0 3.0 3.0\n"


def test_backward_fills_the_seeds_gradients(capsys):
    a, b, c, d, e, f, L = build_graph()
    L.backward()
    for node in (a, b, c, d, e, f):
        print(node.name, node.grad)
    assert capsys.readouterr().out == "a 9.0\nb 30.0\nc 3.0\nd 3.0\ne 3.0\nf 28.0\n"


def test_e_backward_as_in_the_ordering_section():
    a = Value(10.0, name="a")
    b = Value(3.0, name="b")
    c = a * b ; c.name = "c"  # noqa: E702
    d = Value(-2.0, name="d")
    e = c + d; e.name = "e"  # noqa: E702

    e.backward()
    assert (a.grad, b.grad, c.grad, d.grad, e.grad) == (3.0, 10.0, 1.0, 1.0, 1.0)


class Neuron:
    """The seed's Neuron, verbatim, on chainrule's Value."""

    def __init__(self, nin, nonlin=True):
        self.w = [Value(np.random.uniform(-1,1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x):
        act = sum((wi*xi for wi,xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act


def test_the_seeds_neuron_and_chainrules_neuron_agree():
    np.random.seed(0)
    x = [Value(1.0), Value(-3.4), Value(2.4)]
    y = Neuron(3, nonlin=False)(x)
    y.backward()

    np.random.seed(0)
    x2 = [Value(1.0), Value(-3.4), Value(2.4)]
    y2 = nn.Neuron(3, nonlin=False)(x2)
    y2.backward()

    assert y2.data == y.data
    assert [v.grad for v in x2] == [v.grad for v in x]
    np.random.seed(0)
    assert [v.grad for v in x] == [np.random.uniform(-1, 1) for _ in range(3)]  # dy/dx_i = w_i
    # ops: three products, then the running sum that starts from the bias
    assert [n._op for n in (y, y._prev[0])] == ["+", "+"]


def test_draw_dot_shows_names_data_and_grads():
    dot = pytest.importorskip("chainrule.viz.dot")
    a, b, c, d, e, f, L = build_graph()
    L.backward()
    graph = dot.draw_dot(L)
    source = graph.source
    for name, data, grad in [("a", "10.0000", "9.0000"), ("b", "3.0000", "30.0000"), ("L", "84.0000", "1.0000")]:
        assert f"{name} | data {data} | grad {grad}" in source
    assert source.count("->") == 3 * 3  # three ops: two operands in, one result out


def test_draw_dot_of_the_neuron():
    dot = pytest.importorskip("chainrule.viz.dot")
    np.random.seed(0)
    x = [Value(1.0), Value(-3.4), Value(2.4)]
    y = Neuron(3, nonlin=False)(x)
    y.backward()
    source = dot.to_dot(y)
    assert source.count('label="*"') == 3 and source.count('label="+"') == 3
