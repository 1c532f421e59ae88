"""Triangles and diagonals of matrices: tril, triu (and tril_, triu_), diagonal, diag,
diag_embed, trace, tril_indices and triu_indices.

Each derivative puts the gradient back where the values came from: ``tril`` keeps the
lower triangle of the gradient, ``diagonal`` writes it onto the diagonal of zeros
(`DiagonalScatter`), and ``diag_embed`` reads it off the diagonal again. As in PyTorch,
``diagonal`` is a view (writes through it reach the matrix); ``diag`` of a matrix copies.
"""

from __future__ import annotations

import numpy as np

from chainrule import dtypes
from chainrule.autograd.node import Op
from chainrule.ops.inplace import _inplace
from chainrule.ops.shape import as_view
from chainrule._tensor import Tensor, _normalize_dim, register_function, tensor_method

# ---------------------------------------------------------------------------------------
# tril, triu


class Tril(Op):
    """The lower triangle (at or below diagonal ``diagonal``); the gradient keeps the same part."""

    numpy_function = staticmethod(np.tril)

    def forward(self, x, diagonal):
        self.diagonal = diagonal
        return type(self).numpy_function(x._data, diagonal)

    def backward(self, grad):
        return type(self).apply(grad, diagonal=self.diagonal)


class Triu(Tril):
    numpy_function = staticmethod(np.triu)


def _triangle(op_class, input: Tensor, diagonal: int, name: str) -> Tensor:
    if input._data.ndim < 2:
        raise RuntimeError(f"{name}: input tensor must have at least 2 dimensions")
    return op_class.apply(input, diagonal=int(diagonal))


@tensor_method
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dimensions: zeros above diagonal ``diagonal``.

    >>> import chainrule as torch
    >>> torch.ones(2, 3).tril()
    tensor([[1., 0., 0.],
            [1., 1., 0.]])
    """
    return _triangle(Tril, input, diagonal, "tril")


@tensor_method
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dimensions: zeros below diagonal ``diagonal``."""
    return _triangle(Triu, input, diagonal, "triu")


Tensor.tril_ = _inplace("tril_", tril)
Tensor.triu_ = _inplace("triu_", triu)


# ---------------------------------------------------------------------------------------
# diagonal (a view), and writing onto a diagonal


def diagonal_array(a: np.ndarray, offset: int, axis1: int, axis2: int) -> np.ndarray:
    """``np.diagonal`` (the diagonal as the last axis), writable when ``a`` is: a view of ``a``."""
    view = np.diagonal(a, offset, axis1, axis2)
    if a.flags.writeable:
        view.flags.writeable = True  # NumPy hands it out read-only, for a legacy reason
    return view


