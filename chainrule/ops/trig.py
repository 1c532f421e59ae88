"""Trigonometric and hyperbolic functions, their inverses, and angles.

sin, cos and tan live in pointwise.py; here are the rest of the family. Each derivative is
PyTorch's formula (tools/autograd/derivatives.yaml) written with Tensor ops, so the values
it gives where the true derivative does not exist are PyTorch's too: asin'(1) is
1 / sqrt(1 - 1) = inf, acosh'(0.5) is nan, atan'(inf) is 0.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.autograd.node import Op
from chainrule.ops._elementwise import (alias, function_of_pair, function_of_x, register_inplace, require_float,
                                         tensor_function)
from chainrule.ops._operands import as_float, promote
from chainrule.ops.inplace import _inplace
from chainrule.ops.pointwise import _unary, where
from chainrule._tensor import Tensor

# PyTorch's constants (M_PI_180, M_180_PI), so float32 results round the same way.
_RADIANS_PER_DEGREE = 0.017453292519943295
_DEGREES_PER_RADIAN = 57.29577951308232


# name, NumPy function, grad times the derivative (PyTorch's formula: its values at the edges)
Sinh = function_of_x("Sinh", np.sinh, lambda grad, x: grad * x.cosh())
Cosh = function_of_x("Cosh", np.cosh, lambda grad, x: grad * x.sinh())
Asin = function_of_x("Asin", np.arcsin, lambda grad, x: grad * (1 - x * x).rsqrt())  # inf at ±1, nan beyond
Acos = function_of_x("Acos", np.arccos, lambda grad, x: grad * -(1 - x * x).rsqrt())
Atan = function_of_x("Atan", np.arctan, lambda grad, x: grad / (x * x + 1))
Asinh = function_of_x("Asinh", np.arcsinh, lambda grad, x: grad * (x * x + 1).rsqrt())
Acosh = function_of_x("Acosh", np.arccosh, lambda grad, x: grad * (x * x - 1).rsqrt())  # inf at 1, nan below
Atanh = function_of_x("Atanh", np.arctanh, lambda grad, x: grad / (1 - x * x))


def _atan2_derivatives(grad: Tensor, y: Tensor, x: Tensor) -> tuple:
    """The angle of the point (x, y): d/dy = x / (x² + y²), d/dx = -y / (x² + y²)."""
    denominator = y * y + x * x
    recip = where(denominator == 0, 0.0, denominator.reciprocal())  # PyTorch's choice: 0 at the origin
    return grad * x * recip, grad * -y * recip


Atan2 = function_of_pair("Atan2", np.arctan2, _atan2_derivatives)


class Hypot(Op):
    """sqrt(a² + b²) without overflow; d/da = a / hypot (nan at the origin, as in PyTorch)."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return self.save_output(np.hypot(a._data, b._data))

    def backward(self, grad):
        a, b = self.saved_tensors
        out = self.output()
        return grad * a / out, grad * b / out


class Sinc(Op):
    """sin(pi x) / (pi x), and 1 at 0."""

    def forward(self, x):
        self.save_for_backward(x)
        product = x._data * math.pi
        return np.where(x._data == 0, 1, np.sin(product) / product).astype(x._data.dtype, copy=False)

    def backward(self, grad):
        (x,) = self.saved_tensors
        x_pi = x * math.pi
        x_squared_pi = x * x * math.pi
        slope = grad * ((x_pi * x_pi.cos() - x_pi.sin()) / x_squared_pi)
        return where(x_squared_pi == 0, 0.0, slope)  # the limit at 0 (a 0/0 in the formula)


class Deg2Rad(Op):
    def forward(self, x):
        return x._data * _RADIANS_PER_DEGREE

    def backward(self, grad):
        return grad * _RADIANS_PER_DEGREE


class Rad2Deg(Op):
    def forward(self, x):
        return x._data * _DEGREES_PER_RADIAN

    def backward(self, grad):
        return grad * _DEGREES_PER_RADIAN


sinh = _unary(Sinh, "sinh")
cosh = _unary(Cosh, "cosh")
asin = _unary(Asin, "asin")
acos = _unary(Acos, "acos")
atan = _unary(Atan, "atan")
asinh = _unary(Asinh, "asinh")
acosh = _unary(Acosh, "acosh")
atanh = _unary(Atanh, "atanh")
sinc = _unary(Sinc, "sinc")
deg2rad = _unary(Deg2Rad, "deg2rad")
rad2deg = _unary(Rad2Deg, "rad2deg")


def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (x=other, y=input) in (-pi, pi]; integer inputs give floats.

    >>> import chainrule as cr
    >>> cr.atan2(cr.tensor([1.0, -1.0]), cr.tensor([-1.0, -1.0]))
    tensor([ 2.3562, -2.3562])
    """
    y, x = promote(input, other, op="atan2")
    return Atan2.apply_binary(as_float(y), as_float(x))


def hypot(input: Tensor, other: Tensor) -> Tensor:
    """sqrt(input² + other²), computed without overflow or underflow."""
    a, b = promote(input, other, op="hypot")
    return Hypot.apply_binary(require_float(a, "hypot_cpu"), b)


arctan2 = tensor_function(atan2, name="arctan2")
atan2 = tensor_function(atan2)
hypot = tensor_function(hypot)


def _inplace_without_derivative(op_class, name: str):
    """``Tensor.<name>_`` recorded as PyTorch records it: a node (``AsinhBackward1``) whose backward
    raises, since PyTorch has no derivative for the in-place asinh, acosh and atanh."""

    class InPlace(op_class):
        backward_name = f"{op_class.__name__}Backward1"

        def backward(self, grad):
            raise NotImplementedError(f"the derivative for 'inplace version of {name}' is not implemented.")

    setattr(Tensor, name + "_", _inplace(name + "_", lambda input: InPlace.apply(as_float(input))))


register_inplace("sinh", "cosh", "asin", "acos", "atan", "atan2", "hypot", "sinc", "deg2rad", "rad2deg")
for _op_class, _name in ((Asinh, "asinh"), (Acosh, "acosh"), (Atanh, "atanh")):
    _inplace_without_derivative(_op_class, _name)
Tensor.arctan2_ = Tensor.atan2_
for _name, _of in (("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"), ("arcsinh", "asinh"),
                   ("arccosh", "acosh"), ("arctanh", "atanh")):
    alias(_name, _of)
