"""Views made by choosing strides: ``select`` (one index along a dim) and ``Tensor.unfold``
(sliding windows).

Both share the input's memory and version counter. ``unfold``'s windows may overlap
(step < size): an element read by several windows gets the sum of their gradients,
which is what ``UnfoldBackward`` adds up.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, _normalize_dim, tensor_method
from chainrule.ops.shape import as_view


@tensor_method
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, without that dim: ``x.select(1, 2)`` is ``x[:, 2]`` (a view).

    >>> import chainrule as torch
    >>> torch.arange(6).reshape(2, 3).select(1, 2)
    tensor([2, 5])
    """
    shape = input._data.shape
    if not shape:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    d = _normalize_dim(int(dim), len(shape), "select")
    index = int(index)
    if not -shape[d] <= index < shape[d]:
        raise IndexError(f"select(): index {index} out of range for tensor of size {list(shape)} at dimension {d}")
    return input[(slice(None),) * d + (index,)]


class Unfold(Op):
    """Windows of ``size`` elements every ``step`` along ``dim``, as a new last dimension."""

    def forward(self, x, dim, size, step):
        self.input_shape, self.dim, self.size, self.step = x._data.shape, dim, size, step
        array = x._data
        if array.ndim == 0:  # PyTorch reads a 0-d tensor as one element: the result is (size,)
            return np.lib.stride_tricks.as_strided(array.reshape(1), (size,), (array.itemsize,))
        count = (array.shape[dim] - size) // step + 1
        shape = array.shape[:dim] + (count,) + array.shape[dim + 1:] + (size,)
        strides = array.strides[:dim] + (array.strides[dim] * step,) + array.strides[dim + 1:] + (array.strides[dim],)
        return np.lib.stride_tricks.as_strided(array, shape, strides)

    def backward(self, grad):
        return UnfoldBackward.apply(grad, dim=self.dim, size=self.size, step=self.step, shape=self.input_shape)


class UnfoldBackward(Op):
    """Windows added back into a tensor of the input's shape (each element gets every window's share)."""

    backward_name = "UnfoldBackwardBackward0"

    def forward(self, windows, dim, size, step, shape):
        self.dim, self.size, self.step = dim, size, step
        out = np.zeros(shape or (1,), dtype=windows._data.dtype)
        data = windows._data.reshape(1, size) if not shape else windows._data
        count = data.shape[dim]
        lead = (slice(None),) * dim
        for j in range(size):
            out[lead + (slice(j, j + step * (count - 1) + 1, step),)] += data[..., j]
        return out.reshape(shape)

    def backward(self, grad):
        return unfold(grad, self.dim, self.size, self.step)


@tensor_method(function=False)
def unfold(self: Tensor, dimension: int, size: int, step: int) -> Tensor:
    """Sliding windows of ``size`` elements, ``step`` apart, along ``dimension`` (a view; the
    windows become the last dimension).

    >>> import chainrule as torch
    >>> torch.arange(5).unfold(0, 2, 2)
    tensor([[0, 1],
            [2, 3]])
    """
    ndim = self._data.ndim
    d = _normalize_dim(int(dimension), ndim, "unfold")
    length = self._data.shape[d] if ndim else 1
    if size < 0:
        raise RuntimeError(f"size is {size} but must be >= 0")
    if size > length:
        raise RuntimeError(f"maximum size for tensor at dimension {d} is {length} but size is {size}")
    if step <= 0:
        raise RuntimeError(f"step is {step} but must be > 0")
    out = Unfold.apply(self, dim=d, size=int(size), step=int(step))
    return as_view(out, self, lambda t: unfold(t, d, size, step))
