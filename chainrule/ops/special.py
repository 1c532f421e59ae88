"""Functions from statistics and information theory: erfinv, logit, xlogy.

Each is also in ``torch.special``. Their derivatives where the function is not defined
follow PyTorch: ``xlogy(0, y)`` is 0 for every y, and so is its derivative in x where
y <= 0; logit's derivative is nan outside [0, 1] (0 outside [eps, 1 - eps] given ``eps``).
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.ops._elementwise import function_of_x, invalid_arguments, register_inplace
from chainrule.ops._operands import as_float, promote
from chainrule.ops.pointwise import _erf, _unary, where
from chainrule._tensor import Tensor, tensor_method


# PyTorch's algorithm (ATen/native/Math.h, calc_erfinv, after Giles' MATLAB erfinv): a rational
# first guess, then two Newton steps on erf(x) = y, so the values agree to the last digits.
_CENTRAL = ((0.886226899, -1.645349621, 0.914624893, -0.140543331),  # numerator, |y| <= 0.7
            (-2.118377725, 1.442710462, -0.329097515, 0.012229801))  # denominator
_TAIL = ((-1.970840454, -1.624906493, 3.429567803, 1.641345311), (3.543889200, 1.637067800))


def _erfinv(y: np.ndarray) -> np.ndarray:
    dtype = y.dtype
    y_abs = np.abs(y)
    central = y_abs <= 0.7
    z = y * y
    (a0, a1, a2, a3), (b0, b1, b2, b3) = _CENTRAL
    x_central = y * (((a3 * z + a2) * z + a1) * z + a0) / ((((b3 * z + b2) * z + b1) * z + b0) * z + 1)
    w = np.sqrt(-np.log((1 - np.where(central, 0, y_abs)) / 2))  # the tail's variable (0 in the centre)
    (c0, c1, c2, c3), (d0, d1) = _TAIL
    x_tail = np.copysign(((c3 * w + c2) * w + c1) * w + c0, y) / ((d1 * w + d0) * w + 1)
    x = np.where(central, x_central, x_tail).astype(dtype, copy=False)
    two_over_sqrt_pi = np.asarray(2 / math.sqrt(math.pi), dtype=dtype)
    for _ in range(2):
        x = x - (_erf(x) - y) / (two_over_sqrt_pi * np.exp(-x * x))
    x = np.where(y_abs == 1, np.copysign(np.inf, y), x)
    return np.where(y_abs > 1, np.nan, x).astype(dtype, copy=False)


# d/dy erfinv(y) = 1 / erf'(erfinv(y)) = sqrt(pi) / 2 * exp(erfinv(y)^2)
Erfinv = function_of_x("Erfinv", _erfinv,
                       lambda grad, x: 0.5 * math.sqrt(math.pi) * (x.erfinv() ** 2).exp() * grad)


class Logit(Op):
    """log(x / (1 - x)), with x first held inside [eps, 1 - eps] when eps is given."""

    def forward(self, x, eps=None):
        self.save_for_backward(x)
        self.eps = eps
        z = x._data
        if eps is not None and eps >= 0:  # a negative eps is ignored, as in PyTorch
            z = np.where(z < eps, eps, np.where(z > 1 - eps, 1 - eps, z)).astype(z.dtype, copy=False)
        return np.log(z / (1 - z))

    def backward(self, grad):
        (x,) = self.saved_tensors
        eps = self.eps
        if eps is not None and eps < 0 and not grad_mode.is_grad_enabled():
            eps = None  # PyTorch's kernel ignores a negative eps; its create_graph formula keeps it
        low, high, outside = (0.0, 1.0, math.nan) if eps is None else (eps, 1 - eps, 0.0)
        # PyTorch's vectorized kernel and create_graph formula. (Its scalar loop, which runs on
        # small tensors and tails, gives inf * grad at exactly 0 and 1 and nan at nan instead.)
        return where((x >= low) & (x <= high), grad / (x * (1 - x)), outside)


class Xlogy(Op):
    """x * log(y), defined as 0 where x = 0 (even where log y is -inf or nan), nan where y is nan."""

    def forward(self, x, y, number=None):
        self.save_for_backward(x, y)
        self.number = number  # which argument was a Python number: PyTorch names the node by it
        a, b = x._data, y._data
        out = np.where(a == 0, 0, a * np.log(b))
        return np.where(np.isnan(b), np.nan, out).astype(np.result_type(a, b), copy=False)

    def backward(self, grad):
        x, y = self.saved_tensors
        # Where log y is not a number (y <= 0), 0 log y is taken as constant 0 in x: PyTorch's
        # convention. For a number y it tests "not y > 0", which also holds for y = nan.
        undefined = ~(y._data > 0) if self.number == "other" else y._data <= 0
        dx = where(Tensor._wrap((x._data == 0) & undefined), 0.0, xlogy(grad, y))
        return dx, grad * x / y

    def name(self) -> str:
        return {None: "XlogyBackward0", "input": "XlogyBackward1", "other": "XlogyBackward2"}[self.number]


erfinv = _unary(Erfinv, "erfinv")


@tensor_method
def logit(input: Tensor, eps: float | None = None) -> Tensor:
    """log(p / (1 - p)), the inverse of sigmoid; with ``eps``, p is first limited to [eps, 1 - eps].

    >>> import chainrule as cr
    >>> cr.logit(cr.tensor([0.5, 0.0]), eps=1e-6)
    tensor([  0.0000, -13.8155])
    """
    return Logit.apply(as_float(input), eps=eps)


@tensor_method
def xlogy(input, other) -> Tensor:
    """``input * log(other)``, 0 where input is 0 (a convention of entropy formulas: 0 log 0 = 0).

    Either argument may be a Python number.

    >>> import chainrule as cr
    >>> cr.xlogy(cr.tensor([0.0, 2.0]), cr.tensor([0.0, 3.0]))
    tensor([0.0000, 2.1972])
    """
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        raise invalid_arguments("xlogy", (input, other), ("Tensor input, Tensor other", "Number self, Tensor other",
                                                          "Tensor input, Number other"))
    number = "input" if not isinstance(input, Tensor) else "other" if not isinstance(other, Tensor) else None
    a, b = promote(input, other, op="xlogy")
    return Xlogy.apply(as_float(a), as_float(b), number=number)


register_inplace("erfinv", "logit", "xlogy")
