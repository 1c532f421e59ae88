"""Turn a formula typed by a person into a `Value` graph, safely.

``build_graph("L = (a*b + d)*f", {"a": 10, "b": 3, "d": -2, "f": 3})`` gives the seed's
graph, with ``L`` as its root. Several statements separated by ``;`` name the nodes in
between: ``"c = a*b; e = c + d; L = e*f"``.

The text is read with Python's own parser (`ast`) and then walked node by node
against a whitelist: numbers, variable names, ``+ - * / **``, unary minus and the
functions in `FUNCTIONS`. Nothing is ever handed to ``eval``, ``exec`` or ``compile``,
so ``__import__('os')``, ``a.b``, ``lambda`` and friends are refused with an
`ExpressionError` that names them. Constants are computed in floating point (as
`Value` ops), so ``9**9**9`` overflows at once instead of running for hours.
"""

from __future__ import annotations

import ast
import math
import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping, Sequence

__all__ = ["ExpressionError", "ExpressionGraph", "FUNCTIONS", "build_graph", "parse_values"]

# The functions an expression may call, each a method of `Value` with the same name.
FUNCTIONS = ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "sin", "cos", "abs")

_BINARY_OPS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.Pow: ("**", operator.pow),
}

MAX_LENGTH = 5000  # characters of source text
MAX_DEPTH = 200  # nesting of the syntax tree: (((a))) and a+a+a+... both count

_ALLOWED = "numbers, variable names, + - * / ** and the functions " + ", ".join(FUNCTIONS)


class ExpressionError(ValueError):
    """An expression that cannot be turned into a graph; the message says what and where."""


@dataclass
class ExpressionGraph:
    """The graph an expression describes.

    ``root`` is the last statement's value; ``inputs`` are the variables given values, in
    the order the expression first uses them; ``named`` holds every named node, inputs
    and assignment targets alike.
    """

    source: str
    root: Any
    inputs: dict[str, Any] = field(default_factory=dict)
    named: dict[str, Any] = field(default_factory=dict)


def build_graph(source: str, values: Mapping[str, float]) -> ExpressionGraph:
    """Build the `Value` graph of ``source``, with each variable set from ``values``.

    >>> g = build_graph("c = a*b; e = c + d; L = e*f", {"a": 10, "b": 3, "d": -2, "f": 3})
    >>> g.root, g.root.name, list(g.inputs)
    (Value(data=84.0), 'L', ['a', 'b', 'd', 'f'])
    >>> build_graph("a.real", {"a": 1})
    Traceback (most recent call last):
    chainrule.expr.ExpressionError: attribute access 'a.real' is not allowed: use numbers, variable names, + - * / ** and the functions exp, log, tanh, sigmoid, relu, sqrt, sin, cos, abs
    """
    from chainrule.scalar.value import Value

    return _Builder(source, values, Value).build()


