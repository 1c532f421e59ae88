"""Indexing: ``x[i]``, ``x[1:3, None, ...]``, ``x[mask]``, ``x[[0, 2, 0]]``, ``x[k] = v``,
and the gather/scatter family.

The derivative of reading ``x[key]`` is the upstream gradient written back at ``key`` into
zeros of ``x``'s shape. Where an integer-array index repeats a position, the gradients
add up there (``np.add.at``), because that element was used more than once.

Basic indices (ints, slices, None, ...) give views that share ``x``'s memory, as in
PyTorch; advanced ones (integer arrays, boolean masks) give copies. Keys are checked
before NumPy sees them, so errors read as PyTorch's: negative slice steps are refused,
and an index out of range names the dimension and its size.
"""

from __future__ import annotations

import numbers

import numpy as np

from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, _normalize_dim, tensor_method
from chainrule.ops.shape import as_view

_VALID_INDICES = (
    "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are valid indices"
)

# ---------------------------------------------------------------------------------------
# keys: from what the user wrote to a checked NumPy key


def _index_part(part):
    """One element of a key as NumPy should see it (ints stay ints, tensors become arrays)."""
    if isinstance(part, (bool, np.bool_)) or part is None or part is Ellipsis:
        return part
    if isinstance(part, (int, np.integer)):
        return int(part)
    if isinstance(part, slice):
        step = part.step
        if step is not None:
            step = int(step)
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
        return part
    if isinstance(part, Tensor):
        part = part._data
    elif isinstance(part, (list, tuple)):
        part = np.asarray(part) if len(part) else np.empty(0, dtype=np.int64)
    if isinstance(part, np.ndarray):
        if part.dtype == np.bool_:
            return part
        if part.dtype.kind in "iu":
            return int(part) if part.ndim == 0 else part.astype(np.int64, copy=False)
        raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    raise IndexError(f"{_VALID_INDICES} (got {type(part).__name__})")


def _as_parts(key) -> tuple:
    if isinstance(key, tuple):
        return key
    # PyTorch still reads a short list holding slices, None, ... or sequences as a tuple
    # (x[[0, slice(None)]] is x[0, :]); any other list is one integer or boolean index.
    if isinstance(key, list) and len(key) < 32 and any(
        isinstance(k, (Tensor, list, tuple, slice, np.ndarray)) or k is None or k is Ellipsis for k in key
    ):
        return tuple(key)
    return (key,)


def _consumed(part) -> int:
    """How many dimensions of the tensor an index element uses up."""
    if part is None or part is Ellipsis or isinstance(part, (bool, np.bool_)):
        return 0
    if isinstance(part, np.ndarray) and part.dtype == np.bool_:
        return part.ndim
    return 1


def normalize_key(key, shape: tuple, check_ranges: bool = True) -> tuple[tuple, bool]:
    """``(numpy_key, is_basic)`` for ``key`` on a tensor of ``shape``, with PyTorch's checks.

    ``check_ranges=False`` skips scanning integer-array indices for out-of-range entries
    (NumPy refuses them anyway; the caller then asks again with checks for PyTorch's message).
    """
    if type(key) is int and shape and -shape[0] <= key < shape[0]:
        return (key,), True  # the commonest key, x[i], checked in one line
    if type(key) is tuple and not check_ranges and _all_long_tensors(key, len(shape)):
        return tuple(p._data for p in key), False  # logp[rows, labels]: NumPy checks the ranges
    parts = tuple(_index_part(p) for p in _as_parts(key))
    ndim = len(shape)
    used = sum(_consumed(p) for p in parts)
    if used > ndim:
        if ndim == 0:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or `tensor.item<T>()` in "
                "C++ to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    basic = True
    dim = 0
    for p in parts:
        if p is Ellipsis:
            dim += ndim - used
            continue
        if isinstance(p, int) and not isinstance(p, bool):
            if not -shape[dim] <= p < shape[dim]:
                raise IndexError(f"index {p} is out of bounds for dimension {dim} with size {shape[dim]}")
        elif isinstance(p, np.ndarray):
            basic = False
            if p.dtype == np.bool_:
                _check_mask(p, shape, dim)
            elif check_ranges:
                check_range(p, shape[dim], dim, IndexError)
        elif isinstance(p, (bool, np.bool_)):
            basic = False
        dim += _consumed(p)
    return parts, basic


