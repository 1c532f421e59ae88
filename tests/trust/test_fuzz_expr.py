"""Fuzzing the expression parser behind ``chainrule graph`` (`chainrule.expr.build_graph`).

Whatever text it is fed, `build_graph` must return a graph or raise `ExpressionError`:
never another exception, never run code (no eval/exec/import, no compile except to an
AST), never hang. On the expressions it accepts, its values and gradients must match a
plain-float evaluation of the same syntax tree.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import math
import signal

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import assume, given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from chainrule.expr import FUNCTIONS, ExpressionError, ExpressionGraph, build_graph  # noqa: E402

HANG_LIMIT_S = 10  # a generous bound: a hang, not a slow example, is what fails

build_graph("L = exp(a) * a", {"a": 1.0})  # do chainrule's lazy imports now, outside the watch


@contextlib.contextmanager
def no_code_execution_and_no_hang(source: str):
    """Fail if eval/exec run, ``source`` is compiled to anything but an AST, or the call hangs.

    (Imports chainrule makes lazily compile and run their own modules: those are allowed.)
    """
    calls: list[str] = []
    real = {name: getattr(builtins, name) for name in ("eval", "exec", "compile", "__import__")}

    def refuse(name):
        def guard(code, *args, **kwargs):
            # Module code from a .py file is an import; anything else is running user text.
            if getattr(code, "co_filename", "").endswith(".py"):
                return real[name](code, *args, **kwargs)
            calls.append(name)
            raise AssertionError(f"build_graph called {name}({code!r})")
        return guard

    def compile_to_ast_only(code, filename, mode, flags=0, *args, **kwargs):
        if code is source and not flags & ast.PyCF_ONLY_AST:
            calls.append("compile")
            raise AssertionError("build_graph compiled the expression to code (not just an AST)")
        return real["compile"](code, filename, mode, flags, *args, **kwargs)

    def alarm(signum, frame):
        raise TimeoutError(f"build_graph ran for more than {HANG_LIMIT_S} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(HANG_LIMIT_S)
    builtins.eval, builtins.exec = refuse("eval"), refuse("exec")
    builtins.compile = compile_to_ast_only
    import_before = builtins.__import__

    def guarded_import(name, *args, **kwargs):
        if name in ("os", "subprocess", "sys", "shutil", "socket", "ctypes", "pty"):
            calls.append(f"import {name}")
            raise AssertionError(f"build_graph imported {name}")
        return import_before(name, *args, **kwargs)

    builtins.__import__ = guarded_import
    try:
        yield calls
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
        for name, function in real.items():
            setattr(builtins, name, function)
    assert not calls, calls


def build_safely(source: str, values: dict) -> ExpressionGraph | ExpressionError:
    """The contract: a graph or an ExpressionError with a message, nothing else."""
    with no_code_execution_and_no_hang(source):
        try:
            return build_graph(source, values)
        except ExpressionError as error:
            assert str(error), "an ExpressionError must say what is wrong"
            return error


# -- arbitrary text ------------------------------------------------------------------------------

VALUES = {"a": 1.5, "b": -0.5, "c": 2.0}
TOKENS = ["a", "b", "c", "x", "1", "0", "2.5", "1e308", "1e-308", "9", "+", "-", "*", "/", "**", "//", "%", "(", ")",
          "=", ";", "\n", " ", ",", ".", "[", "]", "{", "}", ":", "'", '"', "#", "\\", "@", "~", "<", ">", "!",
          "lambda", "__import__", "__class__", "os", "eval", "exec", "open", "import", "yield", "await", "not", "if",
          "else", "for", "in", "is", "None", "True", "\x00", "é", "∑", "0x1f", "1_000", "1j", *FUNCTIONS]


@given(st.lists(st.sampled_from(TOKENS), max_size=40).map("".join))
def test_token_soup_gives_a_graph_or_a_clear_error(source):
    build_safely(source, VALUES)


@given(st.text(max_size=200))
def test_arbitrary_unicode_gives_a_graph_or_a_clear_error(source):
    build_safely(source, {})


# -- syntax trees with forbidden parts ------------------------------------------------------------

FORBIDDEN_ATOMS = ["__import__('os').system('true')", "open('/etc/passwd').read()", "a.real", "a.__class__",
                   "(lambda: a)()", "[a][0]", "{a}", "{'k': a}", "'text'", "b'bytes'", "None", "True", "...",
                   "f'{a}'", "(x := a)", "[i for i in (a,)]", "(i for i in (a,))", "globals()", "eval('a')",
                   "getattr(a, 'data')", "a if a else b", "a < b", "a and b", "not a", "~a", "a @ b", "a // b",
                   "a % b", "exp(a, b)", "exp()", "exp(x=a)", "exp(*[a])", "tanh.__call__(a)", "1j", "a[0]"]
ALLOWED_ATOMS = ["a", "b", "c", "0", "1", "2", "0.5", "3.25", "1e300", "1e-300"]


def expression_trees(atoms):
    return st.recursive(
        st.sampled_from(atoms),
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/", "**"]), inner).map(lambda t: f"({t[0]} {t[1]} {t[2]})"),
            st.tuples(st.sampled_from(["-", "+"]), inner).map(lambda t: f"({t[0]}{t[1]})"),
            st.tuples(st.sampled_from(FUNCTIONS), inner).map(lambda t: f"{t[0]}({t[1]})"),
        ),
        max_leaves=12,
    )


@st.composite
def programs(draw, atoms):
    statements = []
    for i in range(draw(st.integers(0, 3))):
        statements.append(f"s{i} = {draw(expression_trees(atoms))}")
    statements.append(draw(expression_trees(atoms)))
    return draw(st.sampled_from(["; ", "\n"])).join(statements)


@given(programs(ALLOWED_ATOMS + FORBIDDEN_ATOMS))
def test_mixed_programs_give_a_graph_or_a_clear_error(source):
    build_safely(source, VALUES)


@given(expression_trees(ALLOWED_ATOMS), st.sampled_from(FORBIDDEN_ATOMS), st.sampled_from(["+", "*", "-"]))
def test_any_forbidden_part_is_refused(allowed, forbidden, op):
    result = build_safely(f"{allowed} {op} {forbidden}", VALUES)
    assert isinstance(result, ExpressionError), f"accepted {forbidden!r}"


# -- accepted expressions compute the right values and gradients -----------------------------------


class Undefined(Exception):
    """The reference evaluation hit a point where the op is undefined or not finite."""


def reference(node: ast.AST, env: dict) -> float:
    """Plain-float evaluation with the scalar engine's rules (errors where it raises)."""
    if isinstance(node, ast.Expression):
        return reference(node.body, env)
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        value = reference(node.operand, env)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        a, b = reference(node.left, env), reference(node.right, env)
        return _finite(_binary(type(node.op), a, b))
    if isinstance(node, ast.Call):
        return _finite(_function(node.func.id, reference(node.args[0], env)))
    raise AssertionError(f"unexpected node {ast.dump(node)}")


