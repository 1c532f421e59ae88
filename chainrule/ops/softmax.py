"""softmax and log_softmax along one dimension.

Both subtract the largest value before exponentiating: softmax(x) = softmax(x - c) for any
constant c, and with c = max(x) no exp can overflow. Their derivatives are written with
Tensor ops on the saved output, so second derivatives (the Hessian of a cross-entropy
loss, for instance) come out of the same rules.
"""

from __future__ import annotations

import numpy as np

from chainrule import dtypes
from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.ops.reduce import scalar_type_name, single_dim
from chainrule._tensor import Tensor, tensor_method


def _shifted(a: np.ndarray, axis: int) -> np.ndarray:
    """``a`` minus its largest value along ``axis``.

    A slice holding +inf (inf - inf) or only -inf becomes nan throughout, as in PyTorch.
    """
    if a.size == 0:
        return a
    # ufunc.reduce directly: np.max's Python wrapper costs more than the work on small rows.
    # (inf - inf is nan: ops run with NumPy's floating-point warnings off, autograd/fp_errors.py)
    return a - np.maximum.reduce(a, axis=axis, keepdims=True)


class Softmax(Op):
    """s = exp(x) / sum(exp(x)); ds/dx applied to g is s * (g - sum(g * s))."""

    def forward(self, x, axis):
        self.axis = axis
        if axis is None:  # a 0-d tensor is a one-element distribution
            return self.save_output(np.ones_like(x._data))
        # a row of only -inf has no distribution: nan, as in PyTorch (NumPy stays quiet inside ops)
        e = np.exp(_shifted(x._data, axis))
        return self.save_output(e / np.add.reduce(e, axis=axis, keepdims=True))

    def backward(self, grad):
        if self.axis is None:
            return grad * 0.0
        s = self.output()
        return s * (grad - (grad * s).sum(self.axis, keepdim=True))


class LogSoftmax(Op):
    """l = x - log(sum(exp(x))); dl/dx applied to g is g - exp(l) * sum(g)."""

    def forward(self, x, axis):
        self.axis = axis
        if axis is None:
            return self.save_output(np.zeros_like(x._data))
        z = _shifted(x._data, axis)
        return self.save_output(z - np.log(np.add.reduce(np.exp(z), axis=axis, keepdims=True)))

    def backward(self, grad):
        if self.axis is None:
            return grad * 0.0
        if not grad_mode._grad_enabled.get():
            # Plain backward: the same formula in NumPy (this sits under every cross-entropy).
            g = grad._data
            return Tensor._wrap(g - np.exp(self._saved_output) * g.sum(self.axis, keepdims=True))
        return grad - self.output().exp() * grad.sum(self.axis, keepdim=True)


def _prepare(input: Tensor, dim, dtype, op: str) -> tuple:
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype))
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"{op}: expected a floating point tensor, got {scalar_type_name(input._data.dtype)}; "
            f"convert it first (x.float()) or pass dtype=torch.float32"
        )
    return input, single_dim(dim, input._data.ndim, op)


@tensor_method
def softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``: positive values that sum to 1.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0, 3.0]).softmax(0)
    tensor([0.0900, 0.2447, 0.6652])
    """
    input, axis = _prepare(input, dim, dtype, "softmax")
    return Softmax.apply(input, axis=axis)


@tensor_method
def log_softmax(input: Tensor, dim: int, dtype=None) -> Tensor:
    """log(softmax(x)) along ``dim``, computed without forming softmax (no log of 0).

    >>> import chainrule as torch
    >>> torch.tensor([0.0, 1000.0]).log_softmax(0)
    tensor([-1000.,     0.])
    """
    input, axis = _prepare(input, dim, dtype, "log_softmax")
    return LogSoftmax.apply(input, axis=axis)
