"""Broadcasting made explicit: broadcast_to, broadcast_tensors, broadcast_shapes, meshgrid,
cartesian_prod and atleast_1d/2d/3d.

Broadcasting reads one number in many places without copying it: the result is a view
(``expand``) whose repeated dimensions have stride 0. Its derivative adds the gradient of
every place the number was read back into that number, which is the engine's
`unbroadcast`: `Expand`'s backward returns the gradient as it is.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from chainrule._tensor import Size, Tensor, register_function, tensor_method
from chainrule.ops.shape import Expand, _check_tensor_list, _expand_shape, _shape_arg, as_view, reshape, stack, unsqueeze

# ---------------------------------------------------------------------------------------
# shapes


def broadcast_shapes(*shapes) -> Size:
    """The shape that tensors of ``shapes`` broadcast to (an int is a 1-d shape).

    >>> import chainrule as torch
    >>> torch.broadcast_shapes((2, 1), (3,))
    torch.Size([2, 3])
    """
    shapes = [(int(s),) if isinstance(s, (int, np.integer)) else tuple(int(n) for n in s) for s in shapes]
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for index, shape in enumerate(shapes):
        for k in range(1, len(shape) + 1):
            size = shape[-k]
            if size < 0:
                raise ValueError("Attempting to broadcast a dimension with negative length!")
            if size == 1:
                continue
            if out[-k] != 1 and out[-k] != size:
                raise RuntimeError(
                    f"Attempting to broadcast a dimension of length {size} at {-k}! Mismatching argument at "
                    f"index {index} had {shape}; but expected shape should be broadcastable to {out}"
                )
            out[-k] = size
    return Size(out)


def _broadcast_pair(a: tuple, b: tuple) -> tuple:
    """Two shapes broadcast, with the message PyTorch gives when two tensors do not fit."""
    try:
        return tuple(np.broadcast_shapes(a, b))
    except ValueError:
        pass
    ndim = max(len(a), len(b))
    a, b = (1,) * (ndim - len(a)) + a, (1,) * (ndim - len(b)) + b
    i = next(i for i, (x, y) in enumerate(zip(a, b)) if x != y and x != 1 and y != 1)
    raise RuntimeError(
        f"The size of tensor a ({a[i]}) must match the size of tensor b ({b[i]}) at non-singleton dimension {i}"
    )


# ---------------------------------------------------------------------------------------
# broadcast_to, broadcast_tensors


class BroadcastTo(Expand):
    """``expand`` that always records a view, even to the same shape (as PyTorch's does)."""

    backward_name = "ExpandBackward0"

    def forward(self, x, shape):
        array = x._data
        lead = len(shape) - array.ndim
        if shape[lead:] == array.shape and all(n == 1 for n in shape[:lead]):
            return array.reshape(shape)  # nothing repeated: a plain (writable) view
        return np.broadcast_to(array, shape)


@tensor_method
def broadcast_to(input: Tensor, size: Sequence[int]) -> Tensor:
    """``input`` read as a tensor of shape ``size`` (a view; -1 keeps a size).

    >>> import chainrule as torch
    >>> torch.broadcast_to(torch.tensor([1, 2, 3]), (2, 3))
    tensor([[1, 2, 3],
            [1, 2, 3]])
    """
    shape = _expand_shape(input._data.shape, _shape_arg((size,)))
    return as_view(BroadcastTo.apply(input, shape=shape), input, lambda t: broadcast_to(t, shape))


@register_function
def broadcast_tensors(*tensors: Tensor) -> tuple:
    """The tensors broadcast to one shape; a tensor already of that shape comes back as itself.

    >>> import chainrule as torch
    >>> a, b = torch.broadcast_tensors(torch.zeros(2, 1), torch.zeros(3))
    >>> a.shape, b.shape
    (torch.Size([2, 3]), torch.Size([2, 3]))
    """
    tensors = _check_tensor_list(tensors, "broadcast_tensors")
    shape = tensors[0]._data.shape if tensors else ()
    for t in tensors[1:]:
        shape = _broadcast_pair(shape, t._data.shape)
    return tuple(t if t._data.shape == shape else broadcast_to(t, shape) for t in tensors)


# ---------------------------------------------------------------------------------------
# grids: meshgrid, cartesian_prod


def _tensor_args(tensors, op: str) -> list:
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return _check_tensor_list(tensors, op)


@register_function
def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: output k holds ``tensors[k]`` repeated along every other axis.

    ``indexing="ij"`` puts tensor k along axis k; ``"xy"`` swaps the first two axes
    (NumPy's and MATLAB's image convention). Each output is a view of its input.

    >>> import chainrule as torch
    >>> rows, cols = torch.meshgrid(torch.tensor([1, 2]), torch.tensor([7, 8, 9]), indexing="ij")
    >>> rows
    tensor([[1, 1, 1],
            [2, 2, 2]])
    """
    tensors = _tensor_args(tensors, "meshgrid")
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
                      "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f'torch.meshgrid: indexing must be one of "xy" or "ij", but received: {indexing}')
    if not tensors:
        raise RuntimeError("meshgrid expects a non-empty TensorList")
    for t in tensors:
        if t._data.ndim > 1:
            raise RuntimeError(
                f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list but got a tensor of shape {list(t.shape)}"
            )
        if t._data.dtype != tensors[0]._data.dtype:
            raise RuntimeError("meshgrid expects all tensors to have the same dtype")
    swap = indexing == "xy" and len(tensors) >= 2
    if swap:  # "xy" is "ij" with the first two tensors swapped (and their grids swapped back)
        tensors[0], tensors[1] = tensors[1], tensors[0]
    shape = tuple(t._data.size for t in tensors)
    grids = []
    for k, t in enumerate(tensors):
        along_k = tuple(n if i == k else 1 for i, n in enumerate(shape))
        grids.append(broadcast_to(reshape(t, along_k), shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


@register_function
def cartesian_prod(*tensors: Tensor) -> Tensor:
    """Every combination of one element from each 1-d tensor, one per row (``itertools.product``).

    >>> import chainrule as torch
    >>> torch.cartesian_prod(torch.tensor([1, 2]), torch.tensor([5, 6]))
    tensor([[1, 5],
            [1, 6],
            [2, 5],
            [2, 6]])
    """
    tensors = _check_tensor_list(tensors, "cartesian_prod")
    for t in tensors:
        if t._data.ndim != 1:
            raise RuntimeError(f"Expect a 1D vector, but got shape {list(t.shape)}")
    if len(tensors) == 1:
        return tensors[0]
    return stack([grid.flatten() for grid in meshgrid(*tensors, indexing="ij")], dim=1)


# ---------------------------------------------------------------------------------------
# atleast_1d, atleast_2d, atleast_3d


def _at_least(tensors: tuple, op: str, lift) -> Tensor | tuple:
    """``lift`` applied to one tensor, or to each of several (a tuple back, as PyTorch)."""
    if len(tensors) == 1 and isinstance(tensors[0], Tensor):
        return lift(tensors[0])
    return tuple(lift(t) for t in _tensor_args(tensors, op))


def _lift_1d(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t._data.ndim == 0 else t


def _lift_2d(t: Tensor) -> Tensor:
    ndim = t._data.ndim
    return reshape(t, (1, 1)) if ndim == 0 else unsqueeze(t, 0) if ndim == 1 else t


def _lift_3d(t: Tensor) -> Tensor:
    ndim = t._data.ndim
    if ndim == 0:
        return reshape(t, (1, 1, 1))
    if ndim == 1:
        return unsqueeze(unsqueeze(t, 0), -1)
    return unsqueeze(t, -1) if ndim == 2 else t


@register_function
def atleast_1d(*tensors) -> Tensor | tuple:
    """A 0-d tensor as shape (1,); others unchanged (several tensors give a tuple)."""
    return _at_least(tensors, "atleast_1d", _lift_1d)


@register_function
def atleast_2d(*tensors) -> Tensor | tuple:
    """0-d as (1, 1), 1-d (n,) as (1, n); tensors of 2 or more dims unchanged.

    >>> import chainrule as torch
    >>> torch.atleast_2d(torch.tensor([1, 2])).shape
    torch.Size([1, 2])
    """
    return _at_least(tensors, "atleast_2d", _lift_2d)


@register_function
def atleast_3d(*tensors) -> Tensor | tuple:
    """0-d as (1, 1, 1), (n,) as (1, n, 1), (m, n) as (m, n, 1), as ``numpy.atleast_3d``."""
    return _at_least(tensors, "atleast_3d", _lift_3d)