def parse_values(items: Sequence[str]) -> dict[str, float]:
    """``["a=10", "b=-3.5"]`` -> ``{"a": 10.0, "b": -3.5}``, or an `ExpressionError` naming the bad item."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name.isidentifier():
            raise ExpressionError(f"expected NAME=NUMBER (like a=10), got {item!r}")
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function, so it cannot be given a value")
        if name in values:
            raise ExpressionError(f"{name!r} is given a value twice")
        try:
            value = float(number)
        except ValueError:
            raise ExpressionError(f"the value of {name!r} must be a number, got {number!r}") from None
        if not math.isfinite(value):
            raise ExpressionError(f"the value of {name!r} must be a finite number, got {number!r}")
        values[name] = value
    return values


class _Builder:
    """Walks the checked syntax tree once, making one `Value` per variable and per op."""

    def __init__(self, source: str, values: Mapping[str, float], value_type: type) -> None:
        self.source = source
        self.values = dict(values)
        self.Value = value_type
        self.inputs: dict[str, Any] = {}
        self.named: dict[str, Any] = {}

    def build(self) -> ExpressionGraph:
        statements = self._parse()
        result: Any = None
        for statement in statements:
            if isinstance(statement, ast.Assign):
                result = self._assign(statement)
            else:
                result = self._evaluate(statement.value)
        if not isinstance(result, self.Value):
            raise ExpressionError(
                f"{_short(self.source.strip())!r} has no variables, so there is nothing to differentiate; "
                "use a name like a and give it a value (a=2)"
            )
        unused = [name for name in self.values if name not in self.inputs]
        if unused:
            raise ExpressionError(
                f"a value was given for {', '.join(unused)}, which the expression does not use"
            )
        return ExpressionGraph(self.source, result, self.inputs, self.named)

    # --- checking the text ---------------------------------------------------------------

    def _parse(self) -> list[ast.stmt]:
        if not self.source.strip():
            raise ExpressionError("the expression is empty; write one like 'L = (a*b + d)*f'")
        if len(self.source) > MAX_LENGTH:
            raise ExpressionError(f"the expression is {len(self.source)} characters long; the limit is {MAX_LENGTH}")
        try:
            module = ast.parse(self.source, mode="exec")
        except SyntaxError as error:
            where = f" at column {error.offset}" if error.offset else ""
            raise ExpressionError(f"syntax error in {_short(self.source.strip())!r}{where}: {error.msg}") from None
        except (RecursionError, MemoryError):
            raise ExpressionError(f"the expression is nested too deeply; the limit is {MAX_DEPTH} levels") from None
        except UnicodeError:  # a lone surrogate such as '\ud800' cannot even be encoded for the parser
            raise ExpressionError("the expression holds characters that are not valid text (a lone surrogate)") from None
        self._check_depth(module)
        for i, statement in enumerate(module.body):
            is_last = i == len(module.body) - 1
            if isinstance(statement, ast.Expr) and not is_last:
                raise ExpressionError(
                    f"{self._text(statement)!r} is computed but never used; "
                    "only the last statement may be a bare expression (name the others: c = a*b)"
                )
            if not isinstance(statement, (ast.Expr, ast.Assign)):
                raise ExpressionError(f"{self._text(statement)!r} is not allowed: write NAME = expression or an expression")
        return module.body

    def _check_depth(self, module: ast.Module) -> None:
        # Walked with an explicit stack: a recursive walk would itself be the thing that overflows.
        stack = [(module, 0)]
        while stack:
            node, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise ExpressionError(f"the expression is nested more than {MAX_DEPTH} levels deep; split it with c = ...; statements")
            stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))

    def _text(self, node: ast.AST) -> str:
        """The source of ``node``, cut to fit in a one-line message."""
        return _short(ast.get_source_segment(self.source, node) or ast.dump(node))

    def _refuse(self, what: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(f"{what} {self._text(node)!r} is not allowed: use {_ALLOWED}")

    # --- statements ----------------------------------------------------------------------

    def _assign(self, statement: ast.Assign) -> Any:
        if len(statement.targets) != 1 or not isinstance(statement.targets[0], ast.Name):
            raise ExpressionError(f"{self._text(statement)!r}: assign to one plain name, like c = a*b")
        name = statement.targets[0].id
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function and cannot be assigned to")
        if name in self.values:
            raise ExpressionError(f"{name!r} is given a value ({name}={self.values[name]:g}) and also assigned in the expression")
        if name in self.named:
            raise ExpressionError(f"{name!r} is assigned twice; give each step its own name")
        result = self._evaluate(statement.value)
        if isinstance(result, self.Value):
            if result.name:
                raise ExpressionError(
                    f"{name} = {result.name} only renames {result.name}; assign an expression, like {name} = 2*{result.name}"
                )
        else:  # a constant gets its own leaf, so that it can be named
            result = self.Value(float(result))
        result.name = name
        self.named[name] = result
        return result

    # --- expressions: every case the whitelist allows, and nothing else --------------------

    def _evaluate(self, node: ast.expr) -> Any:
        """A `Value` for anything that involves a variable, a Python float for a constant."""
        if isinstance(node, ast.Constant):
            return self._constant(node)
        if isinstance(node, ast.Name):
            return self._variable(node)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY_OPS:
            symbol, apply = _BINARY_OPS[type(node.op)]
            return self._apply(symbol, apply, node, self._evaluate(node.left), self._evaluate(node.right))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            operand = self._evaluate(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.Call):
            return self._call(node)
        raise self._refuse(_describe(node), node)

    def _constant(self, node: ast.Constant) -> float | int:
        value = node.value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self._refuse("the constant", node)
        try:
            fits = math.isfinite(float(value))  # 1e999 reads as inf; a 400-digit int overflows
        except OverflowError:
            fits = False
        if not fits:
            raise ExpressionError(f"the number {self._text(node)} is too large for a float")
        # Ints stay ints so that x**2 keeps the op "**2"; the arithmetic itself is float.
        return value

    def _variable(self, node: ast.Name) -> Any:
        name = node.id
        if name in self.named:
            return self.named[name]
        if name in FUNCTIONS:
            raise ExpressionError(f"{name!r} is a function: call it, like {name}(x)")
        if name not in self.values:
            raise ExpressionError(f"missing value for variable {name!r}: give it as {name}=NUMBER")
        leaf = self.Value(float(self.values[name]), name=name)
        self.inputs[name] = leaf
        self.named[name] = leaf
        return leaf

    def _call(self, node: ast.Call) -> Any:
        if not isinstance(node.func, ast.Name):
            raise self._refuse(_describe(node.func), node.func)
        name = node.func.id
        if name not in FUNCTIONS:
            raise ExpressionError(f"unknown function {name!r} in {self._text(node)!r}: the functions are {', '.join(FUNCTIONS)}")
        if len(node.args) != 1 or node.keywords or isinstance(node.args[0], ast.Starred):
            raise ExpressionError(f"{name}() takes exactly one argument, as in {name}(x); got {self._text(node)!r}")
        argument = self._evaluate(node.args[0])
        return self._apply(name, lambda x: getattr(x, name)(), node, argument)

    def _apply(self, what: str, apply: Callable, node: ast.AST, *operands: Any) -> Any:
        """Run one op. Constants are wrapped as `Value`s for the arithmetic (floats, never
        Python's unbounded ints) and unwrapped after, so they fold into one number."""
        constant = not any(isinstance(x, self.Value) for x in operands)
        if constant:
            exponent_kept = what == "**"  # Value(9) ** 9: the exponent stays a plain number
            operands = tuple(
                x if exponent_kept and i == 1 else self.Value(float(x)) for i, x in enumerate(operands)
            )
        try:
            result = apply(*operands)
        except (ArithmeticError, ValueError) as error:
            raise ExpressionError(f"cannot compute {self._text(node)!r}: {error}") from None
        if not constant:
            return result
        if not math.isfinite(result.data):
            raise ExpressionError(f"{self._text(node)!r} is too large: it overflows a float")
        return result.data


def _short(text: str, limit: int = 60) -> str:
    """Source text cut to fit in a one-line message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _describe(node: ast.AST) -> str:
    """A short name for a kind of syntax, for error messages."""
    kinds = {
        ast.Attribute: "attribute access",
        ast.Lambda: "lambda",
        ast.ListComp: "a list comprehension",
        ast.SetComp: "a set comprehension",
        ast.DictComp: "a dict comprehension",
        ast.GeneratorExp: "a generator expression",
        ast.Subscript: "indexing",
        ast.Compare: "a comparison",
        ast.BoolOp: "and/or",
        ast.IfExp: "if/else",
        ast.NamedExpr: "the := operator",
        ast.JoinedStr: "an f-string",
        ast.Await: "await",
        ast.BinOp: "the operator",
        ast.UnaryOp: "the operator",
    }
    return kinds.get(type(node), type(node).__name__)
