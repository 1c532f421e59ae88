"""`numerical_grad`: the seed's finite-difference check as a function."""

from __future__ import annotations

import math

import pytest

from chainrule.scalar import GradientReport, Value, numerical_grad


def seed_loss(a, b, d, f):
    return (a * b + d) * f


SEED_POINT = {"a": 10.0, "b": 3.0, "d": -2.0, "f": 3.0}


def test_forward_difference_reproduces_the_seeds_numbers():
    report = numerical_grad(seed_loss, SEED_POINT, h=0.001, method="forward")
    assert report["a"].numeric == 9.000000000000341
    assert report["f"].numeric == 27.999999999991587
    assert [c.analytic for c in report] == [9.0, 30.0, 3.0, 28.0]


def test_central_difference_is_more_accurate():
    forward = numerical_grad(lambda x: x.exp(), [1.0], h=1e-4, method="forward")
    central = numerical_grad(lambda x: x.exp(), [1.0], h=1e-4)
    assert central[0].analytic == math.e
    assert central[0].rel_error < forward[0].rel_error / 100
    assert central.ok() and central.max_rel_error < 1e-8


def test_report_fields_and_table():
    report = numerical_grad(seed_loss, SEED_POINT)
    assert isinstance(report, GradientReport) and len(report) == 4
    check = report[1]
    assert (check.name, check.value, check.analytic) == ("b", 3.0, 30.0)
    assert check.abs_error == abs(check.analytic - check.numeric)
    table = repr(report).splitlines()
    assert table[0].split() == ["input", "value", "analytic", "numeric", "rel.", "error"]
    assert table[1].split()[:3] == ["a", "10", "9"]
    assert "relative error" in str(check)


def test_positional_values_keep_their_names_and_their_grads():
    x = Value(0.5, name="x")
    report = numerical_grad(lambda v, w: v.tanh() * w, [x, 2.0])
    assert [c.name for c in report] == ["x", "x1"]
    assert x.grad == 0.0  # fresh leaves were used
    assert report.ok(rtol=1e-7)


def test_a_wrong_derivative_is_caught():
    # the analytic side only sees the graph: computing on .data hides the dependence
    report = numerical_grad(lambda x: Value(x.data**2) + x, [3.0])
    assert report[0].analytic == 1.0 and report[0].numeric == pytest.approx(7.0)
    assert not report.ok()
    assert report.max_rel_error > 0.8


def test_constant_function_has_zero_derivatives():
    report = numerical_grad(lambda x: 4.0, [1.0])
    assert report[0].analytic == 0.0 and report[0].numeric == 0.0 and report[0].rel_error == 0.0


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="method"):
        numerical_grad(seed_loss, SEED_POINT, method="backward")
    with pytest.raises(ValueError, match="positive"):
        numerical_grad(seed_loss, SEED_POINT, h=0.0)
    with pytest.raises(TypeError, match=r"inputs\[0\]"):
        numerical_grad(lambda x: x, ["abc"])
    with pytest.raises(KeyError, match="no input named 'z'"):
        numerical_grad(seed_loss, SEED_POINT)["z"]
