"""Ops that treat NaN as missing: nan_to_num, fmax, fmin.

``maximum(x, nan)`` is nan; ``fmax(x, nan)`` is x: the gradient goes to the input that was
not NaN. At a tie fmax gives all of it to ``input`` (where ``maximum`` splits it in halves),
as PyTorch does.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.node import Op
from chainrule.ops._elementwise import register_inplace, tensor_function
from chainrule.ops._operands import promote
from chainrule.ops.pointwise import where
from chainrule._tensor import Tensor, tensor_method


class NanToNum(Op):
    def forward(self, x, nan, posinf, neginf):
        self.save_for_backward(x)
        return np.nan_to_num(x._data, nan=nan, posinf=posinf, neginf=neginf)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * Tensor._wrap(np.isfinite(x._data))  # replaced values do not depend on x


class _NanIgnoring(Op):
    """fmax or fmin: ``input`` where ``picks_input`` holds, else ``other``; the gradient follows."""

    def forward(self, a, b):
        self.to_input = self.picks_input(a._data, b._data)
        return np.where(self.to_input, a._data, b._data)

    def backward(self, grad):
        chosen = Tensor._wrap(self.to_input)
        return where(chosen, grad, 0.0), where(chosen, 0.0, grad)


class Fmax(_NanIgnoring):
    # input where it is the larger, at a tie (0.0 against -0.0 too), or where other is NaN
    picks_input = staticmethod(lambda a, b: (a >= b) | np.isnan(b))


class Fmin(_NanIgnoring):
    picks_input = staticmethod(lambda a, b: (a <= b) | np.isnan(b))


@tensor_method
def nan_to_num(input: Tensor, nan: float = 0.0, posinf: float | None = None, neginf: float | None = None) -> Tensor:
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (by default 0 and the
    dtype's largest and smallest finite values).

    >>> import chainrule as cr
    >>> cr.nan_to_num(cr.tensor([float("nan"), float("inf"), 1.5]), posinf=9.0)
    tensor([0.0000, 9.0000, 1.5000])
    """
    if input._data.dtype.kind != "f":
        return input.clone()  # nothing to replace in integers
    return NanToNum.apply(input, nan=0.0 if nan is None else nan, posinf=posinf, neginf=neginf)


def fmax(input: Tensor, other: Tensor) -> Tensor:
    """The larger of the two, ignoring NaN: nan only where both are nan.

    >>> import chainrule as cr
    >>> cr.fmax(cr.tensor([1.0, float("nan")]), cr.tensor([float("nan"), 2.0]))
    tensor([1., 2.])
    """
    return _nan_ignoring(Fmax, input, other, "fmax")


def fmin(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of the two, ignoring NaN: nan only where both are nan."""
    return _nan_ignoring(Fmin, input, other, "fmin")


def _nan_ignoring(op_class, input: Tensor, other: Tensor, name: str) -> Tensor:
    a, b = promote(input, other, op=name)
    if a._data.dtype.kind != "f":  # integers have no NaN and no gradient
        return Tensor._wrap(np.asarray(np.where(op_class.picks_input(a._data, b._data), a._data, b._data)))
    return op_class.apply_binary(a, b)


fmax = tensor_function(fmax)
fmin = tensor_function(fmin)

register_inplace("nan_to_num")