def _all_long_tensors(key: tuple, ndim: int) -> bool:
    """Is ``key`` 1 to ``ndim`` int64 tensors of at least one dimension (nothing to convert)?"""
    if not key or len(key) > ndim:
        return False
    for p in key:
        if type(p) is not Tensor or p._data.dtype != np.int64 or not p._data.ndim:
            return False
    return True


def check_range(index: np.ndarray, size: int, dim: int, error: type, op: str = "") -> None:
    """Every entry of an integer index must lie in [-size, size): name the first offender."""
    if not index.size:
        return
    low, high = int(index.min()), int(index.max())
    if low < -size or high >= size:
        bad = low if low < -size else high
        raise error(f"{op}index {bad} is out of bounds for dimension {dim} with size {size}")


def _check_mask(mask: np.ndarray, shape: tuple, dim: int) -> None:
    for j, size in enumerate(mask.shape):
        if size != shape[dim + j]:
            raise IndexError(
                f"The shape of the mask {list(mask.shape)} at index {j} does not match the shape of the "
                f"indexed tensor {list(shape)} at index {dim + j}"
            )


def _basic_view_key(parts: tuple) -> tuple:
    # A trailing ... keeps NumPy from turning a full integer index into a scalar copy:
    # x[0, 1] must stay a 0-d view of x's memory.
    return parts if any(p is Ellipsis for p in parts) else parts + (Ellipsis,)


def _is_whole(part) -> bool:
    return part is Ellipsis or (isinstance(part, slice) and part == slice(None))


def _basic_name(parts: tuple) -> str:
    """PyTorch applies a basic key element by element; the node shown is the last step's.

    A lone ``:`` is a slice, but next to other elements PyTorch skips a ``:`` as a no-op.
    """
    if len(parts) == 1 and isinstance(parts[0], slice):
        return "SliceBackward0"
    for p in reversed(parts):
        if _is_whole(p):
            continue
        if p is None:
            return "UnsqueezeBackward0"
        return "SliceBackward0" if isinstance(p, slice) else "SelectBackward0"
    return "AliasBackward0"


def _has_repeats(parts: tuple) -> bool:
    """Can an advanced key name one element twice? (Boolean masks never do.)"""
    return any(isinstance(p, np.ndarray) and p.dtype != np.bool_ for p in parts)


# ---------------------------------------------------------------------------------------
# reading: x[key]


class Index(Op):
    def forward(self, x, key, basic):
        self.key, self.basic, self.input_shape = key, basic, x._data.shape
        return x._data[_basic_view_key(key) if basic else key]

    def backward(self, grad):
        return IndexAddInto.apply(grad, key=self.key, shape=self.input_shape)

    def name(self) -> str:
        return _basic_name(self.key) if self.basic else "IndexBackward0"


class IndexAddInto(Op):
    """zeros(shape) with ``values`` added at ``key``: the derivative of `Index`."""

    def forward(self, values, key, shape):
        self.key = key
        out = np.zeros(shape, dtype=values._data.dtype)
        if _has_repeats(key):
            np.add.at(out, key, values._data)  # a repeated index collects every gradient
        else:
            out[key] = values._data
        return out

    def backward(self, grad):
        return grad[self.key]


def getitem(self: Tensor, key) -> Tensor:
    """``x[key]`` with PyTorch's rules; basic keys give a view of ``x``'s memory.

    >>> import chainrule as torch
    >>> x = torch.arange(6.0).reshape(2, 3)
    >>> x[1, ::2], x[x > 3], x[[0, 0], [2, 2]]
    (tensor([3., 5.]), tensor([4., 5.]), tensor([2., 2.]))
    """
    parts, basic = normalize_key(key, self._data.shape, check_ranges=False)
    try:
        out = Index.apply(self, key=parts, basic=basic)
    except IndexError:
        normalize_key(key, self._data.shape)  # raises PyTorch's message naming the bad index
        raise
    if basic:
        as_view(out, self, lambda t: getitem(t, parts))
    return out


# ---------------------------------------------------------------------------------------
# writing: x[key] = value


class IndexPut(Op):
    """``x[key] = v`` for an advanced key, recorded out of place: x's gradient is zero at key."""

    def forward(self, x, values, key):
        self.key = key
        out = x._data.copy()
        out[key] = values._data
        return out

    def backward(self, grad):
        mask = np.ones(grad._data.shape, dtype=grad._data.dtype)
        mask[self.key] = 0
        return grad * Tensor._wrap(mask), grad[self.key]


