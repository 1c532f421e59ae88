"""The safe expression parser: formulas become Value graphs; anything else is refused."""

from __future__ import annotations

import builtins
import math

import pytest

from chainrule.expr import FUNCTIONS, MAX_DEPTH, ExpressionError, build_graph, parse_values
from chainrule.graph import topological_order
from chainrule.scalar.value import Value

SEED_VALUES = {"a": 10, "b": 3, "d": -2, "f": 3}


def test_seed_formula_builds_the_seed_graph():
    g = build_graph("L = (a*b + d)*f", SEED_VALUES)
    assert isinstance(g.root, Value) and g.root.data == 84.0 and g.root.name == "L"
    assert list(g.inputs) == ["a", "b", "d", "f"]
    assert all(g.inputs[name].data == float(value) for name, value in SEED_VALUES.items())
    g.root.backward()
    assert {name: leaf.grad for name, leaf in g.inputs.items()} == {"a": 9.0, "b": 30.0, "d": 3.0, "f": 28.0}


def test_statements_name_the_nodes_in_between():
    g = build_graph("c = a*b; e = c + d; L = e*f", SEED_VALUES)
    assert [n.name for n in topological_order(g.root)] == ["a", "b", "c", "d", "e", "f", "L"]
    assert set(g.named) == {"a", "b", "c", "d", "e", "f", "L"}
    newline_separated = build_graph("c = a*b\ne = c + d\nL = e*f", SEED_VALUES)
    assert newline_separated.root.data == 84.0


def test_a_variable_used_twice_is_one_node_with_two_edges():
    g = build_graph("y = x*x", {"x": 3})
    assert g.root._prev == (g.inputs["x"], g.inputs["x"])


def test_a_bare_expression_is_the_unnamed_root():
    g = build_graph("tanh(x1*w1 + x2*w2 + b)", {"x1": 2, "w1": -3, "x2": 0, "w2": 1, "b": 6.8813735870195432})
    assert g.root.name == "" and g.root._op == "tanh"
    assert g.root.data == pytest.approx(math.sqrt(0.5))


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_function_calls_the_value_method_of_that_name(function):
    g = build_graph(f"y = {function}(x)", {"x": 0.7})
    expected = getattr(Value(0.7), function)()
    assert g.root._op == expected._op and g.root.data == expected.data


def test_operators_constants_and_powers():
    g = build_graph("y = -a + 2*a - a/4 + a**2 + 2**a + a**b + +a", {"a": 3, "b": 2})
    assert g.root.data == pytest.approx(-3 + 6 - 0.75 + 9 + 8 + 9 + 3)
    ops = {n._op for n in topological_order(g.root)}
    assert {"neg", "*", "/", "**2", "**", "+"} <= ops


def test_constant_parts_are_folded_into_one_number():
    g = build_graph("y = a * (2**3 - 1)", {"a": 1})
    assert g.root._prev[1].data == 7.0
    assert build_graph("y = a ** (1/2)", {"a": 4}).root._op == "**0.5"


def test_assigning_a_constant_makes_a_named_leaf():
    g = build_graph("k = 2; y = k*a", {"a": 5})
    assert g.named["k"].data == 2.0 and g.named["k"]._prev == () and g.root.data == 10.0