def _finite(x: float) -> float:
    if not math.isfinite(x):
        raise Undefined
    return x


def _binary(op, a: float, b: float) -> float:
    if op is ast.Add:
        return a + b
    if op is ast.Sub:
        return a - b
    if op is ast.Mult:
        return a * b
    if op is ast.Div:
        if b == 0:
            raise Undefined
        return a / b
    if (a < 0 and b != math.floor(b)) or (a == 0 and b < 0):
        raise Undefined
    try:
        return a ** b
    except OverflowError:
        raise Undefined from None


def _function(name: str, x: float) -> float:
    if name == "log" and x <= 0 or name == "sqrt" and x < 0:
        raise Undefined
    if name == "exp":
        return math.exp(x) if x < 700 else math.inf
    if name == "sigmoid":
        return 1 / (1 + math.exp(-x)) if x > -700 else 0.0
    return {"tanh": math.tanh, "relu": lambda v: max(v, 0.0), "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos,
            "abs": abs, "log": math.log}[name](x)


# Subnormal inputs are left out: there 1/a overflows and even d(a/a)/da is inf - inf = nan,
# in PyTorch as here.
@given(expression_trees(["a", "b", "2", "0.5", "3"]), st.floats(-3, 3, allow_subnormal=False),
       st.floats(-3, 3, allow_subnormal=False))
