"""Every op's forward value and derivative: against finite differences and PyTorch."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.scalar.scalar_op_cases import CASE_POINT_IDS, CASE_POINTS, OP_CASES, operand_ranges

from chainrule.scalar import Value


def value_and_grads(case, point):
    leaves = [Value(x) for x in point]
    out = case.value_fn(*leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def evaluate(case, point):
    return case.value_fn(*[Value(x) for x in point]).data


@pytest.mark.parametrize(("case", "point"), CASE_POINTS, ids=CASE_POINT_IDS)
def test_derivative_matches_central_difference(case, point):
    _, grads = value_and_grads(case, point)
    h = 1e-6
    for i, analytic in enumerate(grads):
        up = list(point)
        down = list(point)
        up[i] += h
        down[i] -= h
        numeric = (evaluate(case, up) - evaluate(case, down)) / (2 * h)
        assert analytic == pytest.approx(numeric, rel=1e-6, abs=1e-8), f"d/d(operand {i})"


@st.composite
def case_and_random_point(draw):
    case = draw(st.sampled_from(OP_CASES))
    # keep away from 0, where relu and abs have kinks and 1/x blows up
    point = tuple(
        draw(st.floats(low, high).filter(lambda x: abs(x) > 0.05)) for low, high in operand_ranges(case)
    )
    return case, point


@settings(max_examples=300, deadline=None)
@given(case_and_random_point())
def test_derivative_matches_central_difference_at_random_points(case_point):
    test_derivative_matches_central_difference(*case_point)


@pytest.mark.parametrize(("case", "point"), CASE_POINTS, ids=CASE_POINT_IDS)
def test_value_and_derivative_match_pytorch(case, point):
    torch = pytest.importorskip("torch")
    data, grads = value_and_grads(case, point)
    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in point]
    expected = case.torch_fn(*tensors)
    expected.backward()
    assert data == pytest.approx(expected.item(), rel=1e-14, abs=1e-15)
    for grad, t in zip(grads, tensors):
        assert grad == pytest.approx(t.grad.item(), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize(("case", "point"), CASE_POINTS, ids=CASE_POINT_IDS)
def test_results_are_python_floats(case, point):
    leaves = [Value(x) for x in point]
    out = case.value_fn(*leaves)
    out.backward()
    assert type(out.data) is float
    assert all(type(leaf.grad) is float for leaf in leaves)


# ---------------------------------------------------------------- non-differentiable points


@pytest.mark.parametrize(
    ("name", "fn", "torch_fn", "x"),
    [
        ("relu at 0", lambda v: v.relu(), lambda t: t.relu(), 0.0),
        ("abs at 0", lambda v: v.abs(), lambda t: t.abs(), 0.0),
        ("sqrt at 0", lambda v: v.sqrt(), lambda t: t.sqrt(), 0.0),
        ("x**0.5 at 0", lambda v: v**0.5, lambda t: t**0.5, 0.0),
        ("x**0 at 0", lambda v: v**0, lambda t: t**0, 0.0),
        ("x**2 at 0", lambda v: v**2, lambda t: t**2, 0.0),
        ("x**3 at -2", lambda v: v**3, lambda t: t**3, -2.0),
    ],
)
def test_conventions_at_special_points_follow_pytorch(name, fn, torch_fn, x):
    torch = pytest.importorskip("torch")
    v = Value(x)
    fn(v).backward()
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    torch_fn(t).backward()
    assert v.grad == t.grad.item() or (math.isnan(v.grad) and math.isnan(t.grad.item()))


def test_documented_conventions_without_torch():
    for fn, expected in [(Value.relu, 0.0), (Value.abs, 0.0), (Value.sqrt, math.inf)]:
        v = Value(0.0)
        fn(v).backward()
        assert v.grad == expected


@pytest.mark.parametrize(("a", "b"), [(0.0, 0.5), (0.0, 0.0), (-2.0, 3.0), (0.0, 2.0), (2.0, 0.0), (-2.0, 0.0)])
def test_power_of_two_values_at_edges_follows_pytorch(a, b):
    torch = pytest.importorskip("torch")
    va, vb = Value(a), Value(b)
    (va**vb).backward()
    ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
    (ta**tb).backward()
    for mine, theirs in [(va.grad, ta.grad.item()), (vb.grad, tb.grad.item())]:
        assert mine == theirs or (math.isnan(mine) and math.isnan(theirs))


# ---------------------------------------------------------------- stability and domain errors


def test_tanh_and_sigmoid_are_stable_for_large_inputs():
    for x in (400.0, -400.0, 1e6, -1e6):
        t = Value(x).tanh()
        s = Value(x).sigmoid()
        assert t.data == math.copysign(1.0, x)
        assert s.data == pytest.approx(1.0 if x > 0 else 0.0, abs=1e-170)
        t.backward()
        s.backward()


def test_exp_and_power_overflow_to_infinity_as_in_pytorch():
    assert Value(1000.0).exp().data == math.inf
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Value(-2.0).log(), ["log", "-2.0"]),
        (lambda: Value(0.0).log(), ["log", "0.0"]),
        (lambda: Value(-4.0).sqrt(), ["sqrt", "-4.0"]),
        (lambda: Value(-8.0) ** (1 / 3), ["pow", "-8.0", "0.333"]),
        (lambda: Value(-8.0) ** Value(0.5), ["pow", "-8.0", "0.5"]),
        (lambda: (-8.0) ** Value(0.5), ["pow", "-8.0", "0.5"]),
    ],
)
def test_domain_errors_name_the_op_and_the_value(make, words):
    with pytest.raises(ValueError) as info:
        make()
    for word in words:
        assert word in str(info.value)


def test_nan_and_infinity_pass_through_as_in_pytorch():
    assert math.isnan(Value(math.nan).log().data)
    assert math.isnan(Value(math.nan).sqrt().data)
    assert math.isnan(Value(math.inf).sin().data) and math.isnan(Value(-math.inf).cos().data)
    assert Value(math.inf).log().data == math.inf


def test_division_by_zero_names_the_values():
    with pytest.raises(ZeroDivisionError, match=r"1\.0 / 0\.0"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="pow"):
        Value(0.0) ** -1


def test_negative_base_with_integer_exponent_is_real():
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0


# ---------------------------------------------------------------- operands


def test_numpy_scalars_on_either_side_give_values():
    np = pytest.importorskip("numpy")
    x = Value(3.0)
    for out in (np.float64(2.0) * x, x * np.float32(2.0), np.int64(2) * x, np.float64(2.0) ** x):
        assert isinstance(out, Value)
        assert type(out.data) is float


def test_unsupported_operands_raise_type_error():
    with pytest.raises(TypeError):
        Value(1.0) + "a"
    with pytest.raises(TypeError):
        [1.0] * Value(2.0)
    for bad in ("abc", "3.5", [1.0], 1j):
        with pytest.raises(TypeError, match="real number"):
            Value(bad)


def test_constants_become_leaf_parents_in_operand_order():
    x = Value(3.0)
    right = x * 2
    left = 2 * x
    assert right._prev[0] is x and right._prev[1].data == 2.0
    assert left._prev[1] is x and left._prev[0].data == 2.0
    assert (x**2)._op == "**2" and (x**2)._prev == (x,)
    assert (2**x)._op == "**" and (2**x)._prev[1] is x
