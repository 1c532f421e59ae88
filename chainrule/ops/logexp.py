"""Logarithms and powers in other bases: log2, log10, exp2, logaddexp, logaddexp2, float_power.

exp, log, log1p, expm1 and pow live in pointwise.py. ``logaddexp(a, b) = log(e^a + e^b)`` is
computed without overflow (NumPy's, which gives PyTorch's values at ±inf); its derivative
is a softmax weight of each input, ``1 / (1 + e^(b - a))``.
"""

from __future__ import annotations

import numpy as np

from chainrule import dtypes
from chainrule.autograd.node import Op
from chainrule.ops._elementwise import (function_of_pair, function_of_x, invalid_arguments, register_inplace,
                                         require_float, tensor_function)
from chainrule.ops._operands import cast, promote
from chainrule.ops.inplace import _inplace
from chainrule.ops.pointwise import _unary, pow
from chainrule.ops.reduce import scalar_type_name
from chainrule._tensor import Tensor, tensor_method

_LN2 = 0.6931471805599453
_LN10 = 2.3025850929940456


Log2 = function_of_x("Log2", np.log2, lambda grad, x: grad / (x * _LN2))
Log10 = function_of_x("Log10", np.log10, lambda grad, x: grad / (x * _LN10))
# the derivative of log(e^a + e^b) in a is e^a / (e^a + e^b) = 1 / (1 + e^(b - a))
Logaddexp = function_of_pair("Logaddexp", np.logaddexp,
                             lambda grad, a, b: (grad / (1 + (b - a).exp()), grad / (1 + (a - b).exp())))
Logaddexp2 = function_of_pair("Logaddexp2", np.logaddexp2,
                              lambda grad, a, b: (grad / (1 + 2.0 ** (b - a)), grad / (1 + 2.0 ** (a - b))))


class Exp2(Op):
    def forward(self, x):
        return self.save_output(np.exp2(x._data))

    def backward(self, grad):
        return grad * self.output() * _LN2  # d/dx 2^x = 2^x ln 2


log2 = _unary(Log2, "log2")
log10 = _unary(Log10, "log10")
exp2 = _unary(Exp2, "exp2")


def logaddexp(input: Tensor, other: Tensor) -> Tensor:
    """log(exp(input) + exp(other)) without overflow: a smooth maximum (floating-point tensors).

    >>> import chainrule as cr
    >>> cr.logaddexp(cr.tensor([0.0, 100.0]), cr.tensor([0.0, -100.0]))
    tensor([  0.6931, 100.0000])
    """
    a, b = promote(input, other, op="logaddexp")
    return Logaddexp.apply_binary(require_float(a, "logaddexp_cpu"), b)


def logaddexp2(input: Tensor, other: Tensor) -> Tensor:
    """log2(2^input + 2^other) without overflow (floating-point tensors)."""
    a, b = promote(input, other, op="logaddexp2")
    return Logaddexp2.apply_binary(require_float(a, "logaddexp2_cpu"), b)


logaddexp = tensor_function(logaddexp)
logaddexp2 = tensor_function(logaddexp2)


@tensor_method
def float_power(input, exponent) -> Tensor:
    """``input ** exponent`` computed in float64, whatever the inputs' dtypes (PyTorch's float_power).

    >>> import chainrule as cr
    >>> cr.float_power(cr.tensor([2, 3]), 2)
    tensor([4., 9.], dtype=torch.float64)
    """
    if not isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        raise invalid_arguments("float_power", (input, exponent), (
            "Tensor input, Tensor exponent", "Number self, Tensor exponent", "Tensor input, Number exponent"))
    base = cast(input, dtypes.float64) if isinstance(input, Tensor) else float(input)
    power = cast(exponent, dtypes.float64) if isinstance(exponent, Tensor) else float(exponent)
    return pow(base, power) if isinstance(base, Tensor) else base ** power


_float_power_in_place = _inplace("float_power_", float_power)


@tensor_method(function=False)
def float_power_(self: Tensor, exponent) -> Tensor:
    if self._data.dtype != np.float64:
        raise RuntimeError(f"the base given to float_power_ has dtype {scalar_type_name(self._data.dtype)} but "
                           "the operation's result requires dtype Double")
    return _float_power_in_place(self, exponent)


register_inplace("log2", "log10", "exp2")
