"""Joining tensors into one: dstack, column_stack, row_stack and block_diag (copies).

The first three are ``cat`` after giving each tensor enough dimensions, so their
derivative is cat's: cut the gradient back into the pieces. ``block_diag`` places
matrices along a diagonal of zeros; each block's gradient is its region of the gradient.
"""

from __future__ import annotations

import numpy as np

from chainrule import dtypes
from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, register_function
from chainrule.ops._operands import promote
from chainrule.ops.broadcasting import _lift_3d
from chainrule.ops.shape import _check_tensor_list, cat, hstack, vstack


def _non_empty(tensors, op: str, message_op: str | None = None) -> list:
    tensors = _check_tensor_list(tensors, op)
    if not tensors:
        raise RuntimeError(f"{message_op or op} expects a non-empty TensorList")
    return tensors


@register_function
def dstack(tensors) -> Tensor:
    """Join along dim 2 ("depth"), after making every tensor at least 3-d (as ``atleast_3d``).

    >>> import chainrule as torch
    >>> torch.dstack([torch.tensor([1, 2]), torch.tensor([3, 4])])
    tensor([[[1, 3],
             [2, 4]]])
    """
    return cat([_lift_3d(t) for t in _non_empty(tensors, "dstack")], 2)


@register_function
def column_stack(tensors) -> Tensor:
    """Join as columns: 0-d and 1-d tensors become one column each, then ``hstack``.

    >>> import chainrule as torch
    >>> torch.column_stack([torch.tensor([1, 2]), torch.tensor([[3, 4], [5, 6]])])
    tensor([[1, 3, 4],
            [2, 5, 6]])
    """
    tensors = _non_empty(tensors, "column_stack")
    return hstack([t.reshape(t._data.size, 1) if t._data.ndim <= 1 else t for t in tensors])


@register_function
def row_stack(tensors) -> Tensor:
    """``vstack`` under its older name: join along dim 0, 0-d and 1-d tensors as rows."""
    return vstack(_non_empty(tensors, "row_stack", message_op="vstack"))


class BlockDiag(Op):
    """Matrices placed along the diagonal of a zero matrix; 0-d is 1x1 and 1-d (n,) is 1xn."""

    def forward(self, *blocks):
        self.regions = []
        rows = cols = 0
        for block in blocks:
            shape = block._data.shape
            height, width = (1, 1) if not shape else (1, shape[0]) if len(shape) == 1 else shape
            self.regions.append((rows, cols, height, width, shape))
            rows, cols = rows + height, cols + width
        out = np.zeros((rows, cols), dtype=blocks[0]._data.dtype)
        for block, (row, col, height, width, _) in zip(blocks, self.regions):
            out[row:row + height, col:col + width] = block._data.reshape(height, width)
        return out

    def backward(self, grad):
        return tuple(grad[row:row + height, col:col + width].reshape(shape)
                     for row, col, height, width, shape in self.regions)


@register_function
def block_diag(*tensors: Tensor) -> Tensor:
    """A block-diagonal matrix with the given matrices (or vectors, or numbers) as blocks.

    >>> import chainrule as torch
    >>> torch.block_diag(torch.tensor([[1, 2]]), torch.tensor(3))
    tensor([[1, 2, 0],
            [0, 0, 3]])
    """
    tensors = _check_tensor_list(tensors, "block_diag")
    for i, t in enumerate(tensors):
        if t._data.ndim > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer dimensions. Input {i} has "
                               f"{t._data.ndim} dimensions")
    if not tensors:
        return Tensor._wrap(np.zeros((1, 0), dtype=dtypes.get_default_dtype().numpy))
    return BlockDiag.apply(*promote(*tensors, op="block_diag"))
