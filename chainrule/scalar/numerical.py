"""The walk-through's finite-difference check, as a function.

The seed checks ``dL/da`` by nudging ``a`` by ``h`` and watching ``L`` move:
``(L(a + h) - L(a)) / h``. `numerical_grad` does that for every input (with the more
accurate central difference by default) and sets the result beside the derivative
`backward()` computes, with their relative error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from chainrule.scalar.value import Value

__all__ = ["numerical_grad", "GradientCheck", "GradientReport"]


@dataclass(frozen=True)
class GradientCheck:
    """One input's derivative, computed two ways."""

    name: str
    value: float  # where the derivative was taken
    analytic: float  # from backward()
    numeric: float  # from finite differences
    abs_error: float
    rel_error: float  # abs_error / max(|analytic|, |numeric|); 0 when both are 0

    def __str__(self) -> str:
        return (
            f"{self.name}: analytic {self.analytic:.10g}, numeric {self.numeric:.10g}, "
            f"relative error {self.rel_error:.2e}"
        )


class GradientReport(tuple):
    """The `GradientCheck` of every input, in order; prints as a table."""

    @property
    def max_rel_error(self) -> float:
        return max((c.rel_error for c in self), default=0.0)

    def ok(self, rtol: float = 1e-5, atol: float = 1e-8) -> bool:
        """True when every analytic derivative is within ``atol + rtol * |numeric|``."""
        return all(c.abs_error <= atol + rtol * abs(c.numeric) for c in self)

    def __getitem__(self, key):  # also by input name: report["a"]
        if isinstance(key, str):
            for check in self:
                if check.name == key:
                    return check
            raise KeyError(f"no input named {key!r}; inputs are {[c.name for c in self]}")
        return tuple.__getitem__(self, key)

    def __repr__(self) -> str:
        header = ("input", "value", "analytic", "numeric", "rel. error")
        rows = [(c.name, f"{c.value:.6g}", f"{c.analytic:.10g}", f"{c.numeric:.10g}", f"{c.rel_error:.2e}") for c in self]
        widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
        lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths)) for row in [header, *rows]]
        return "\n".join(lines)

    __str__ = __repr__


def _relative_error(a: float, n: float) -> float:
    scale = max(abs(a), abs(n))
    if scale == 0.0:
        return 0.0
    if math.isinf(scale) or math.isnan(a) or math.isnan(n):
        return 0.0 if a == n else math.inf
    return abs(a - n) / scale


def numerical_grad(
    f: Callable[..., Value | float],
    inputs: Sequence[Value | float] | Mapping[str, Value | float],
    h: float = 1e-6,
    method: Literal["central", "forward"] = "central",
) -> GradientReport:
    """Compare `backward()`'s derivative of ``f`` with a finite difference, per input.

    ``f`` takes the inputs (positionally, or by keyword when `inputs` is a mapping
    of names to values) and returns a Value. Each input is a number or a Value;
    fresh leaves are made from them, so the given Values' ``.grad`` is not touched.
    ``method="central"`` uses ``(f(x+h) - f(x-h)) / 2h`` (error ~h**2);
    ``"forward"`` uses the walk-through's ``(f(x+h) - f(x)) / h`` (error ~h).

    Example:
        >>> report = numerical_grad(lambda a, b: a * b + b, {"a": 10.0, "b": 3.0})
        >>> report["b"].analytic, round(report["b"].numeric, 6)
        (11.0, 11.0)
        >>> report.ok()
        True
    """
    if method not in ("central", "forward"):
        raise ValueError(f"numerical_grad: method must be 'central' or 'forward', got {method!r}")
    if not h > 0.0:
        raise ValueError(f"numerical_grad: the step h must be positive, got {h!r}")
    if isinstance(inputs, Mapping):
        names = [str(k) for k in inputs]
        points = [_as_float(v, name) for name, v in inputs.items()]
    else:
        points = [_as_float(v, f"inputs[{i}]") for i, v in enumerate(inputs)]
        names = [v.name if isinstance(v, Value) and v.name else f"x{i}" for i, v in enumerate(inputs)]
    by_keyword = isinstance(inputs, Mapping)

    def evaluate(values: list[float]) -> tuple[float, list[Value]]:
        leaves = [Value(v, name=n) for v, n in zip(values, names)]
        out = f(**dict(zip(names, leaves))) if by_keyword else f(*leaves)
        if not isinstance(out, Value):
            out = Value(out)  # a constant function: every derivative is 0
        return out, leaves

    out, leaves = evaluate(points)
    out.backward()
    checks = []
    for i, name in enumerate(names):
        nudged_up = list(points)
        nudged_up[i] = points[i] + h
        if method == "central":
            nudged_down = list(points)
            nudged_down[i] = points[i] - h
            numeric = (evaluate(nudged_up)[0].data - evaluate(nudged_down)[0].data) / (2 * h)
        else:
            numeric = (evaluate(nudged_up)[0].data - out.data) / h
        analytic = leaves[i].grad
        checks.append(
            GradientCheck(name, points[i], analytic, numeric, abs(analytic - numeric), _relative_error(analytic, numeric))
        )
    return GradientReport(checks)


def _as_float(v: Value | float, what: str) -> float:
    if isinstance(v, Value):
        return v.data
    try:
        return float(v)
    except (TypeError, ValueError):
        raise TypeError(f"numerical_grad: {what} must be a number or a Value, got {v!r}") from None
