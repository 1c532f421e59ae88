"""Reductions: sum and mean (the engine needs `sum` to undo broadcasting).

The gradient of a reduction is the upstream gradient spread back over the reduced axes.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.node import Op
from chainrule.ops._operands import as_float
from chainrule._tensor import Tensor, _normalize_dim, tensor_method


def normalize_dims(dim, ndim: int, op: str) -> tuple | None:
    """``dim`` (None, an int, or a sequence) as a sorted tuple of non-negative axes."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None  # PyTorch: dim=() / [] means all dimensions
    axes = tuple(sorted({_normalize_dim(int(d), ndim, op) for d in dims}))
    if ndim == 0:
        return None
    return axes


def expand_reduced(grad: Tensor, input_shape: tuple, axes: tuple | None, keepdim: bool) -> Tensor:
    """Put back the reduced axes (size 1) so ``grad`` broadcasts against the input."""
    if axes is not None and not keepdim:
        shape = list(grad.shape)
        for axis in axes:
            shape.insert(axis, 1)
        grad = grad.reshape(tuple(shape))
    elif axes is None and not keepdim:
        grad = grad.reshape((1,) * len(input_shape))
    return grad.expand(input_shape)


class Sum(Op):
    def forward(self, x, axes=None, keepdim=False, dtype=None):
        self.input_shape = x._data.shape
        self.axes, self.keepdim = axes, keepdim
        return np.sum(x._data, axis=axes, keepdims=keepdim, dtype=dtype)

    def backward(self, grad):
        return expand_reduced(grad, self.input_shape, self.axes, self.keepdim)

    def name(self) -> str:
        return "SumBackward0" if self.axes is None else "SumBackward1"


class Mean(Op):
    def forward(self, x, axes=None, keepdim=False):
        self.input_shape = x._data.shape
        self.axes, self.keepdim = axes, keepdim
        out = np.mean(x._data, axis=axes, keepdims=keepdim)
        self.count = x._data.size // max(out.size, 1) if x._data.size else 0
        return out

    def backward(self, grad):
        return expand_reduced(grad, self.input_shape, self.axes, self.keepdim) / self.count

    def name(self) -> str:
        return "MeanBackward0" if self.axes is None else "MeanBackward1"


@tensor_method
def sum(input, dim=None, keepdim=False, *, dtype=None):
    """Sum over ``dim`` (all by default). Bool and int tensors sum to int64, as in PyTorch."""
    axes = normalize_dims(dim, input._data.ndim, "sum")
    if dtype is not None:
        from chainrule import dtypes

        input = input.to(dtypes.as_dtype(dtype))
    out_dtype = np.int64 if input._data.dtype.kind in "biu" else None
    return Sum.apply(input, axes=axes, keepdim=keepdim, dtype=out_dtype)


@tensor_method
def mean(input, dim=None, keepdim=False, *, dtype=None):
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {input.dtype.name.capitalize()}"
        )
    if dtype is not None:
        from chainrule import dtypes

        input = input.to(dtypes.as_dtype(dtype))
    axes = normalize_dims(dim, input._data.ndim, "mean")
    return Mean.apply(as_float(input), axes=axes, keepdim=keepdim)