def test_accepted_expressions_compute_the_reference_value_and_gradient(source, a, b):
    tree = ast.parse(source, mode="eval")
    used = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id not in FUNCTIONS}
    env = {"a": a, "b": b}
    values = {name: env[name] for name in used}
    try:
        expected = reference(tree, env)
    except Undefined:  # undefined or overflowing somewhere: an error, or inf/nan carried through
        build_safely(source, values)
        return
    graph = build_safely(source, values)
    if not used:
        assert isinstance(graph, ExpressionError)  # nothing to differentiate
        return
    assert isinstance(graph, ExpressionGraph), f"{source!r} refused: {graph}"
    assert graph.root.data == pytest.approx(expected, rel=1e-12, abs=1e-12)
    graph.root.backward()
    # Finite differences drown in rounding where an intermediate is huge (a + 1e144).
    assume(max(abs(reference(n, env)) for n in ast.walk(tree.body) if isinstance(n, ast.expr)
               and not isinstance(n, ast.Name) or n is tree.body) < 1e8)
    for name, leaf in graph.inputs.items():
        h = 1e-6 * max(1.0, abs(env[name]))
        try:
            numeric, finer = (_central_difference(tree, env, name, step) for step in (h, h / 4))
        except Undefined:
            continue
        assume(abs(numeric) < 1e6)  # near a pole finite differences say little
        # Only a converged difference is a reference (near a pole even a small step is coarse).
        assume(finer == pytest.approx(numeric, rel=1e-4, abs=1e-6))
        # kinks (abs, relu at 0) make finite differences meaningless
        assert leaf.grad == pytest.approx(numeric, rel=1e-3, abs=1e-4) or _near_kink(tree, env, name, h)


def _central_difference(tree, env, name, h) -> float:
    up = reference(tree, {**env, name: env[name] + h})
    down = reference(tree, {**env, name: env[name] - h})
    return (up - down) / (2 * h)


def _near_kink(tree, env, name, h) -> bool:
    """True when, within the finite-difference step, some op meets a point where it has no
    derivative: abs/relu changing sign, sqrt or a power's base at 0, a variable exponent on a
    base <= 0 (there chainrule reports PyTorch's conventions, e.g. sqrt'(0) = inf and
    d(x**y)/dy = nan for x < 0, which finite differences cannot see)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and any(
                isinstance(n, ast.Name) for n in ast.walk(node.right)):
            try:
                if reference(node.left, env) <= 0:
                    return True
            except Undefined:
                return True
        if isinstance(node, ast.Call) and node.func.id in ("abs", "relu", "sqrt"):
            argument = node.args[0]
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            argument = node.left
        else:
            continue
        try:
            lo = reference(argument, {**env, name: env[name] - h})
            mid = reference(argument, env)
            hi = reference(argument, {**env, name: env[name] + h})
        except Undefined:
            return True
        if lo * hi <= 0 or mid == 0:
            return True
    return False


# -- specific hostile inputs -----------------------------------------------------------------------

HOSTILE = [
    "9**9**9**9",
    "a" + "**a" * 60,
    "(" * 100 + "a" + ")" * 100,
    "(" * 1000 + "a" + ")" * 1000,
    "-" * 4990 + "a",
    "a" + "+a" * 2400,
    "exp(" * 300 + "a" + ")" * 300,
    "a" * 6000,
    "a = 1; a",
    "__builtins__",
    "a\x00",
    "a +\ud800",
    "import os",
    "del a",
    "a; b",
    "",
    "   \n\t",
    "a = b = c",
    "a, b = 1, 2",
    "exp = a",
    "tanh(a) = 1",
    "1e999 * a",
    "10**400 + a",
    "a ** 1e300",
    "0 ** -1 + a",
    "(-8) ** (1/3) + a",
    "log(0 * a)",
    "sqrt(-1 + 0 * a)",
    "a / (a - a)",
]


@pytest.mark.parametrize("source", HOSTILE, ids=[f"hostile{i}" for i in range(len(HOSTILE))])
def test_hostile_input_gives_a_graph_or_a_clear_error(source):
    build_safely(source, {"a": 1.5})
