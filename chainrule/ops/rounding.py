"""A number's parts: sgn (its sign), frac (what trunc drops) and fmod (C's remainder).

``fmod(a, b) = a - b * trunc(a / b)`` takes the sign of ``a``; ``remainder`` (pointwise.py,
Python's ``%``) takes the sign of ``b``. Both are flat in ``b`` between jumps except for the
``-trunc(a / b)`` slope, and have slope 1 in ``a``.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.node import Op
from chainrule.ops._elementwise import invalid_arguments, register_inplace, require_float
from chainrule.ops._operands import ensure_tensor, promote
from chainrule.ops.pointwise import _PiecewiseConstant, _sign, _unary
from chainrule._tensor import Tensor, tensor_method


def _sgn(x: np.ndarray) -> np.ndarray:
    return x.copy() if x.dtype == np.bool_ else _sign(x)  # a bool's sign is itself, as in PyTorch


class Sgn(_PiecewiseConstant):
    """sign(x) for real x (PyTorch's sgn is x / |x| for complex numbers, which chainrule has not)."""

    numpy_function = staticmethod(_sgn)


class Frac(Op):
    def forward(self, x):
        return x._data - np.trunc(x._data)  # inf - inf: nan at ±inf, as in PyTorch

    def backward(self, grad):
        return grad


class Fmod(Op):
    def forward(self, a, b, by_number=False):
        self.save_for_backward(a, b)
        self.by_number = by_number
        return np.fmod(a._data, b._data)

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad, None if self.by_number else -grad * a.div(b, rounding_mode="trunc")

    def name(self) -> str:
        return "FmodBackward0" if self.by_number else "FmodBackward1"


sgn = _unary(Sgn, "sgn", to_float=False)


@tensor_method
def frac(input: Tensor) -> Tensor:
    """``input - trunc(input)``: the fractional part, with the sign of ``input``."""
    return Frac.apply(require_float(ensure_tensor(input, "frac"), "frac_cpu"))


@tensor_method
def fmod(input: Tensor, other) -> Tensor:
    """The remainder of ``input / other`` rounded toward zero; it has the sign of ``input``.

    >>> import chainrule as cr
    >>> cr.fmod(cr.tensor([-3.0, 3.0]), 2)
    tensor([-1.,  1.])
    """
    if not isinstance(input, Tensor):
        raise invalid_arguments("fmod", (input, other), ("Tensor input, Tensor other", "Tensor input, Number other"))
    by_number = not isinstance(other, Tensor)
    a, b = promote(input, other, op="fmod")
    if a._data.dtype.kind == "b":
        require_float(a, "fmod_cpu")
    if a._data.dtype.kind != "f":
        if (b._data == 0).any():
            raise RuntimeError("ZeroDivisionError")
        return Tensor._wrap(np.asarray(np.fmod(a._data, b._data)))
    return Fmod.apply(a, b, by_number=by_number)


register_inplace("sgn", "frac", "fmod")