def test_expression_never_reaches_eval_or_exec(monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("eval/exec called")

    monkeypatch.setattr(builtins, "eval", forbidden)
    monkeypatch.setattr(builtins, "exec", forbidden)
    assert build_graph("L = (a*b + d)*f", SEED_VALUES).root.data == 84.0


@pytest.mark.parametrize(
    "source, message",
    [
        ("__import__('os')", "unknown function '__import__'"),
        ("__import__('os').system('true')", "attribute access"),
        ("a.real", "attribute access 'a.real' is not allowed"),
        ("a.__class__.__bases__", "attribute access"),
        ("(lambda: a)()", "lambda"),
        ("lambda: a", "lambda"),
        ("[x for x in (a,)]", "a list comprehension"),
        ("{x for x in (a,)}", "a set comprehension"),
        ("{x: 1 for x in (a,)}", "a dict comprehension"),
        ("sum(x for x in (a,))", "unknown function 'sum'"),
        ("a if a else b", "if/else"),
        ("a < b", "a comparison"),
        ("a and b", "and/or"),
        ("a % b", "the operator 'a % b'"),
        ("a // b", "the operator"),
        ("a @ b", "the operator"),
        ("~a", "the operator '~a'"),
        ("not a", "the operator"),
        ("a[0]", "indexing"),
        ("'text' * a", "the constant"),
        ("True * a", "the constant 'True'"),
        ("None", "the constant 'None'"),
        ("1j * a", "the constant '1j'"),
        ("f'{a}'", "an f-string"),
        ("(y := a)", "the := operator"),
        ("import os", "'import os' is not allowed"),
        ("a += 1", "is not allowed: write NAME = expression"),
        ("a.b = 1", "assign to one plain name"),
        ("x = y = a", "assign to one plain name"),
        ("exp(a, b)", "exp() takes exactly one argument"),
        ("exp(x=a)", "exp() takes exactly one argument"),
        ("exp(*a)", "exp() takes exactly one argument"),
        ("exp", "'exp' is a function: call it, like exp(x)"),
        ("foo(a)", "unknown function 'foo' in 'foo(a)': the functions are exp, log"),
        ("a * z", "missing value for variable 'z': give it as z=NUMBER"),
        ("a +", "syntax error in 'a +' at column"),
        ("", "the expression is empty"),
        ("   ", "the expression is empty"),
        ("2 * 3", "has no variables"),
        ("a; b", "only the last statement may be a bare expression"),
        ("c = a", "c = a only renames a"),
        ("a = b * 2", "'a' is given a value (a=1) and also assigned"),
        ("c = a*2; c = b*2", "'c' is assigned twice"),
        ("sqrt = a*2", "'sqrt' is a function and cannot be assigned to"),
        ("log(a - 2)", "cannot compute 'log(a - 2)': log: undefined"),
        ("a / (b - 2)", "cannot compute 'a / (b - 2)': division"),
        ("(-8) ** (1/3) * a", "negative base"),
        ("9**9**9", "'9**9**9' is too large: it overflows a float"),
        ("a ** 9**9**9", "'9**9**9' is too large"),
        ("a * 10**400", "'10**400' is too large"),
        ("a * exp(1000)", "'exp(1000)' is too large"),
        ("a * 1e999", "the number 1e999 is too large for a float"),
        ("a * " + "9" * 400, "is too large for a float"),
        ("a" + "+a" * (MAX_DEPTH + 5), f"nested more than {MAX_DEPTH} levels deep"),
        ("(" * 300 + "a" + ")" * 300, "too many nested parentheses"),
        ("a*" * 3000 + "a", "characters long; the limit is"),
    ],
)
def test_bad_expressions_get_a_one_line_error_naming_the_problem(source, message):
    with pytest.raises(ExpressionError) as caught:
        build_graph(source, {"a": 1, "b": 2})
    text = str(caught.value)
    assert message in text
    assert "\n" not in text and len(text) < 300


def test_unused_values_are_reported():
    with pytest.raises(ExpressionError, match="a value was given for zz, which the expression does not use"):
        build_graph("y = a*2", {"a": 1, "zz": 2})


def test_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)


def test_parse_values():
    assert parse_values(["a=10", "b = -3.5", "c=1e-3"]) == {"a": 10.0, "b": -3.5, "c": 0.001}


@pytest.mark.parametrize(
    "items, message",
    [
        (["a"], "expected NAME=NUMBER (like a=10), got 'a'"),
        (["1a=3"], "expected NAME=NUMBER"),
        (["a=ten"], "the value of 'a' must be a number, got 'ten'"),
        (["a=nan"], "must be a finite number"),
        (["a=inf"], "must be a finite number"),
        (["a=1", "a=2"], "'a' is given a value twice"),
        (["exp=2"], "'exp' is a function"),
    ],
)
def test_parse_values_rejects_bad_items(items, message):
    with pytest.raises(ExpressionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_values(items)
