"""The derivative chainrule reports where the true derivative does not exist (as PyTorch does).

    relu'(0) = 0            abs'(0) = 0            sign'(x) = floor'(x) = 0
    sqrt'(0) = inf          (x ** 0.5)'(0) = inf   (x ** 0)'(0) = 0
    clamp(x, lo, hi)' = 1 for lo <= x <= hi (bounds included), else 0
    maximum(a, b) at a == b: half the gradient to each (minimum too)
    max()/min()/amax()/amin() with ties: the gradient shared evenly among the tied elements
    max(dim=)/min(dim=) with ties: all of it to the one index returned

Each row: the op, where, and the gradient expected; checked for Tensors, for Values
where the scalar engine has the op, and against PyTorch when it is installed.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule import Value
from chainrule._tensor import FUNCTIONS, Tensor

INF = math.inf

# (id, call(lib, x), input values, expected gradient of call(x).sum(), ops it needs)
TENSOR_CONVENTIONS = [
    ("relu_at_0", lambda lib, x: lib.relu(x), [0.0, -1.0, 2.0], [0.0, 0.0, 1.0], ("relu",)),
    ("abs_at_0", lambda lib, x: lib.abs(x), [0.0, -1.0, 2.0], [0.0, -1.0, 1.0], ("abs",)),
    ("sign_at_0", lambda lib, x: lib.sign(x), [0.0, -1.0], [0.0, 0.0], ("sign",)),
    ("floor_at_integer", lambda lib, x: lib.floor(x), [1.0, 2.5], [0.0, 0.0], ("floor",)),
    ("sqrt_at_0", lambda lib, x: lib.sqrt(x), [0.0, 4.0], [INF, 0.25], ("sqrt",)),
    ("pow_half_at_0", lambda lib, x: x ** 0.5, [0.0], [INF], ("pow",)),
    ("pow_zero_at_0", lambda lib, x: x ** 0, [0.0, 3.0], [0.0, 0.0], ("pow",)),
    ("pow_two_at_0", lambda lib, x: x ** 2, [0.0], [0.0], ("pow",)),
    ("clamp_bounds_inclusive", lambda lib, x: lib.clamp(x, -1.0, 1.0), [-1.0, 1.0, 0.0, -2.0, 2.0],
     [1.0, 1.0, 1.0, 0.0, 0.0], ("clamp",)),
    ("clamp_min_at_bound", lambda lib, x: x.clamp_min(0.5), [0.5, 0.2], [1.0, 0.0], ("clamp",)),
    ("maximum_tie", lambda lib, x: lib.maximum(x, x.detach() * 1.0), [2.0, 3.0], [0.5, 0.5], ("maximum",)),
    ("minimum_tie", lambda lib, x: lib.minimum(x, x.detach() * 1.0), [2.0], [0.5], ("minimum",)),
    ("max_ties_share", lambda lib, x: x.max(), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5], ("max",)),
    ("min_ties_share", lambda lib, x: x.min(), [1.0, 1.0, 3.0], [0.5, 0.5, 0.0], ("min",)),
    ("amax_ties_share", lambda lib, x: x.amax(dim=0), [1.0, 3.0, 3.0], [0.0, 0.5, 0.5], ("amax",)),
    ("max_dim_ties_to_returned_index", lambda lib, x: x.reshape(1, 3).max(dim=1).values, [1.0, 3.0, 3.0],
     None, ("max",)),
    ("norm_at_0", lambda lib, x: x.norm(), [0.0, 0.0], [0.0, 0.0], ("norm",)),
]


def _available(names) -> bool:
    return all(n in FUNCTIONS or hasattr(Tensor, n) for n in names)


def _tensor_cases():
    return [pytest.param(call, values, expected, id=name,
                         marks=[] if _available(needs) else [pytest.mark.skip(reason=f"chainrule has no {needs} yet")])
            for name, call, values, expected, needs in TENSOR_CONVENTIONS]


def _grad(call, values):
    x = cr.tensor(values, dtype=cr.float64, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        call(cr, x).sum().backward()
    return x.grad.numpy()


@pytest.mark.parametrize("call, values, expected", _tensor_cases())
def test_tensor_convention(call, values, expected):
    grad = _grad(call, values)
    if expected is None:  # max(dim=) ties: all to one of the tied elements, as torch picks
        assert sorted(grad.tolist()) == [0.0, 0.0, 1.0] and grad[0] == 0.0
    else:
        np.testing.assert_array_equal(grad, expected)


@pytest.mark.parametrize("call, values, expected", _tensor_cases())
def test_tensor_convention_matches_torch(call, values, expected):
    torch = pytest.importorskip("torch")
    x = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    call(torch, x).sum().backward()
    np.testing.assert_array_equal(_grad(call, values), x.grad.numpy())


# (id, f on a Value, point, expected derivative)
VALUE_CONVENTIONS = [
    ("relu_at_0", lambda v: v.relu(), 0.0, 0.0),
    ("relu_below_0", lambda v: v.relu(), -1.0, 0.0),
    ("abs_at_0", lambda v: abs(v), 0.0, 0.0),
    ("sqrt_at_0", lambda v: v.sqrt(), 0.0, INF),
    ("pow_half_at_0", lambda v: v ** 0.5, 0.0, INF),
    ("pow_zero_at_0", lambda v: v ** 0, 0.0, 0.0),
    ("pow_two_at_0", lambda v: v ** 2, 0.0, 0.0),
]


@pytest.mark.parametrize("f, point, expected", [pytest.param(*c[1:], id=c[0]) for c in VALUE_CONVENTIONS])
def test_value_convention(f, point, expected):
    x = Value(point)
    f(x).backward()
    assert x.grad == expected


@pytest.mark.parametrize("f, point, expected", [pytest.param(*c[1:], id=c[0]) for c in VALUE_CONVENTIONS])
def test_value_and_tensor_engines_agree(f, point, expected):
    x = cr.tensor([point], dtype=cr.float64, requires_grad=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        f(x).sum().backward()
    assert x.grad.item() == expected


def test_gradcheck_fails_at_a_kink_by_design():
    """At relu's kink the one-sided slopes are 0 and 1: finite differences give 0.5, relu'(0) is 0."""
    from chainrule.autograd.gradcheck import gradcheck

    x = cr.tensor([0.0], dtype=cr.float64, requires_grad=True)
    assert gradcheck(cr.relu, (x,), raise_exception=False, locate_culprit=False) is False


# Piecewise-linear ops have a zero second derivative. Whether grad(grad(...)) then gives
# zeros or raises "does not require grad" depends on whether the gradient records a graph:
# chainrule must do as PyTorch does.
PIECEWISE_LINEAR = [
    pytest.param(lambda lib, x: lib.relu(x), id="relu"),
    pytest.param(lambda lib, x: lib.clamp(x, -1.0, 1.0), id="clamp"),
    pytest.param(lambda lib, x: lib.maximum(x, x * 0.5), id="maximum"),
    pytest.param(lambda lib, x: lib.abs(x), id="abs"),
    pytest.param(lambda lib, x: x * 3.0 - 1.0, id="affine"),
]


def _second_derivative_outcome(lib, call):
    x = lib.tensor([0.5, -2.0], dtype=lib.float64, requires_grad=True)
    (g,) = lib.autograd.grad(call(lib, x).sum(), x, create_graph=True)
    try:
        (h,) = lib.autograd.grad(g.sum(), x, allow_unused=True)
    except RuntimeError as error:
        return str(error)
    if h is None or getattr(h, "_is_zerotensor", lambda: False)():
        return [0.0, 0.0]
    return h.tolist()


@pytest.mark.parametrize("call", PIECEWISE_LINEAR)
def test_grad_of_grad_of_a_piecewise_linear_op_behaves_as_torch(call):
    torch = pytest.importorskip("torch")
    ours, theirs = _second_derivative_outcome(cr, call), _second_derivative_outcome(torch, call)
    assert ours == theirs


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_relu_backward_blocks_inf_and_nan_gradients_exactly(dtype):
    # relu's backward zeroes blocked gradients by masking bits (np.where is slow on random
    # masks); the result must still be exactly where(blocked, +0.0, grad), as in PyTorch.
    x = cr.tensor([-1.0, -2.0, -3.0, -4.0, 1.0, 2.0, float("nan"), 0.0], dtype=getattr(cr, dtype), requires_grad=True)
    upstream = np.array([INF, -INF, float("nan"), -5.0, INF, -7.0, 3.0, -1.0], dtype=dtype)
    x.relu().backward(cr.tensor(upstream))
    got = x.grad.numpy()
    expected = np.array([0.0, 0.0, 0.0, 0.0, INF, -7.0, 3.0, 0.0], dtype=dtype)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)
    assert not np.signbit(got[[0, 1, 2, 3, 7]]).any(), "a blocked gradient is +0.0, never -0.0"