class Diagonal(Op):
    def forward(self, x, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2, self.input_shape = offset, axis1, axis2, x._data.shape
        return diagonal_array(x._data, offset, axis1, axis2)

    def backward(self, grad):
        return DiagonalScatter.apply(grad, shape=self.input_shape, offset=self.offset, axis1=self.axis1,
                                     axis2=self.axis2)


class DiagonalCopy(Diagonal):
    """``diag(matrix)``: the diagonal copied out (PyTorch's node is ``DiagonalBackward0_copy``)."""

    backward_name = "DiagonalBackward0_copy"

    def forward(self, x, offset, axis1, axis2):
        return super().forward(x, offset, axis1, axis2).copy()


class DiagonalScatter(Op):
    """Zeros of ``shape`` with ``values`` (along their last axis) written on a diagonal."""

    def forward(self, values, shape, offset, axis1, axis2):
        self.offset, self.axis1, self.axis2 = offset, axis1, axis2
        out = np.zeros(shape, dtype=values._data.dtype)
        diagonal_array(out, offset, axis1, axis2)[...] = values._data
        return out

    def backward(self, grad):
        return diagonal(grad, self.offset, self.axis1, self.axis2)


class DiagEmbed(DiagonalScatter):
    pass


def _two_dims(dim1: int, dim2: int, ndim: int, op: str) -> tuple:
    d1, d2 = _normalize_dim(int(dim1), ndim, op), _normalize_dim(int(dim2), ndim, op)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return d1, d2


@tensor_method
def diagonal(input: Tensor, offset: int = 0, dim1: int = 0, dim2: int = 1) -> Tensor:
    """The diagonal of the matrices in dims ``dim1``, ``dim2`` (above it for ``offset > 0``),
    as the last dimension; a view, so writing into it writes into ``input``.

    >>> import chainrule as torch
    >>> torch.arange(9.0).reshape(3, 3).diagonal(1)
    tensor([1., 5.])
    """
    d1, d2 = _two_dims(dim1, dim2, input._data.ndim, "diagonal")
    out = Diagonal.apply(input, offset=int(offset), axis1=d1, axis2=d2)
    return as_view(out, input, lambda t: diagonal(t, offset, d1, d2))


@tensor_method
def diag_embed(input: Tensor, offset: int = 0, dim1: int = -2, dim2: int = -1) -> Tensor:
    """Matrices (in dims ``dim1``, ``dim2`` of the result) with the last dimension of ``input``
    on their diagonal ``offset`` and zeros elsewhere: the inverse of `diagonal`.

    >>> import chainrule as torch
    >>> torch.diag_embed(torch.tensor([1.0, 2.0]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    ndim = input._data.ndim + 1
    d1, d2 = _two_dims(dim1, dim2, ndim, "diag_embed")
    size = input._data.shape[-1] + abs(int(offset))
    shape = list(input._data.shape[:-1])
    for d in sorted((d1, d2)):
        shape.insert(d, size)
    return DiagEmbed.apply(input, shape=tuple(shape), offset=int(offset), axis1=d1, axis2=d2)


@tensor_method
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector becomes a square matrix with it on diagonal ``diagonal``; a matrix gives
    (a copy of) its diagonal ``diagonal``.

    >>> import chainrule as torch
    >>> torch.diag(torch.tensor([[1.0, 2.0], [3.0, 4.0]]))
    tensor([1., 4.])
    """
    ndim = input._data.ndim
    if ndim == 1:
        return diag_embed(input, diagonal, 0, 1)
    if ndim == 2:
        return DiagonalCopy.apply(input, offset=int(diagonal), axis1=0, axis2=1)
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")


# ---------------------------------------------------------------------------------------
# trace


class Trace(Op):
    """The sum of a matrix's diagonal; the gradient is ``grad`` on the diagonal, zeros elsewhere."""

    def forward(self, x):
        self.input_shape = x._data.shape
        return np.trace(x._data, dtype=np.int64 if x._data.dtype.kind in "biu" else None)

    def backward(self, grad):
        length = min(self.input_shape)
        return DiagonalScatter.apply(grad.expand(length), shape=self.input_shape, offset=0, axis1=0, axis2=1)


@tensor_method
def trace(input: Tensor) -> Tensor:
    """The sum of the diagonal of a matrix (int tensors give int64).

    >>> import chainrule as torch
    >>> torch.arange(9.0).reshape(3, 3).trace()
    tensor(12.)
    """
    if input._data.ndim != 2:
        raise RuntimeError(f"trace: expected a matrix, but got tensor with dim {input._data.ndim}")
    return Trace.apply(input)


# ---------------------------------------------------------------------------------------
# tril_indices, triu_indices


def _triangle_indices(numpy_function, row: int, col: int, offset: int, dtype) -> Tensor:
    if row < 0:
        raise RuntimeError(f"row must be non-negative, got{row}")  # (sic: PyTorch's message has no space)
    if col < 0:
        raise RuntimeError(f"col must be non-negative, got{col}")
    rows, cols = numpy_function(row, offset, col)
    return Tensor._wrap(np.stack([rows, cols]).astype(dtypes.as_dtype(dtype).numpy).reshape(2, -1))


@register_function
def tril_indices(row: int, col: int, offset: int = 0, *, dtype=dtypes.int64, device=None, layout=None) -> Tensor:
    """The (row, column) coordinates of the lower triangle of a ``row`` x ``col`` matrix, as a 2 x N tensor.

    >>> import chainrule as torch
    >>> torch.tril_indices(3, 3)
    tensor([[0, 1, 1, 2, 2, 2],
            [0, 0, 1, 0, 1, 2]])
    """
    return _triangle_indices(np.tril_indices, row, col, offset, dtype)


@register_function
def triu_indices(row: int, col: int, offset: int = 0, *, dtype=dtypes.int64, device=None, layout=None) -> Tensor:
    """The (row, column) coordinates of the upper triangle of a ``row`` x ``col`` matrix, as a 2 x N tensor."""
    return _triangle_indices(np.triu_indices, row, col, offset, dtype)
