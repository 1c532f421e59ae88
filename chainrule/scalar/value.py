"""`Value`: one number, the operation that made it, and its gradient.

This is the engine the micrograd walk-through builds by hand, kept line for line in its
API (`data`, `grad`, `_prev`, `_op`, `name`, a per-node `_backward()`, `backward()`), but
built to be fast and to free its graphs promptly:

* Each op computes its output **and its local derivatives** (d out / d parent, one float
  per parent) side by side, and stores the derivatives on the output node in `_local`.
  `_backward()` applies them: ``parent.grad += local * self.grad``. micrograd instead
  creates a closure per op that holds its own output, a reference cycle that leaves every
  graph to the garbage collector; here a dropped graph is freed at once by reference
  counting.
* `_prev` is a tuple in operand order, with repeats: ``x * x`` has the parents ``(x, x)``
  and both contributions reach ``x.grad``.
* `backward()` sorts the graph iteratively, so a chain of a million nodes needs no
  recursion.

The rule for calling `backward()` more than once (PyTorch's rule for leaves, plus a
reset that micrograd lacks): every call first sets the gradient of each **non-leaf**
node it reaches to zero and the root's to 1, then accumulates. Leaves (nodes with no
parents: inputs and parameters) keep accumulating across calls, as in PyTorch, so call
``p.grad = 0.0`` (or `Module.zero_grad()`) between steps. Intermediate nodes therefore
always show the gradient of the latest `backward()` alone and are never counted twice.

Conventions at points where a derivative does not exist follow PyTorch:
``relu'(0) = 0``, ``abs'(0) = 0``, ``sqrt'(0) = inf``, ``(x**k)'`` at ``x = 0`` is
``inf`` for ``0 < k < 1``, and d(a**b)/db is ``nan`` for a negative base.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

from chainrule.graph import NodeView

__all__ = ["Value"]

_new_object = object.__new__


class Value:
    """A scalar that remembers how it was computed, so that gradients can flow back.

    Example:
        >>> a = Value(10.0, name="a"); b = Value(3.0, name="b")
        >>> L = a * b + 2 ** a; L.name = "L"
        >>> L
        Value(data=1054.0)
        >>> L.backward()
        >>> a.grad, b.grad
        (712.782712893384, 10.0)
    """

    # `__weakref__` lets drawing tools and tests hold weak references to nodes;
    # `_exponent` is set only on ``x ** k`` nodes (the constant k, for higher-order grads).
    __slots__ = ("data", "grad", "_prev", "_local", "_op", "name", "_exponent", "__weakref__")

    # NumPy must not swallow a Value into an object array: `np.float64(2) * v` then
    # falls back to `Value.__rmul__` and gives a Value, as `2.0 * v` does.
    __array_ufunc__ = None

    def __init__(
        self,
        data: float,
        _children: tuple = (),
        _op: str = "",
        name: str = "",
        label: str | None = None,
    ) -> None:
        try:
            if isinstance(data, (str, bytes)):  # float("3") would parse text; a Value holds numbers
                raise TypeError
            self.data = float(data)
        except (TypeError, ValueError):
            raise TypeError(
                f"Value(data=...) needs a real number, got {data!r} of type {type(data).__name__}"
            ) from None
        self.grad = 0.0
        self._prev = tuple(_children)
        # A node built by hand with `_children` has no known local derivatives;
        # `_backward()` refuses it with a clear message instead of guessing.
        self._local = None if self._prev else ()
        self._op = _op
        self.name = name if label is None else label  # `label=` is the lecture's spelling

    @property
    def label(self) -> str:
        """Alias of `name` (Karpathy's lecture calls it `label`)."""
        return self.name

    @label.setter
    def label(self, value: str) -> None:
        self.name = value

    def __repr__(self) -> str:
        return f"Value(data={self.data})"

    # ------------------------------------------------------------------ arithmetic
    # Each op: wrap the other operand, compute the output, and store beside it the
    # local derivatives d(out)/d(parent), one per parent, in operand order.

    def __add__(self, other: Value | float) -> Value:
        other = other if other.__class__ is Value else _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(self.data + other.data, (self, other), _ONE_ONE, "+")

    def __radd__(self, other: float) -> Value:  # other + self
        other = _operand(other)
        return NotImplemented if other is NotImplemented else other + self

    def __sub__(self, other: Value | float) -> Value:
        other = other if other.__class__ is Value else _operand(other)
        if other is NotImplemented:
            return NotImplemented
        return _node(self.data - other.data, (self, other), _ONE_MINUS_ONE, "-")

    def __rsub__(self, other: float) -> Value:  # other - self
        other = _operand(other)
        return NotImplemented if other is NotImplemented else other - self

    def __mul__(self, other: Value | float) -> Value:
        other = other if other.__class__ is Value else _operand(other)
        if other is NotImplemented:
            return NotImplemented
        a, b = self.data, other.data
        return _node(a * b, (self, other), (b, a), "*")

    def __rmul__(self, other: float) -> Value:  # other * self
        other = _operand(other)
        return NotImplemented if other is NotImplemented else other * self

    def __truediv__(self, other: Value | float) -> Value:
        """``a / b``; dividing by zero raises `ZeroDivisionError`, as Python's floats do."""
        other = other if other.__class__ is Value else _operand(other)
        if other is NotImplemented:
            return NotImplemented
        a, b = self.data, other.data
        if b == 0.0:
            raise ZeroDivisionError(f"division: {a!r} / {b!r} divides by zero")
        out = a / b
        return _node(out, (self, other), (1.0 / b, -out / b), "/")

    def __rtruediv__(self, other: float) -> Value:  # other / self
        other = _operand(other)
        return NotImplemented if other is NotImplemented else other / self

    def __neg__(self) -> Value:
        return _node(-self.data, (self,), _MINUS_ONE, "neg")

    def __pos__(self) -> Value:
        return self

    def __pow__(self, other: Value | float) -> Value:
        """``x ** k`` for a number k (one parent), or ``x ** y`` for a Value y (two parents).

        Raises `ValueError` for a negative base with a fractional exponent (no real
        result) and `ZeroDivisionError` for ``0 ** negative``.
        """
        if other.__class__ is Value or isinstance(other, Value):
            return _general_power(self, other)
        if not isinstance(other, numbers.Real):
            return NotImplemented
        a, k = self.data, other
        out = _checked_power(a, float(k))
        node = _node(out, (self,), (_power_slope(a, k),), f"**{k}")  # "**2" as in micrograd
        node._exponent = k
        return node

    def __rpow__(self, other: float) -> Value:  # other ** self, e.g. 2 ** v
        other = _operand(other)
        return NotImplemented if other is NotImplemented else _general_power(other, self)

    # ------------------------------------------------------------------ functions

    def exp(self) -> Value:
        """e**x; overflows to ``inf`` as in PyTorch instead of raising."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return _node(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """Natural logarithm; raises `ValueError` for x <= 0."""
        x = self.data
        if x <= 0.0:  # (NaN passes through as NaN, as in PyTorch)
            raise ValueError(f"log: undefined for x = {x!r}; log needs x > 0")
        return _node(math.log(x), (self,), (1.0 / x,), "log")

    def tanh(self) -> Value:
        """Hyperbolic tangent; `math.tanh` saturates to ±1 (no overflow at x = 400)."""
        t = math.tanh(self.data)
        return _node(t, (self,), (1.0 - t * t,), "tanh")

    def sigmoid(self) -> Value:
        """1 / (1 + e**-x), computed without overflow for large |x|."""
        x = self.data
        if x >= 0.0:
            s = 1.0 / (1.0 + math.exp(-x))
        else:  # e**-x would overflow for very negative x; use e**x / (1 + e**x)
            e = math.exp(x)
            s = e / (1.0 + e)
        return _node(s, (self,), (s * (1.0 - s),), "sigmoid")

    def relu(self) -> Value:
        """max(0, x); its derivative at 0 is taken as 0 (PyTorch's choice)."""
        x = self.data
        if x > 0.0:
            return _node(x, (self,), _ONE, "ReLU")
        return _node(0.0, (self,), _ZERO, "ReLU")

    def sqrt(self) -> Value:
        """Square root; raises `ValueError` for x < 0; the derivative at 0 is ``inf``."""
        x = self.data
        if x < 0.0:
            raise ValueError(f"sqrt: undefined for x = {x!r}; sqrt needs x >= 0")
        out = math.sqrt(x)
        return _node(out, (self,), (0.5 / out if out else math.inf,), "sqrt")

    def sin(self) -> Value:
        """Sine (radians); NaN at ±inf, as in PyTorch."""
        x = self.data
        return _node(_sin(x), (self,), (_cos(x),), "sin")

    def cos(self) -> Value:
        """Cosine (radians); NaN at ±inf, as in PyTorch."""
        x = self.data
        return _node(_cos(x), (self,), (-_sin(x),), "cos")

    def abs(self) -> Value:
        """|x|; its derivative at 0 is taken as 0 (PyTorch's choice)."""
        x = self.data
        return _node(abs(x), (self,), (1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0,), "abs")

    __abs__ = abs

    # ------------------------------------------------------------------ backward

    def _backward(self) -> None:
        """Apply the chain rule one step: pass this node's grad to its parents.

        ``parent.grad += d(self)/d(parent) * self.grad`` for each parent, as the
        walk-through does by hand: ``L.grad = 1.0; L._backward(); e._backward(); ...``
        """
        local = self._local
        if local is None:
            raise _no_local_derivatives(self)
        g = self.grad
        for parent, derivative in zip(self._prev, local):
            parent.grad += derivative * g

    def backward(self, gradient: float = 1.0) -> None:
        """Fill in ``.grad`` of every node this value was computed from.

        Sets this node's gradient to `gradient` (1.0: d self / d self) and the gradient of
        every other non-leaf node it reaches to 0, then applies the chain rule from the
        output back to the leaves. Leaf gradients accumulate across calls (as in PyTorch):
        reset them between steps with ``p.grad = 0.0`` or `Module.zero_grad()`.

        Example:
            >>> x = Value(3.0); y = x * x + x
            >>> y.backward(); x.grad
            7.0
            >>> y.backward(); x.grad  # leaves accumulate, as in PyTorch
            14.0
        """
        if self._prev:
            order = _reverse_topological_order(self)
            self.grad = float(gradient)
        else:  # backward() on a leaf: d leaf / d leaf = 1, accumulated like any leaf
            order = []
            self.grad += float(gradient)
        for node in order:
            g = node.grad
            for parent, derivative in zip(node._prev, node._local):
                parent.grad += derivative * g

    # ------------------------------------------------------------------ graph protocol
    # (chainrule.graph): what drawing, `explain` and the explorer read.

    def _graph_parents(self) -> tuple:
        return self._prev

    def _graph_view(self) -> NodeView:
        return NodeView(
            op=self._op, label=self.name, data=self.data, grad=self.grad, is_leaf=not self._prev
        )

    def _graph_local_derivatives(self) -> tuple:
        if self._local is None:
            return (None,) * len(self._prev)
        return self._local

    def _repr_html_(self) -> str | None:
        """Jupyter shows the graph explorer; without it, the plain repr."""
        try:
            from chainrule.viz import html
        except ImportError:
            return None
        return html.repr_html(self)


# ---------------------------------------------------------------------- helpers

# Shared local-derivative tuples for ops whose derivatives are constants.
_ONE = (1.0,)
_ZERO = (0.0,)
_MINUS_ONE = (-1.0,)
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)


def _node(data: float, parents: tuple, local: tuple, op: str) -> Value:
    """Make an op's output without `Value.__init__`'s checks: the hot path of every op."""
    out = _new_object(Value)
    out.data = data
    out.grad = 0.0
    out._prev = parents
    out._local = local
    out._op = op
    out.name = ""
    return out


def _operand(x: Any) -> Any:
    """A Value for an op's other operand: Values pass, real numbers become leaves."""
    cls = x.__class__
    if cls is float or cls is int:  # the common case, checked first: it is cheap
        return _node(float(x), (), (), "")
    if isinstance(x, Value):
        return x
    if isinstance(x, numbers.Real):  # bool, NumPy's real scalars, fractions
        return _node(float(x), (), (), "")
    return NotImplemented  # lets Python try the other operand, then raise its TypeError


def _sin(x: float) -> float:
    return math.sin(x) if math.isfinite(x) else math.nan  # math.sin(inf) raises


def _cos(x: float) -> float:
    return math.cos(x) if math.isfinite(x) else math.nan


def _is_integer(k: float) -> bool:
    return k == math.floor(k) if math.isfinite(k) else False


def _checked_power(a: float, k: float) -> float:
    """a ** k over the reals, with the op and values named in every error."""
    if a < 0.0 and not _is_integer(k):
        raise ValueError(
            f"pow: negative base {a!r} with fractional exponent {k!r} has no real value; "
            "use an integer exponent or a positive base"
        )
    if a == 0.0 and k < 0.0:
        raise ZeroDivisionError(f"pow: 0.0 ** {k!r} divides by zero")
    try:
        return a**k
    except OverflowError:  # PyTorch gives inf, with the sign of the result
        odd_integer = _is_integer(k) and int(k) % 2 == 1
        return -math.inf if a < 0.0 and odd_integer else math.inf


def _power_slope(a: float, k: float) -> float:
    """d(a**k)/da = k * a**(k-1), with PyTorch's values where that formula breaks down."""
    if k == 0:
        return 0.0  # a**0 is the constant 1, even at a = 0
    if a == 0.0 and k < 1:
        return math.copysign(math.inf, k)  # e.g. sqrt'(0) = inf, (1/x)'(0) = -inf
    return k * _checked_power(a, k - 1.0)


def _general_power(base: Value, exponent: Value) -> Value:
    """``base ** exponent`` with both operands Values (two parents)."""
    a, b = base.data, exponent.data
    out = _checked_power(a, b)
    # d/d(exponent) = out * log(a): 0 at a = 0 for b >= 0, nan for a < 0 (PyTorch's values)
    if a > 0.0:
        d_exponent = out * math.log(a)
    elif a == 0.0 and b >= 0.0:
        d_exponent = 0.0
    else:
        d_exponent = math.nan
    return _node(out, (base, exponent), (_power_slope(a, b), d_exponent), "**")


def _no_local_derivatives(node: Value) -> TypeError:
    return TypeError(
        f"{node!r} (op {node._op!r}) was built with Value(data, _children=...), so its local "
        "derivatives are unknown and gradients cannot pass through it; build it with "
        "Value's ops (a * b, a + b, a.tanh(), ...) instead"
    )


def _reverse_topological_order(root: Value) -> list:
    """The non-leaf nodes reachable from `root`, each before all of its parents.

    Iterative depth-first search (no recursion limit), restricted to non-leaves since
    leaves have nothing to pass on. On the way it zeroes the gradient of every
    non-leaf node: the reset `backward()` documents. It is
    `chainrule.graph.topological_order` specialised for speed: backward spends half
    its time here. A node is expanded the first time it reaches the top of the stack
    and emitted the second time, after everything pushed above it (its ancestors).
    """
    order: list = []
    expanded: set = set()
    emitted: set = set()
    stack = [root]
    push, pop, emit = stack.append, stack.pop, order.append
    expand, finish = expanded.add, emitted.add
    while stack:
        node = stack[-1]
        if node in expanded:
            pop()
            if node not in emitted:  # a node pushed twice is emitted once
                finish(node)
                emit(node)
            continue
        if node._local is None:
            raise _no_local_derivatives(node)
        expand(node)
        node.grad = 0.0
        for parent in node._prev:
            if parent._prev and parent not in expanded:
                push(parent)
    order.reverse()
    return order
