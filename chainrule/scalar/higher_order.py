"""`grad`: gradients as Values, so that derivatives can themselves be differentiated.

`Value.backward()` is the fast path: it stores float gradients in ``.grad``. For a
second (or third, ...) derivative the gradient itself must be a graph, so `grad(...,
create_graph=True)` runs the chain rule with Value arithmetic instead of floats. It
needs each op's local derivatives written with Value ops; they are in
`LOCAL_DERIVATIVES` below, one line per op, the same formulas `value.py` evaluates on
floats (a test checks that the two agree for every op).

Example:
    >>> from chainrule.scalar import Value, grad
    >>> x = Value(2.0)
    >>> (dy,) = grad(x ** 3, x, create_graph=True)   # 3x**2
    >>> (d2y,) = grad(dy, x, create_graph=True)       # 6x
    >>> (d3y,) = grad(d2y, x)                         # 6
    >>> dy.data, d2y.data, d3y.data
    (12.0, 12.0, 6.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from chainrule.graph import topological_order
from chainrule.scalar.value import Value, _no_local_derivatives

__all__ = ["grad", "LOCAL_DERIVATIVES"]

Number = float | Value


def _power_slope(out: Value, a: Value, k: float) -> tuple[Number]:
    if k == 0:
        return (0.0,)
    if a.data == 0.0 and k < 1:
        return (math.copysign(math.inf, k),)  # the conventions of `value._power_slope`
    return (k * a ** (k - 1),)


def _general_power(out: Value, a: Value, b: Value) -> tuple[Number, Number]:
    if a.data > 0.0:
        d_exponent: Number = out * a.log()
    else:  # 0 at a = 0 for b >= 0, nan for a < 0: constants, as in `value._general_power`
        d_exponent = 0.0 if a.data == 0.0 and b.data >= 0.0 else math.nan
    if b.data == 0.0:
        return (0.0, d_exponent)
    if a.data == 0.0 and b.data < 1.0:
        return (math.copysign(math.inf, b.data), d_exponent)
    return (b * a ** (b - 1.0), d_exponent)


def _is_one(derivative: Number) -> bool:
    return derivative.__class__ is float and derivative == 1.0  # skip the "* 1" node


def _sign(x: Value) -> float:
    return 1.0 if x.data > 0.0 else -1.0 if x.data < 0.0 else 0.0


# op -> (output, *parents) -> d(output)/d(parent) for each parent, as Values or constants.
LOCAL_DERIVATIVES: dict[str, Callable[..., tuple]] = {
    "+": lambda out, a, b: (1.0, 1.0),
    "-": lambda out, a, b: (1.0, -1.0),
    "*": lambda out, a, b: (b, a),
    "/": lambda out, a, b: (1.0 / b, -out / b),
    "neg": lambda out, a: (-1.0,),
    "**": _general_power,
    "exp": lambda out, a: (out,),
    "log": lambda out, a: (1.0 / a,),
    "tanh": lambda out, a: (1.0 - out * out,),
    "sigmoid": lambda out, a: (out * (1.0 - out),),
    "ReLU": lambda out, a: (1.0 if a.data > 0.0 else 0.0,),
    "sqrt": lambda out, a: (0.5 / out if out.data else math.inf,),
    "sin": lambda out, a: (a.cos(),),
    "cos": lambda out, a: (-a.sin(),),
    "abs": lambda out, a: (_sign(a),),
}


def local_derivatives_as_values(node: Value) -> tuple:
    """d(node)/d(parent) for each parent of `node`, as differentiable Values (or constants)."""
    if node._op.startswith("**") and node._op != "**":  # x ** k, k a number
        return _power_slope(node, node._prev[0], node._exponent)
    rule = LOCAL_DERIVATIVES.get(node._op)
    if rule is None:
        raise TypeError(
            f"grad(create_graph=True): no differentiable rule for op {node._op!r} of {node!r}; "
            "only nodes built with Value's own ops can be differentiated twice"
        )
    return rule(node, *node._prev)


def grad(
    output: Value,
    inputs: Value | Sequence[Value],
    *,
    create_graph: bool = False,
    allow_unused: bool = False,
    materialize_grads: bool = False,
) -> tuple:
    """d(output)/d(input) for each input, as Values (PyTorch's `torch.autograd.grad`).

    Unlike `backward()`, nothing is written to any ``.grad``. With ``create_graph=True``
    the results are built from Value ops, so you can call `grad` on them again for
    higher derivatives. An input that `output` does not depend on is an error, unless
    ``allow_unused=True`` (its entry is then None) or ``materialize_grads=True`` (its
    entry is then ``Value(0.0)``), as in PyTorch.

    Example:
        >>> x = Value(0.5)
        >>> (d,) = grad(x.tanh(), x, create_graph=True)
        >>> round(grad(d, x)[0].data, 6)   # d2/dx2 tanh = -2 tanh (1 - tanh**2)
        -0.726862
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    inputs = (inputs,) if single else tuple(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad: inputs[{i}] must be a Value, got {type(x).__name__}")

    order = topological_order(output)  # leaves first
    wanted = {id(x) for x in inputs}
    # Only nodes on a path from an input to the output need a gradient.
    on_path = set(wanted)
    for node in order:
        if any(id(p) in on_path for p in node._prev):
            on_path.add(id(node))

    grads: dict[int, Number] = {id(output): Value(1.0) if create_graph else 1.0}
    found: dict[int, Number] = {}
    for node in reversed(order):
        g = grads.pop(id(node), None)
        if g is None:
            continue
        if id(node) in wanted:
            found[id(node)] = g
        if not node._prev:
            continue
        if node._local is None:
            raise _no_local_derivatives(node)
        local = local_derivatives_as_values(node) if create_graph else node._local
        for parent, derivative in zip(node._prev, local):
            if id(parent) not in on_path:
                continue
            contribution = g if _is_one(derivative) else derivative * g
            previous = grads.get(id(parent))
            grads[id(parent)] = contribution if previous is None else previous + contribution

    results = []
    for i, x in enumerate(inputs):
        g = found.get(id(x))
        if g is None:
            if materialize_grads:
                g = 0.0
            elif not allow_unused:
                raise ValueError(
                    f"grad: inputs[{i}] ({x!r}) was not used to compute the output; "
                    "pass allow_unused=True to get None for it, or materialize_grads=True "
                    "to get zero"
                )
            else:
                results.append(None)
                continue
        results.append(g if isinstance(g, Value) else Value(g))
    return tuple(results)
