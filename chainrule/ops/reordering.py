"""Moving and repeating elements: rot90, fliplr, flipud, repeat_interleave (copies).

A rotation by 90 degrees is undone by rotating back, so the derivative of ``rot90(x, k)``
is ``rot90(grad, -k)``. Repeating element i ``r`` times reads it ``r`` times, so its
gradient is the sum of the gradients of its copies (index_select's derivative).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, _normalize_dim, tensor_method
from chainrule.ops.index import index_select
from chainrule.ops.shape import flip, reshape, unsqueeze

# ---------------------------------------------------------------------------------------
# rot90, fliplr, flipud


class Rot90(Op):
    def forward(self, x, k, dims):
        self.k, self.dims = k, dims
        d0, d1 = dims
        array = x._data
        # PyTorch's layout: flip (a copy), then transpose (a view), so k=1 and k=3 come back transposed.
        if k == 1:
            return np.swapaxes(np.flip(array, d1).copy(), d0, d1)
        if k == 2:
            return np.flip(array, dims).copy()
        if k == 3:
            return np.swapaxes(np.flip(array, d0).copy(), d0, d1)
        return array.copy()

    def backward(self, grad):
        return rot90(grad, -self.k, self.dims)


@tensor_method
def rot90(input: Tensor, k: int = 1, dims: Sequence[int] = (0, 1)) -> Tensor:
    """Rotate by ``k`` quarter turns in the plane of ``dims``, from the first axis towards the second.

    >>> import chainrule as torch
    >>> torch.rot90(torch.tensor([[1, 2], [3, 4]]))
    tensor([[2, 4],
            [1, 3]])
    """
    dims = list(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    ndim = input._data.ndim
    if ndim < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {ndim}")
    d0, d1 = (_normalize_dim(int(d), ndim, "rot90") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {dims[0]} and dim1 = {dims[1]}")
    return Rot90.apply(input, k=int(k) % 4, dims=(d0, d1))


@tensor_method
def fliplr(input: Tensor) -> Tensor:
    """Reverse the columns (dim 1) of a tensor of at least 2 dimensions."""
    if input._data.ndim < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return flip(input, dims=(1,))


@tensor_method
def flipud(input: Tensor) -> Tensor:
    """Reverse the rows (dim 0)."""
    if input._data.ndim < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return flip(input, dims=(0,))


# ---------------------------------------------------------------------------------------
# repeat_interleave


def _repeat_each(input: Tensor, repeats: int, dim: int) -> Tensor:
    """Each slice along ``dim`` ``repeats`` times in a row: a new axis, broadcast, then merged."""
    from chainrule.ops.broadcasting import broadcast_to

    shape = input._data.shape
    widened = unsqueeze(input, dim + 1)
    tiled = broadcast_to(widened, shape[:dim + 1] + (repeats,) + shape[dim + 1:])
    return reshape(tiled, shape[:dim] + (shape[dim] * repeats,) + shape[dim + 1:])


def _repeats_tensor(repeats: Tensor) -> np.ndarray:
    if repeats._data.dtype.kind not in "iu":
        from chainrule.ops.reduce import scalar_type_name

        raise NotImplementedError(
            f'"repeat_interleave_cpu" not implemented for \'{scalar_type_name(repeats._data.dtype)}\'')
    if repeats._data.ndim > 1:
        raise RuntimeError("repeats must be 0-dim or 1-dim tensor")
    if repeats._data.size and repeats._data.min() < 0:
        raise RuntimeError("repeats can not be negative")
    return repeats._data.reshape(-1)


def _positions(counts: np.ndarray) -> Tensor:
    """``torch.repeat_interleave(counts)``: position i written counts[i] times."""
    return Tensor._wrap(np.repeat(np.arange(counts.size, dtype=counts.dtype), counts))


@tensor_method
def repeat_interleave(input: Tensor, repeats=None, dim: int | None = None, *, output_size: int | None = None):
    """Repeat each element (or each slice along ``dim``) ``repeats`` times in place, not as tiles.

    ``repeats`` is an int or a tensor with one count per slice; without ``dim`` the input
    is flattened first. ``torch.repeat_interleave(counts)`` alone gives the positions
    ``0, 1, ...`` each repeated its count.

    >>> import chainrule as torch
    >>> torch.tensor([1, 2]).repeat_interleave(2)
    tensor([1, 1, 2, 2])
    >>> torch.repeat_interleave(torch.tensor([[1, 2], [3, 4]]), torch.tensor([1, 2]), dim=0)
    tensor([[1, 2],
            [3, 4],
            [3, 4]])
    """
    if repeats is None:  # repeat_interleave(counts): the index form
        if input._data.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        counts = _repeats_tensor(input)
        return _check_output_size(_positions(counts), 0, output_size)
    if dim is None:
        input, d = reshape(input, (-1,)), 0
    else:
        d = _normalize_dim(int(dim), input._data.ndim, "repeat_interleave")
    if isinstance(repeats, Tensor):
        counts = _repeats_tensor(repeats)
        size = input._data.shape[d] if input._data.ndim else 1
        if counts.size == 1:
            counts = np.repeat(counts, size)
        elif counts.size != size:
            raise RuntimeError(f"repeats must have the same size as input along dim, but got repeats.size(0) = "
                               f"{counts.size} and input.size({d}) = {size}")
        return _check_output_size(index_select(input, d, _positions(counts).long()), d, output_size)
    if isinstance(repeats, bool) or not isinstance(repeats, (int, np.integer)):
        raise TypeError(f"repeat_interleave(): argument 'repeats' must be int or Tensor, not {type(repeats).__name__}")
    if repeats < 0:
        raise RuntimeError("Repeats must be non-negative")
    return _check_output_size(_repeat_each(input, int(repeats), d), d, output_size)


def _check_output_size(out: Tensor, dim: int, output_size: int | None) -> Tensor:
    if output_size is not None and out._data.shape[dim] != output_size:
        raise RuntimeError(
            f"repeat_interleave: Invalid output_size, expected {out._data.shape[dim]} but got {output_size}")
    return out

