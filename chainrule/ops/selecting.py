"""Reading and writing elements chosen by index tensors: take, take_along_dim, index_fill,
index_copy, masked_scatter and put (with their in-place forms ``index_fill_``, ...).

Reading: the gradient goes back to the positions read (added up where one is read twice).
Writing: the overwritten positions of the input get no gradient; the written values get
the gradient of the positions they landed in.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, _normalize_dim, tensor_method
from chainrule.ops.index import IndexAddInto, check_range, gather, index_select, masked_select
from chainrule.ops.inplace import _inplace
from chainrule.ops.reduce import scalar_type_name
from chainrule.ops.shape import _expand_shape, cat, reshape

# ---------------------------------------------------------------------------------------
# checks shared by the ops


def _long_index(index, op: str) -> Tensor:
    """``index`` must be an int64 tensor (these ops refuse int32, as PyTorch's do)."""
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{op}(): Expected a long tensor for index, but got {scalar_type_name(index._data.dtype)}")
    return index


def _check_flat_range(index: np.ndarray, numel: int, op: str) -> None:
    """A flat index into ``numel`` elements: PyTorch's take/put message for the first bad one."""
    if index.size and numel == 0:
        raise IndexError(f"{op}(): tried to take from an empty tensor")
    bad = index[(index < -numel) | (index >= numel)]
    if bad.size:
        raise IndexError(f"out of range: tried to access index {int(bad[0])} on a tensor of {numel} elements.")


def _same_dtype(self: Tensor, source: Tensor, message: str) -> None:
    if source._data.dtype != self._data.dtype:
        first, second = scalar_type_name(self._data.dtype), scalar_type_name(source._data.dtype)
        raise RuntimeError(message.format(first, second))


def _slots(array: np.ndarray) -> np.ndarray:
    """A 0-d tensor written along "dim 0" is one slot: a (1,) view of it."""
    return array.reshape(1) if array.ndim == 0 else array


# ---------------------------------------------------------------------------------------
# take, take_along_dim


class Take(Op):
    """Elements of the flattened input at flat positions ``index``, in ``index``'s shape."""

    def forward(self, x, index):
        self.save_for_backward(index)
        self.input_shape = x._data.shape
        return x._data.reshape(-1)[index._data]

    def backward(self, grad):
        (index,) = self.saved_tensors
        flat = IndexAddInto.apply(grad, key=(index._data,), shape=(int(np.prod(self.input_shape)),))
        return reshape(flat, self.input_shape)


@tensor_method
def take(input: Tensor, index: Tensor) -> Tensor:
    """The input read as one flat row, at positions ``index`` (result shaped like ``index``).

    >>> import chainrule as torch
    >>> torch.take(torch.tensor([[4, 3], [5, 6]]), torch.tensor([0, 3, -1]))
    tensor([4, 6, 6])
    """
    index = _long_index(index, "take")
    _check_flat_range(index._data, input._data.size, "take")
    return Take.apply(input, index=index)


@tensor_method
def take_along_dim(input: Tensor, indices: Tensor, dim: int | None = None) -> Tensor:
    """``gather`` with broadcasting: pick along ``dim`` by ``indices`` (flat when ``dim`` is None).

    Input and indices broadcast against each other except along ``dim``, and indices wrap
    around modulo the size of ``dim`` (so -1 is the last), as in PyTorch.

    >>> import chainrule as torch
    >>> x = torch.tensor([[10, 30, 20], [60, 40, 50]])
    >>> torch.take_along_dim(x, x.argmax(dim=1, keepdim=True), dim=1)
    tensor([[30],
            [60]])
    """
    if indices._data.dtype.kind not in "iu" or (dim is not None and indices._data.dtype != np.int64):
        raise RuntimeError(
            f"torch.take_along_dim(): dtype of indices should be Long but got {scalar_type_name(indices._data.dtype)}")
    if dim is None:  # flat positions (int32 ones too, as in PyTorch)
        return gather(reshape(input, (-1,)), 0, reshape(indices, (-1,)))
    if input._data.ndim != indices._data.ndim:
        raise RuntimeError(
            f"torch.take_along_dim(): input and indices should have the same number of dimensions, but got "
            f"{input._data.ndim} dimensions for input, and {indices._data.ndim} dimensions for indices")
    from chainrule.ops.broadcasting import _broadcast_pair, broadcast_to

    d = _normalize_dim(int(dim), input._data.ndim, "take_along_dim")
    # Both broadcast against each other except along dim, where each keeps its own size.
    sizes = list(input._data.shape)
    sizes[d] = indices._data.shape[d]
    index = np.broadcast_to(indices._data, _broadcast_pair(tuple(sizes), indices._data.shape))
    sizes = list(indices._data.shape)
    sizes[d] = input._data.shape[d]
    input_shape = _broadcast_pair(tuple(sizes), input._data.shape)
    size = input_shape[d]
    if index.size and size == 0:
        raise RuntimeError("ZeroDivisionError")  # PyTorch wraps indices with % size
    wrapped = Tensor._wrap((index % size if size else index).astype(np.int64))
    if input._data.shape != input_shape:
        input = broadcast_to(input, input_shape)
    return gather(input, d, wrapped)


# ---------------------------------------------------------------------------------------
# index_fill, index_copy: whole slices along one dim


def _vector_index(index: Tensor, op: str) -> Tensor:
    if index._data.ndim > 1:
        raise RuntimeError("Index has to be a vector/scalar") if op == "index_fill" else IndexError(
            f"index_copy_(): Index should have dimension 1 or 0 (got {index._data.ndim})")
    return index


def _along(dim: int, index: np.ndarray) -> tuple:
    return (slice(None),) * dim + (index.reshape(-1),)


class IndexFill(Op):
    """``value`` written into the slices at ``index`` along ``dim``; the rest is the input."""

    def forward(self, x, value, index, dim, with_tensor):
        self.save_for_backward(index)
        self.dim, self.with_tensor = dim, with_tensor
        out = x._data.copy()
        _slots(out)[_along(dim, index._data)] = value._data
        return out

    def backward(self, grad):
        (index,) = self.saved_tensors
        filled = index_fill(grad, self.dim, index, 0)
        if not self.with_tensor:
            return filled, None
        # The value lands once in each filled slice, however often the index names it.
        unique = Tensor._wrap(np.unique(index._data % _slots(grad._data).shape[self.dim]))
        return filled, index_select(_as_slots(grad), self.dim, unique).sum()

    def name(self) -> str:
        return "IndexFillBackward1" if self.with_tensor else "IndexFillBackward0"


def _as_slots(t: Tensor) -> Tensor:
    return reshape(t, (1,)) if t._data.ndim == 0 else t


@tensor_method
def index_fill(input: Tensor, dim: int, index: Tensor, value) -> Tensor:
    """``input`` with the slices at ``index`` along ``dim`` set to ``value`` (a number or a 0-d tensor).

    >>> import chainrule as torch
    >>> torch.zeros(2, 3).index_fill(1, torch.tensor([0, 2]), -1.0)
    tensor([[-1.,  0., -1.],
            [-1.,  0., -1.]])
    """
    if not isinstance(index, Tensor) or index._data.dtype != np.int64:
        raise IndexError("index_fill_(): Expected dtype int64 for index.")
    index = _vector_index(index, "index_fill")
    d = _normalize_dim(int(dim), input._data.ndim, "index_fill")
    check_range(index._data, _slots(input._data).shape[d], d, IndexError)
    with_tensor = isinstance(value, Tensor)
    if with_tensor:
        if value._data.ndim:
            raise RuntimeError("index_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                               f"{value._data.ndim} dimension(s).")
        if value._data.dtype != input._data.dtype and not value._requires_grad:
            value = Tensor._wrap(value._data.astype(input._data.dtype))
        elif value._data.dtype != input._data.dtype:
            value = value.to(input.dtype)
    else:
        value = Tensor._wrap(np.asarray(value).astype(input._data.dtype))
    return IndexFill.apply(input, value, index=index, dim=d, with_tensor=with_tensor)


class IndexCopy(Op):
    """``source``'s slices written at ``index`` along ``dim``; the rest is the input."""

    def forward(self, x, source, index, dim):
        self.save_for_backward(index)
        self.dim = dim
        out = x._data.copy()
        _slots(out)[_along(dim, index._data)] = _slots(source._data)
        return out

    def backward(self, grad):
        (index,) = self.saved_tensors
        return index_fill(grad, self.dim, index, 0), index_select(grad, self.dim, index.reshape(-1))


@tensor_method
def index_copy(input: Tensor, dim: int, index: Tensor, source: Tensor) -> Tensor:
    """``input`` with slice ``index[i]`` along ``dim`` replaced by slice i of ``source``.

    >>> import chainrule as torch
    >>> torch.zeros(2, 3).index_copy(1, torch.tensor([2, 0]), torch.tensor([[1., 2.], [3., 4.]]))
    tensor([[2., 0., 1.],
            [4., 0., 3.]])
    """
    index = _vector_index(_long_index(index, "index_copy_"), "index_copy")
    shape, src_shape = input._data.shape, source._data.shape
    d = _normalize_dim(int(dim), len(shape), "index_copy")
    if shape and src_shape and len(shape) != len(src_shape):
        raise IndexError("index_copy_(): When source and destination are not scalars, their dimensionality must "
                         f"match. Source dimensionality ({len(src_shape)}), destination dimensionality ({len(shape)})")
    count = src_shape[d] if src_shape else 1
    if index._data.size != count:
        raise IndexError(f"index_copy_(): Number of indices ({index._data.size}) should be equal to "
                         f"source.size(dim) ({count})")
    if shape and src_shape and shape[:d] + shape[d + 1:] != src_shape[:d] + src_shape[d + 1:]:
        sliced = " ".join(str(n) for n in shape[:d] + shape[d + 1:])
        source_sliced = " ".join(str(n) for n in src_shape[:d] + src_shape[d + 1:])
        raise RuntimeError(f"index_copy_(): Source/destination tensor must have same slice shapes. Destination slice "
                           f"shape: {sliced} at dimension {d} and source slice shape: {source_sliced} at dimension 0.")
    check_range(index._data, _slots(input._data).shape[d], d, IndexError, "index_copy_(): ")
    _same_dtype(input, source, "index_copy_(): self and source expected to have the same dtype, but got (self) {} "
                               "and (source) {}")
    return IndexCopy.apply(input, source, index=index, dim=d)


# ---------------------------------------------------------------------------------------
# masked_scatter, put: values written in order


class MaskedScatter(Op):
    """The first ``mask.sum()`` elements of ``source`` (in order) written where ``mask`` is True."""

    def forward(self, x, source, mask):
        self.mask, self.source_shape = mask, source._data.shape
        out = x._data.copy()
        count = int(mask.sum())
        out[mask] = source._data.reshape(-1)[:count]
        return out

    def backward(self, grad):
        mask = Tensor._wrap(self.mask)
        picked = masked_select(grad, mask)
        missing = int(np.prod(self.source_shape)) - picked._data.size
        padded = cat([picked, Tensor._wrap(np.zeros(missing, dtype=grad._data.dtype))]) if missing else picked
        return grad.masked_fill(mask, 0), reshape(padded, self.source_shape)


@tensor_method
def masked_scatter(input: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """``input`` with ``source``'s elements, in order, written where ``mask`` (broadcast) is True.

    >>> import chainrule as torch
    >>> torch.zeros(4).masked_scatter(torch.tensor([True, False, True, False]), torch.tensor([7., 8., 9.]))
    tensor([7., 0., 8., 0.])
    """
    if mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"masked_scatter_ only supports boolean masks, but got mask with dtype {scalar_type_name(mask._data.dtype)}")
    _same_dtype(input, source, "masked_scatter: expected self and source to have same dtypes but got{} and {}")
    from chainrule.ops.broadcasting import _broadcast_pair, broadcast_to

    shape = _broadcast_pair(input._data.shape, mask._data.shape)
    full_mask = np.broadcast_to(mask._data, shape)
    if int(full_mask.sum()) > source._data.size:
        raise RuntimeError("Number of elements of source < number of ones in mask")
    if input._data.shape != shape:
        input = broadcast_to(input, shape)
    return MaskedScatter.apply(input, source, mask=full_mask)


class Put(Op):
    """``source`` written (or added, with ``accumulate``) at flat positions ``index`` of the input."""

    def forward(self, x, source, index, accumulate):
        self.save_for_backward(index)
        self.accumulate, self.source_shape = accumulate, source._data.shape
        out = x._data.copy()
        flat = out.reshape(-1)  # a view: out is a fresh contiguous copy
        if accumulate:
            np.add.at(flat, index._data.reshape(-1), source._data.reshape(-1))
        else:
            flat[index._data.reshape(-1)] = source._data.reshape(-1)
        return out

    def backward(self, grad):
        (index,) = self.saved_tensors
        zeros = Tensor._wrap(np.zeros(self.source_shape, dtype=grad._data.dtype))
        grad_input = grad if self.accumulate else put(grad, index, zeros)
        return grad_input, reshape(take(grad, index), self.source_shape)


@tensor_method
def put(input: Tensor, index: Tensor, source: Tensor, accumulate: bool = False) -> Tensor:
    """``input`` with ``source`` written at flat positions ``index`` (added up with ``accumulate``).

    >>> import chainrule as torch
    >>> torch.zeros(2, 2).put(torch.tensor([0, 3]), torch.tensor([1., 2.]))
    tensor([[1., 0.],
            [0., 2.]])
    """
    index = _long_index(index, "put_")
    if index._data.size != source._data.size:
        raise IndexError("put_(): Expected source and index to have the same number of elements, but got "
                         f"source.numel() = {source._data.size}, index.numel() = {index._data.size}")
    _same_dtype(input, source, "put_(): self and source expected to have the same dtype, but got self.dtype = {} "
                               "and source.dtype = {}")
    _check_flat_range(index._data, input._data.size, "put_")
    return Put.apply(input, source, index=index, accumulate=bool(accumulate))


# ---------------------------------------------------------------------------------------
# in place: computed out of place, then written back (chainrule.ops.inplace)

Tensor.index_fill_ = _inplace("index_fill_", index_fill)
Tensor.index_copy_ = _inplace("index_copy_", index_copy)
Tensor.put_ = _inplace("put_", put)
_masked_scatter_into = _inplace("masked_scatter_", masked_scatter)


def masked_scatter_(self: Tensor, mask: Tensor, source: Tensor) -> Tensor:
    """In place, ``mask`` must broadcast to this tensor's shape (the tensor itself cannot grow)."""
    _expand_shape(mask._data.shape, self._data.shape)
    return _masked_scatter_into(self, mask, source)


Tensor.masked_scatter_ = masked_scatter_