def fit_value(value, target_shape: tuple, dtype) -> Tensor:
    """``value`` as a tensor of ``dtype`` broadcast to ``target_shape`` (PyTorch's errors)."""
    from chainrule.ops._operands import cast

    if not isinstance(value, Tensor):
        if not isinstance(value, (numbers.Number, np.ndarray, np.generic, list, tuple)):
            raise TypeError(f"can't assign a {type(value).__name__} to a {dtype.name} tensor")
        value = Tensor._wrap(np.asarray(value, dtype=dtype.numpy))
    if value._requires_grad and not dtype.is_floating_point:
        value = value.detach()  # an integer tensor cannot carry a gradient
    value = cast(value, dtype)
    shape = value._data.shape
    # PyTorch drops leading size-1 dims that the target does not have: x[0] = ones(1, 3).
    lead = 0
    while len(shape) - lead > len(target_shape) and shape[lead] == 1:
        lead += 1
    if lead:
        value = value.reshape(shape[lead:])
    return value.expand(target_shape)


def _target_shape(shape: tuple, parts: tuple, basic: bool) -> tuple:
    # The shape of x[key] without reading x: index a zero-strided stand-in.
    stand_in = np.broadcast_to(np.empty((), dtype=np.bool_), shape)
    return stand_in[_basic_view_key(parts) if basic else parts].shape


def setitem(self: Tensor, key, value) -> None:
    """``x[key] = value``: an in-place write that autograd records (as PyTorch's copy_/index_put_)."""
    from chainrule.ops import inplace

    parts, basic = normalize_key(key, self._data.shape)
    if basic and all(_is_whole(p) for p in parts):
        self.copy_(fit_value(value, self._data.shape, self.dtype))  # x[...] = v writes all of x
        return
    if basic:
        # As PyTorch: take the view x[key] and copy into it (CopySlices rewrites x's history).
        getitem(self, parts).copy_(fit_value(value, _target_shape(self._data.shape, parts, True), self.dtype))
        return
    values = fit_value(value, _target_shape(self._data.shape, parts, False), self.dtype)
    needs_graph = grad_mode._grad_enabled.get() and (self._requires_grad or values._requires_grad)
    inplace.before_inplace_write(self, needs_graph)
    if needs_graph:
        inplace.rebase_inplace(self, lambda old: IndexPut.apply(old, values, key=parts))
        return
    self._data[parts] = values._data
    self._bump_version()


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem


# ---------------------------------------------------------------------------------------
# gather, scatter, scatter_add, index_select: indices along one dimension


def _index_tensor(index, op: str, wanted: str = "int32/int64") -> Tensor:
    if not isinstance(index, Tensor):
        raise TypeError(f"{op}(): argument 'index' must be Tensor, not {type(index).__name__}")
    if index._data.dtype.kind not in "iu":
        raise RuntimeError(f"{op}(): Expected dtype {wanted} for index")
    return index


def _along_dim_key(index: np.ndarray, dim: int) -> tuple:
    """The full NumPy key that puts ``index`` along ``dim`` and counts along the other dims."""
    key = list(np.ogrid[tuple(slice(n) for n in index.shape)])
    key[dim] = index
    return tuple(key)


