"""Cutting a tensor into pieces at chosen places: tensor_split, hsplit, vsplit, dsplit.

Unlike ``split`` (one node with many outputs), each piece here is its own slice of the
input, as in PyTorch: a view (``SliceBackward0``) that shares the input's memory and
version counter, and whose gradient is written back into the sliced region.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from chainrule._tensor import Tensor, _normalize_dim, tensor_method


def _pieces(input: Tensor, d: int, bounds: list) -> tuple:
    """``input[start:stop]`` along ``d`` for each (start, stop) pair, with Python's slice rules."""
    lead = (slice(None),) * d
    return tuple(input[lead + (slice(start, stop),)] for start, stop in bounds)


def _section_bounds(size: int, sections: int) -> list:
    # The first size % sections pieces get one extra element.
    if sections <= 0:
        raise RuntimeError(f"number of sections must be larger than 0, got {sections}")
    small, extra = divmod(size, sections)
    bounds, start = [], 0
    for k in range(sections):
        stop = start + small + (k < extra)
        bounds.append((start, stop))
        start = stop
    return bounds


def _index_bounds(indices: Sequence[int]) -> list:
    starts = [0] + list(indices)
    return list(zip(starts, list(indices) + [None]))


def _indices_or_sections(value) -> int | list:
    """An int (sections) or a list (indices) from whatever tensor_split was given."""
    if isinstance(value, Tensor):
        if value._data.dtype != np.int64:
            from chainrule.ops.reduce import scalar_type_name

            raise RuntimeError("tensor_split expected tensor_indices_or_sections to have dtype of long, but got "
                               f"{scalar_type_name(value._data.dtype)}")
        if value._data.ndim > 1:
            raise RuntimeError("tensor_split expected tensor_indices_or_sections to be a zero-dimensional or "
                               f"one-dimensional tensor, but got a tensor with {value._data.ndim} dims")
        return int(value._data) if value._data.ndim == 0 else value._data.tolist()
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (list, tuple)) and all(isinstance(i, (int, np.integer)) for i in value):
        return [int(i) for i in value]
    raise TypeError(f"tensor_split(): argument 'indices_or_sections' must be an int, a sequence of ints or a "
                    f"Tensor, not {type(value).__name__}")


@tensor_method
def tensor_split(input: Tensor, indices_or_sections, dim: int = 0) -> tuple:
    """Cut along ``dim`` into ``n`` nearly equal pieces, or at the listed indices (views).

    An int ``n`` gives n pieces, the first ``size % n`` one element longer; a list
    ``[i, j]`` gives ``x[:i], x[i:j], x[j:]`` (indices past the end give empty pieces).

    >>> import chainrule as torch
    >>> [p.tolist() for p in torch.tensor_split(torch.arange(7), 3)]
    [[0, 1, 2], [3, 4], [5, 6]]
    >>> [p.tolist() for p in torch.arange(7).tensor_split([1, 5])]
    [[0], [1, 2, 3, 4], [5, 6]]
    """
    if input._data.ndim == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a tensor with 0 dims")
    d = _normalize_dim(int(dim), input._data.ndim, "tensor_split")
    how = _indices_or_sections(indices_or_sections)
    if isinstance(how, int):
        return _pieces(input, d, _section_bounds(input._data.shape[d], how))
    return _pieces(input, d, _index_bounds(how))


def _split_along(input: Tensor, indices_or_sections, dim: int, min_dims: int, op: str) -> tuple:
    """hsplit/vsplit/dsplit: tensor_split along ``dim``, but an int must divide the size evenly."""
    ndim = input._data.ndim
    if ndim < min_dims:
        raise RuntimeError(
            f"torch.{op} requires a tensor with at least {min_dims} dimension, but got a tensor with {ndim} "
            f"dimensions!"
        )
    if isinstance(indices_or_sections, (int, np.integer)):
        size = input._data.shape[dim]
        if indices_or_sections == 0 or size % indices_or_sections:
            raise RuntimeError(
                f"torch.{op} attempted to split along dimension {dim}, but the size of the dimension {size} is not "
                f"divisible by the split_size {indices_or_sections}!"
            )
    return tensor_split(input, indices_or_sections, dim)


@tensor_method
def hsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split column-wise: along dim 1 (dim 0 for a 1-d tensor), as ``numpy.hsplit``."""
    return _split_along(input, indices_or_sections, 1 if input._data.ndim > 1 else 0, 1, "hsplit")


@tensor_method
def vsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split row-wise: along dim 0 of a tensor of at least 2 dimensions.

    >>> import chainrule as torch
    >>> top, bottom = torch.arange(4).reshape(2, 2).vsplit(2)
    >>> top
    tensor([[0, 1]])
    """
    return _split_along(input, indices_or_sections, 0, 2, "vsplit")


@tensor_method
def dsplit(input: Tensor, indices_or_sections) -> tuple:
    """Split depth-wise: along dim 2 of a tensor of at least 3 dimensions."""
    return _split_along(input, indices_or_sections, 2, 3, "dsplit")
