"""The chain rule in words: paths, their products, and their sum = backward's gradient."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import chainrule
from chainrule.commands.tour import seed_graph
from chainrule.graph import topological_order
from chainrule.scalar.value import Value
from chainrule.viz.explain import (
    chain_derivative,
    chain_paths,
    count_paths,
    explain,
    format_number,
    node_names,
    node_table,
    path_product,
)

SEED_EXPLANATION = """\
dL/da = dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9
dL/db = dL/de · de/dc · dc/db = f · 1 · a = 3 · 1 · 10 = 30
dL/dd = dL/de · de/dd = f · 1 = 3 · 1 = 3
dL/df = e = 28"""


def test_seed_graph_explanation_for_a():
    g = seed_graph()
    assert explain(g["L"], g["a"]) == "dL/da = dL/de · de/dc · dc/da = f · 1 · b = 3 · 1 · 3 = 9"


@pytest.mark.parametrize("run_backward", [False, True])
def test_seed_graph_explanation_for_every_leaf_needs_no_backward(run_backward):
    g = seed_graph()
    if run_backward:
        g["L"].backward()
    assert explain(g["L"]) == SEED_EXPLANATION


def test_leaf_may_be_given_by_name_and_inner_nodes_can_be_explained():
    g = seed_graph()
    assert explain(g["L"], "b") == explain(g["L"], g["b"])
    assert explain(g["L"], g["c"]) == "dL/dc = dL/de · de/dc = f · 1 = 3 · 1 = 3"
    assert explain(g["L"], g["L"]).startswith("dL/dL = 1")


def test_a_leaf_outside_the_graph_is_a_clear_error():
    g = seed_graph()
    stranger = Value(1.0, name="z")
    with pytest.raises(ValueError, match=r"is not in the graph of L .*leaves are: a, b, d, f"):
        explain(g["L"], stranger)
    with pytest.raises(ValueError, match=r"no node named 'z' in the graph of L; its nodes are: a, b, c, d, e, f, L"):
        explain(g["L"], "z")


def test_two_paths_through_x_times_x_are_summed():
    x = Value(3.0, name="x")
    y = x * x
    y.name = "y"
    assert explain(y, x) == (
        "dy/dx: 2 paths lead from x to y; the gradient is the sum of their products.\n"
        "  path 1: dy/dx = x = 3\n"
        "  path 2: dy/dx = x = 3\n"
        "  dy/dx = 3 + 3 = 6"
    )
    assert [step.slot for path in chain_paths(y, x) for step in path] == [0, 1]


def test_paths_are_listed_up_to_a_limit_and_the_sum_covers_all_of_them():
    x = Value(0.5, name="x")
    y = x
    for _ in range(10):  # each level doubles the number of paths
        y = y * y
    y.name = "y"
    assert count_paths(y, x) == 2**10
    assert len(chain_paths(y, x, limit=5)) == 5
    text = explain(y, x, max_paths=3)
    assert "1024 paths lead from x to y" in text
    assert "... and 1021 more paths, not listed" in text
    y.backward()
    assert f"dy/dx = sum over all 1024 paths = {format_number(x.grad)}" in text


def test_chain_paths_steps_carry_names_slots_locals_and_formulas():
    g = seed_graph()
    (path,) = chain_paths(g["L"], g["a"])
    assert [(s.child_name, s.parent_name, s.slot, s.local, s.formula) for s in path] == [
        ("L", "e", 0, 3.0, "f"),
        ("e", "c", 0, 1.0, "1"),
        ("c", "a", 0, 3.0, "b"),
    ]
    assert [s.symbol for s in path] == ["dL/de", "de/dc", "dc/da"]
    assert path[0].child is g["L"] and path[-1].parent is g["a"]
    assert path_product(path) == 9.0


def _formula(build, x_value=0.5):
    x = Value(x_value, name="x")
    (path,) = chain_paths(build(x), x)
    return path[0].formula


@pytest.mark.parametrize(
    "build, formula",
    [
        (lambda x: x + 2.0, "1"),
        (lambda x: x - Value(2.0, name="k"), "1"),
        (lambda x: Value(2.0, name="k") - x, "-1"),
        (lambda x: -x, "-1"),
        (lambda x: x * Value(2.0, name="k"), "k"),
        (lambda x: x * 2.0, "2"),  # an unnamed operand shows its value
        (lambda x: x * -2.0, "(-2)"),
        (lambda x: x / Value(4.0, name="k"), "1/k"),
        (lambda x: Value(4.0, name="k") / x, "-k/x²"),
        (lambda x: x**3, "3·x²"),
        (lambda x: x**2, "2·x"),
        (lambda x: x**0.5, "0.5·x^-0.5"),
        (lambda x: x ** Value(3.0, name="n"), "n·x^(n - 1)"),
        (lambda x: Value(2.0, name="k") ** x, "k^x·log(k)"),
        (lambda x: x.exp(), "exp(x)"),
        (lambda x: x.log(), "1/x"),
        (lambda x: x.tanh(), "1 - tanh(x)²"),
        (lambda x: x.sigmoid(), "σ(x)·(1 - σ(x))"),
        (lambda x: x.relu(), "1 [x > 0]"),
        (lambda x: x.sqrt(), "1/(2·sqrt(x))"),
        (lambda x: x.sin(), "cos(x)"),
        (lambda x: x.cos(), "-sin(x)"),
        (lambda x: x.abs(), "sign(x)"),
    ],
)
def test_local_derivative_formula_of_every_value_op(build, formula):
    assert _formula(build) == formula


def test_relu_formula_says_zero_when_the_input_is_not_positive():
    assert _formula(lambda x: x.relu(), x_value=-1.0) == "0 [x ≤ 0]"


def test_formulas_that_are_sums_are_bracketed_in_a_product():
    x = Value(0.0, name="x")
    y = x.tanh() * 2.0
    assert explain(y, x) == "dmul1/dx = dmul1/dtanh1 · dtanh1/dx = 2 · (1 - tanh(x)²) = 2 · 1 = 2"


def test_unnamed_nodes_have_the_names_the_drawing_shows():
    from chainrule.viz.dot import to_dot

    a = Value(2.0)
    y = (a * Value(3.0)).tanh() + a
    names = node_names(topological_order(y))
    assert names == ["v1", "v2", "mul1", "tanh1", "add1"]
    drawing = to_dot(y)
    for name in names:
        assert "{ " + name + " | data" in drawing
    assert explain(y, a).splitlines()[0] == "dadd1/dv1: 2 paths lead from v1 to add1; the gradient is the sum of their products."


def test_repeated_and_clashing_user_names_stay_unique():
    x1, x2 = Value(1.0, name="x"), Value(2.0, name="x")
    taken = Value(3.0, name="mul1")
    y = x1 * x2 * taken
    assert node_names(topological_order(y)) == ["x", "x#2", "mul2", "mul1", "mul3"]


def test_format_number_is_compact():
    cases = {9.000000000000341: "9", -2.0: "-2", 0.881373587: "0.8814", 30.0: "30", 1.5e-7: "1.5e-07",
             -0.00004: "-4e-05", 123456.5: "123456.5", 2.5e13: "2.5e+13", math.inf: "inf", 0.0: "0"}  # fmt: skip
    assert {x: format_number(x) for x in cases} == cases
    assert format_number(np.float32(0.5)) == "0.5"
    assert format_number(None) == "?"


def test_node_table_lists_every_node_with_op_value_and_grad():
    g = seed_graph()
    g["L"].backward()
    assert node_table(g["L"]) == (
        "node  op  computed as  value  grad\n"
        "a                         10     9\n"
        "b                          3    30\n"
        "c     *   a * b           30     3\n"
        "d                         -2     3\n"
        "e     +   c + d           28     3\n"
        "f                          3    28\n"
        "L     *   e * f           84     1"
    )


def test_a_deep_chain_is_explained_without_recursion():
    x = Value(1.0, name="x")
    y = x
    for _ in range(5000):
        y = y * 1.0
    (path,) = chain_paths(y, x)
    assert len(path) == 5000
    assert explain(y, x).endswith("= 1")


def test_tensor_steps_are_shown_as_jacobians():
    x = chainrule.tensor(np.ones((2, 3)), requires_grad=True)
    x.name = "x"
    y = (x * 2.0).sum()
    y.name = "y"
    text = explain(y, x)
    assert text.startswith("dy/dx = dy/dmul1 · dmul1/dx = ")
    assert "Jacobian" in text
    assert chain_derivative(y, x) is None


def test_tensor_jacobians_are_written_by_their_shapes_before_and_after_backward():
    x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    x.name = "x"
    y = (x * 2.0).tanh().sum()
    y.name = "y"
    path = "dy/dx = dy/dtanh1 · dtanh1/dmul1 · dmul1/dx = ∂sum/∂tanh1 · (1 - tanh(mul1)²) · ∂mul/∂x"
    jacobians = "J(2×2→scalar) · J(2×2→2×2) · J(2×2→2×2)"
    note = "J(in→out): a tensor op's local derivative is a Jacobian"
    before = explain(y).splitlines()
    assert before[0] == f"{path} = {jacobians}" and before[1].startswith(note) and len(before) == 2
    y.backward()
    after = explain(y).splitlines()
    grad = np.array2string(x.grad.numpy(), precision=4, separator=", ").replace("\n", "").replace("  ", " ")
    assert after[0] == before[0] and after[2] == before[1]
    assert after[1] == f"  dy/dx = x.grad = {' '.join(grad.split())} (what backward() stored)"
    assert "?" not in explain(y)  # a Jacobian has no single number, freed or not


def scalar_tensor_graph():
    """z = exp(s*w + w) on 0-d tensors: two paths from w, one freed-able op of each kind."""
    s = chainrule.tensor(0.5, requires_grad=True)
    w = chainrule.tensor(2.0, requires_grad=True)
    s.name, w.name = "s", "w"
    h = s * w
    h.name = "h"
    z = (h + w).exp()
    z.name = "z"
    return s, w, h, z


def test_after_backward_freed_factors_are_marked_and_what_is_left_is_shown():
    s, w, h, z = scalar_tensor_graph()
    before = explain(z)
    assert "?" not in before and before.splitlines()[0] == "dz/ds = dz/dadd1 · dadd1/dh · dh/ds = exp(add1) · 1 · w = 20.0855 · 1 · 2 = 40.1711"
    z.backward()
    n = format_number
    assert explain(z) == (
        "dz/ds = dz/dadd1 · dadd1/dh · dh/ds = exp(add1) · 1 · w = ? · 1 · ?\n"
        f"  dz/ds = s.grad = {n(s.grad.item())} (what backward() stored)\n"
        "dz/dw: 2 paths lead from w to z; the gradient is the sum of their products.\n"
        "  path 1: dz/dadd1 · dadd1/dh · dh/dw = exp(add1) · 1 · s = ? · 1 · ?\n"
        "  path 2: dz/dadd1 · dadd1/dw = exp(add1) · 1 = ? · 1\n"
        f"  dz/dw = the sum of the 2 path products = w.grad = {n(w.grad.item())} (what backward() stored)\n"
        "?: backward() freed the values saved for dz/dadd1, dh/ds, dh/dw; call backward(retain_graph=True), "
        "or explain before backward(), to see these numbers.\n"
        f"Still known: s = 0.5 (grad {n(s.grad.item())}), w = 2 (grad {n(w.grad.item())}), h = 1, z = {n(z.item())}. "
        "Freed with the graph (no tensor refers to them): add1."
    )
    assert n(s.grad.item()) == "40.1711" and n(w.grad.item()) == "30.1283"  # = 20.0855 · 2, 20.0855 · 1.5


def test_retain_graph_keeps_every_number_after_backward():
    *_, z = scalar_tensor_graph()
    before = explain(z)
    z.backward(retain_graph=True)
    assert explain(z) == before


def test_a_computed_tensor_shows_its_gradient_only_when_retained():
    s, w, h, z = scalar_tensor_graph()
    z.backward()
    assert explain(z, "h").splitlines()[1] == (
        "  (h.grad was not kept: backward() keeps the gradient of a computed tensor only after h.retain_grad())"
    )
    s, w, h, z = scalar_tensor_graph()
    h.retain_grad()
    z.backward()
    text = explain(z, "h")
    assert text.splitlines()[1] == f"  dz/dh = h.grad = {format_number(h.grad.item())} (what backward() stored)"
    assert f"h = 1 (grad {format_number(h.grad.item())})" in text  # among the values still known


def test_values_changed_in_place_after_backward_are_flagged():
    s, w, h, z = scalar_tensor_graph()
    z.backward()
    with chainrule.no_grad():
        w -= 0.1 * w.grad  # an optimizer step: w is no longer the value the graph used
    assert f"w = {format_number(w.item())} (grad {format_number(w.grad.item())}) (modified in place since it was made)" in explain(z)


def test_a_factor_the_op_cannot_evaluate_says_so():
    s = chainrule.tensor(2.0, requires_grad=True)
    s.name = "s"
    k = chainrule.tensor(3.0)  # saved by the multiplication, then changed
    v = (s * k).exp()
    v.name = "v"
    k.add_(1.0)
    assert explain(v) == (
        "dv/ds = dv/dmul1 · dmul1/ds = exp(mul1) · ∂mul/∂s = 403.4288 · ?\n"
        "?: no number for dmul1/ds: the op could not evaluate its local derivative (was a value it saved "
        "modified in place?)"
    )


def test_zero_dim_tensor_graphs_get_numbers():
    s = chainrule.tensor(2.0, requires_grad=True)
    s.name = "s"
    z = (s * s).exp()
    z.name = "z"
    derivative, text = chain_derivative(z, s), explain(z, s)  # before backward() frees what it saved
    z.backward()
    assert derivative == pytest.approx(s.grad.item(), rel=1e-6)
    assert text.endswith(f"= {format_number(derivative)}")


# --- the sum of the path products is what backward() computes --------------------------------

_UNARY = [lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.sin(), lambda v: -v, lambda v: v**2,
          lambda v: (v * v + 1.0).log(), lambda v: (v * v + 1.0).sqrt(), lambda v: v.tanh().exp()]  # fmt: skip
_BINARY = [lambda a, b: a + b, lambda a, b: a - b, lambda a, b: a * b, lambda a, b: a / (b * b + 1.0)]


@st.composite
def random_graphs(draw):
    """A random expression over 1-3 leaves, with shared subexpressions."""
    leaves = [Value(draw(st.floats(-2, 2)), name=f"x{i}") for i in range(draw(st.integers(1, 3)))]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, 10))):
        pick = st.integers(0, len(nodes) - 1)
        if draw(st.booleans()):
            nodes.append(_UNARY[draw(st.integers(0, len(_UNARY) - 1))](nodes[draw(pick)]))
        else:
            nodes.append(_BINARY[draw(st.integers(0, len(_BINARY) - 1))](nodes[draw(pick)], nodes[draw(pick)]))
    return nodes[-1], leaves


@settings(max_examples=60, deadline=None)
@given(random_graphs())
def test_sum_of_path_products_equals_the_gradient_backward_gives(graph):
    root, leaves = graph
    in_graph = {id(n) for n in topological_order(root)}
    expected = {}
    for leaf in leaves:
        if id(leaf) in in_graph:
            expected[leaf.name] = (
                sum(path_product(p) for p in chain_paths(root, leaf, limit=None)),
                chain_derivative(root, leaf),
            )
    root.backward()  # computed after: explain must not need it
    for leaf in leaves:
        if leaf.name in expected:
            path_sum, derivative = expected[leaf.name]
            assert path_sum == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)
            assert derivative == pytest.approx(leaf.grad, rel=1e-9, abs=1e-12)


def test_a_tensor_modified_in_place_after_use_does_not_loop_the_graph():
    # u.add_(1) gives u a new history; the graph of v must still lead through u's old node to s.
    import chainrule

    s = chainrule.tensor(2.0, requires_grad=True)
    u = s * 1.0
    v = u * u
    u.add_(1)
    parents = v.grad_fn._graph_parents()
    assert all(p is not u for p in parents), "u now belongs to the in-place node, not to v's inputs"
    text = chainrule.explain(v, s)
    assert "2 paths" in text and "not in the graph" not in text
