"""Derivatives of derivatives: `chainrule.scalar.grad(..., create_graph=True)`."""

from __future__ import annotations

import math

import pytest
from tests.scalar.scalar_op_cases import CASE_POINT_IDS, CASE_POINTS

from chainrule.graph import topological_order
from chainrule.scalar import Value, grad
from chainrule.scalar.higher_order import local_derivatives_as_values


def derivatives(fn, x, order):
    """[f(x), f'(x), f''(x), ...] up to `order`, each from grad of the previous one."""
    leaf = Value(x)
    out = fn(leaf)
    results = [out.data]
    for _ in range(order):
        (out,) = grad(out, leaf, create_graph=True)
        results.append(out.data)
    return results


def central_difference(g, x, h=1e-4):
    return (g(x + h) - g(x - h)) / (2 * h)


CLOSED_FORMS = {
    "tanh": (
        lambda v: v.tanh(),
        [
            lambda x: 1 - math.tanh(x) ** 2,
            lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
            lambda x: -2 * (1 - math.tanh(x) ** 2) * (1 - 3 * math.tanh(x) ** 2),
        ],
    ),
    "exp": (lambda v: v.exp(), [math.exp, math.exp, math.exp]),
    "cube": (lambda v: v**3, [lambda x: 3 * x**2, lambda x: 6 * x, lambda x: 6.0]),
}


@pytest.mark.parametrize("name", CLOSED_FORMS)
@pytest.mark.parametrize("x", [-1.3, -0.2, 0.0, 0.7, 2.0])
def test_first_three_derivatives_match_closed_forms(name, x):
    fn, closed = CLOSED_FORMS[name]
    got = derivatives(fn, x, 3)
    for k in (1, 2, 3):
        assert got[k] == pytest.approx(closed[k - 1](x), rel=1e-12, abs=1e-12), f"order {k}"


@pytest.mark.parametrize("name", CLOSED_FORMS)
@pytest.mark.parametrize("x", [-1.3, 0.7, 2.0])
def test_each_derivative_is_the_finite_difference_of_the_one_before(name, x):
    fn, _ = CLOSED_FORMS[name]
    got = derivatives(fn, x, 3)
    for k in (1, 2, 3):
        numeric = central_difference(lambda t: derivatives(fn, t, k - 1)[-1], x)
        assert got[k] == pytest.approx(numeric, rel=1e-6, abs=1e-6), f"order {k}"


@pytest.mark.parametrize(("case", "point"), CASE_POINTS, ids=CASE_POINT_IDS)
def test_differentiable_rules_agree_with_the_float_rules(case, point):
    out = case.value_fn(*[Value(x) for x in point])
    for node in topological_order(out):
        if not node._prev:
            continue
        symbolic = local_derivatives_as_values(node)
        as_floats = [d.data if isinstance(d, Value) else d for d in symbolic]
        assert as_floats == pytest.approx(list(node._local), rel=1e-14), node._op


@pytest.mark.parametrize(("case", "point"), CASE_POINTS, ids=CASE_POINT_IDS)
def test_second_derivatives_match_pytorch(case, point):
    torch = pytest.importorskip("torch")
    leaves = [Value(x) for x in point]
    first = grad(case.value_fn(*leaves), leaves, create_graph=True)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    t_first = torch.autograd.grad(case.torch_fn(*tensors), tensors, create_graph=True)
    for i in range(len(leaves)):
        mine = grad(first[i], leaves, materialize_grads=True)
        if t_first[i].requires_grad:
            theirs = torch.autograd.grad(t_first[i], tensors, allow_unused=True)
        else:  # a constant first derivative (x + 2): every second derivative is 0
            theirs = [None] * len(tensors)
        for m, t in zip(mine, theirs):
            assert m.data == pytest.approx(0.0 if t is None else t.item(), rel=1e-12, abs=1e-12)


def test_mixed_partial_derivatives():
    x, y = Value(1.5), Value(-0.5)
    f = x * x * y + (x * y).sin()
    dx, dy = grad(f, (x, y), create_graph=True)
    (dxy,) = grad(dx, y)
    (dyx,) = grad(dy, x)
    expected = 2 * 1.5 + math.cos(-0.75) - (-0.75) * math.sin(-0.75)
    assert dxy.data == pytest.approx(expected, rel=1e-14)
    assert dyx.data == pytest.approx(expected, rel=1e-14)


def test_grad_leaves_dot_grad_alone_and_returns_values():
    x = Value(3.0)
    y = x * x
    (g,) = grad(y, x)
    assert isinstance(g, Value) and g.data == 6.0 and g._prev == ()
    assert x.grad == 0.0 and y.grad == 0.0


def test_grad_with_respect_to_an_intermediate_node():
    x = Value(2.0)
    h = x * 3
    y = h * h
    assert grad(y, h)[0].data == 12.0
    assert grad(y, [x, h])[0].data == 36.0


def test_unused_inputs_follow_pytorch():
    x, z = Value(1.0), Value(2.0)
    y = x * 2
    with pytest.raises(ValueError, match=r"inputs\[1\].*not used"):
        grad(y, [x, z])
    assert grad(y, [x, z], allow_unused=True)[1] is None
    assert grad(y, [x, z], materialize_grads=True)[1].data == 0.0


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match="output must be a Value"):
        grad(3.0, Value(1.0))
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value"):
        grad(Value(1.0), [2.0])


def test_hand_built_nodes_are_refused_with_create_graph():
    a = Value(2.0)
    made = Value(4.0, (a,), "square")
    with pytest.raises(TypeError, match="local derivatives are unknown"):
        grad(made, a, create_graph=True)
    with pytest.raises(TypeError, match="local derivatives are unknown"):
        grad(made, a)


def test_an_op_without_a_differentiable_rule_is_named():
    x = Value(1.0)
    y = x * 2
    y._op = "mystery"
    with pytest.raises(TypeError, match="mystery"):
        grad(y, x, create_graph=True)
    assert grad(y, x)[0].data == 2.0  # the float rule stored on the node still works