def _check_along_dim(op: str, input: Tensor, dim: int, index: Tensor, other: Tensor | None = None) -> int:
    ndim = input._data.ndim
    d = _normalize_dim(dim, ndim, op)
    idx = index._data
    if idx.ndim != ndim and not (idx.ndim <= 1 and ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for axis in range(idx.ndim):
        if axis != d and idx.shape[axis] > input._data.shape[axis]:
            raise RuntimeError(
                f"Size does not match at dimension {axis} expected index {list(idx.shape)} to be no larger "
                f"than self {list(input.shape)} apart from dimension {d}"
            )
        if other is not None and idx.shape[axis] > other._data.shape[axis]:
            raise RuntimeError(
                f"Expected index {list(idx.shape)} to be no larger than src {list(other.shape)} apart "
                f"from dimension {d}"
            )
    check_range(idx, input._data.shape[d] if ndim else 1, d, RuntimeError)
    return d


def _leading_block(shape: tuple) -> tuple:
    return tuple(slice(0, n) for n in shape)


def _pad_to(grad: Tensor, shape: tuple) -> Tensor:
    """``grad`` in the corner of zeros of ``shape`` (an index smaller than its source)."""
    if grad._data.shape == shape:
        return grad
    return IndexAddInto.apply(grad, key=_leading_block(grad._data.shape), shape=shape)


class Gather(Op):
    def forward(self, x, index, dim):
        self.save_for_backward(index)
        self.dim, self.input_shape = dim, x._data.shape
        return x._data[_along_dim_key(index._data, dim)]

    def backward(self, grad):
        (index,) = self.saved_tensors
        zeros = Tensor._wrap(np.zeros(self.input_shape, dtype=grad._data.dtype))
        return scatter_add(zeros, self.dim, index, grad)


class ScatterAdd(Op):
    def forward(self, x, src, index, dim):
        self.save_for_backward(index)
        self.dim, self.src_shape = dim, src._data.shape
        out = x._data.copy()
        np.add.at(out, _along_dim_key(index._data, dim), src._data[_leading_block(index._data.shape)])
        return out

    def backward(self, grad):
        (index,) = self.saved_tensors
        return grad, _pad_to(gather(grad, self.dim, index), self.src_shape)


class Scatter(Op):
    """Write ``src`` (a tensor, or one number) at ``index`` along ``dim``; the rest is ``x``."""

    def forward(self, x, src, index, dim):
        self.save_for_backward(index)
        self.dim, self.src_shape = dim, src._data.shape
        self.with_tensor = src._data.ndim > 0 or src._requires_grad
        out = x._data.copy()
        values = src._data[_leading_block(index._data.shape)] if src._data.ndim else src._data
        out[_along_dim_key(index._data, dim)] = values
        return out

    def backward(self, grad):
        (index,) = self.saved_tensors
        grad_x = scatter(grad, self.dim, index, 0.0)
        if not self.with_tensor:
            return grad_x, None
        return grad_x, _pad_to(gather(grad, self.dim, index), self.src_shape)

    def name(self) -> str:
        return "ScatterBackward0" if self.with_tensor else "ScatterBackward1"


@tensor_method
def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` for ``dim=1``: pick along ``dim`` by ``index``.

    >>> import chainrule as torch
    >>> torch.tensor([[1., 2.], [3., 4.]]).gather(1, torch.tensor([[1], [0]]))
    tensor([[2.],
            [3.]])
    """
    index = _index_tensor(index, "gather")
    d = _check_along_dim("gather", input, dim, index)
    return Gather.apply(input, index=index, dim=d)


@tensor_method
def scatter_add(input: Tensor, dim: int, index: Tensor, src: Tensor) -> Tensor:
    """``input`` plus ``src`` added at ``index`` along ``dim`` (repeated indices add up)."""
    from chainrule.ops._operands import cast

    index = _index_tensor(index, "scatter_add")
    d = _check_along_dim("scatter_add", input, dim, index, src)
    return ScatterAdd.apply(input, cast(src, input.dtype), index=index, dim=d)


@tensor_method
def scatter(input: Tensor, dim: int, index: Tensor, src=None, *, value=None) -> Tensor:
    """``input`` with ``src`` (a tensor or a number) written at ``index`` along ``dim``.

    >>> import chainrule as torch
    >>> torch.zeros(2, 3).scatter(1, torch.tensor([[0], [2]]), 1.0)  # one-hot rows
    tensor([[1., 0., 0.],
            [0., 0., 1.]])
    """
    from chainrule.ops._operands import cast

    src = value if src is None else src
    if src is None:
        raise TypeError("scatter(): expected a src tensor or a value")
    index = _index_tensor(index, "scatter")
    d = _check_along_dim("scatter", input, dim, index, src if isinstance(src, Tensor) else None)
    src_t = cast(src, input.dtype) if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src, dtype=input._data.dtype))
    return Scatter.apply(input, src_t, index=index, dim=d)


class IndexSelect(Op):
    def forward(self, x, index, dim):
        self.save_for_backward(index)
        self.dim, self.input_shape = dim, x._data.shape
        return np.take(x._data, index._data.reshape(-1), axis=dim)

    def backward(self, grad):
        (index,) = self.saved_tensors
        key = (slice(None),) * self.dim + (index._data.reshape(-1),)
        return IndexAddInto.apply(grad, key=key, shape=self.input_shape)


@tensor_method
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices ``index[0], index[1], ...`` along ``dim`` (repeats allowed; their gradients add)."""
    index = _index_tensor(index, "index_select", "int32 or int64")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if input._data.ndim == 0:
        return gather(input.reshape(1), 0, index.reshape(1)).reshape(())
    d = _normalize_dim(dim, input._data.ndim, "index_select")
    check_range(index._data, input._data.shape[d], d, IndexError, "index_select(): ")
    return IndexSelect.apply(input, index=index, dim=d)


class MaskedSelect(Op):
    def forward(self, x, mask, shape):
        self.key, self.shape = (mask,), shape
        return np.broadcast_to(x._data, shape)[mask]

    def backward(self, grad):
        return IndexAddInto.apply(grad, key=self.key, shape=self.shape)  # the engine un-broadcasts


@tensor_method
def masked_select(input: Tensor, mask: Tensor) -> Tensor:
    """The elements where ``mask`` (broadcast against ``input``) is True, as a 1-d tensor."""
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError("masked_select: expected BoolTensor for mask")
    shape = np.broadcast_shapes(input._data.shape, mask._data.shape)
    return MaskedSelect.apply(input, mask=np.broadcast_to(mask._data, shape), shape=shape)


class IndexAdd(Op):
    """``input`` with ``alpha * source`` slices added at ``index`` along ``dim`` (repeats add up)."""

    def forward(self, x, source, index, dim, alpha):
        self.save_for_backward(index)
        self.dim, self.alpha = dim, alpha
        out = x._data.copy()
        slots = out.reshape(1) if out.ndim == 0 else out  # a 0-d tensor is one slot (a view of out)
        np.add.at(slots, (slice(None),) * dim + (index._data.reshape(-1),), alpha * source._data.reshape(
            (-1,) if out.ndim == 0 else source._data.shape))
        return out

    def backward(self, grad):
        (index,) = self.saved_tensors
        picked = index_select(grad, self.dim, index.reshape(-1))
        return grad, picked * self.alpha if self.alpha != 1 else picked


@tensor_method
def index_add(input: Tensor, dim: int, index: Tensor, source: Tensor, *, alpha=1) -> Tensor:
    """Add the slices of ``source`` (times ``alpha``) into ``input`` at ``index`` along ``dim``.

    >>> import chainrule as torch
    >>> torch.zeros(3).index_add(0, torch.tensor([0, 2, 0]), torch.tensor([1., 2., 3.]))
    tensor([4., 0., 2.])
    """
    from chainrule.ops._operands import cast

    index = _index_tensor(index, "index_add", "int32 or int64")
    if index._data.ndim > 1:
        raise IndexError("index_add_(): Index is supposed to be a vector")
    shape, src_shape = input._data.shape, source._data.shape
    if not shape and not src_shape:  # a 0-d tensor is one slot
        return IndexAdd.apply(input, cast(source, input.dtype), index=index, dim=0, alpha=alpha)
    d = _normalize_dim(dim, input._data.ndim, "index_add")
    if len(src_shape) != len(shape) or src_shape[:d] + src_shape[d + 1:] != shape[:d] + shape[d + 1:]:
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. Got "
            f"self.shape = {list(shape)} source.shape = {list(src_shape)}"
        )
    if src_shape[d] != index._data.size:
        raise RuntimeError(
            f"index_add_(): Number of indices ({index._data.size}) should be equal to source.size(dim): "
            f"({src_shape[d]}), for dim: {d}"
        )
    check_range(index._data, shape[d], d, RuntimeError)
    return IndexAdd.apply(input, cast(source, input.dtype), index=index, dim=d, alpha=alpha)


class IndexPutAccumulate(Op):
    """``index_put(..., accumulate=True)``: values added at the indexed positions, repeats included."""

    backward_name = "IndexPutBackward0"

    def forward(self, x, values, key):
        self.key = key
        out = x._data.copy()
        np.add.at(out, key, values._data)
        return out

    def backward(self, grad):
        return grad, grad[self.key]


@tensor_method
def index_put(input: Tensor, indices, values, accumulate: bool = False) -> Tensor:
    """``input`` with ``values`` written (or added, with ``accumulate``) at ``input[indices]``."""
    if not isinstance(indices, (tuple, list)) or not all(isinstance(i, Tensor) for i in indices):
        raise TypeError("index_put(): argument 'indices' must be a tuple of Tensors")
    parts, _ = normalize_key(tuple(indices), input._data.shape)
    values = fit_value(values, _target_shape(input._data.shape, parts, False), input.dtype)
    op = IndexPutAccumulate if accumulate else IndexPut
    return op.apply(input, values, key=parts)
