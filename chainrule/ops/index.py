"""Indexing: ``x[i]``, ``x[1:3, None, ...]``, ``x[mask]``, ``x[[0, 2, 0]]`` and ``x[k] = v``.

The gradient of reading ``x[key]`` is the upstream gradient written back at ``key`` into
zeros of ``x``'s shape; where an integer-array index repeats a position, the gradients
add up there (``np.add.at``), because that element was used more than once.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor


def to_numpy_key(key):
    """Tensors inside an index become arrays; everything else passes to NumPy as is."""
    if isinstance(key, Tensor):
        arr = key._data
        if arr.dtype.kind == "f":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
        return arr
    if isinstance(key, tuple):
        return tuple(to_numpy_key(k) for k in key)
    if isinstance(key, list) and any(isinstance(k, (Tensor, list, slice)) for k in key):
        return tuple(to_numpy_key(k) for k in key) if any(isinstance(k, slice) for k in key) else np.asarray(
            [to_numpy_key(k) for k in key])
    return key


def _is_basic(key) -> bool:
    parts = key if isinstance(key, tuple) else (key,)
    return all(isinstance(k, (int, np.integer, slice, type(None), type(Ellipsis))) for k in parts)


def _check_bounds(key, shape) -> None:
    parts = key if isinstance(key, tuple) else (key,)
    dim = 0
    for k in parts:
        if k is None:
            continue
        if k is Ellipsis:
            dim = len(shape) - sum(1 for p in parts if p is not None and p is not Ellipsis)
            continue
        if isinstance(k, (int, np.integer)):
            if dim >= len(shape):
                raise IndexError(f"too many indices for tensor of dimension {len(shape)}")
            if not -shape[dim] <= k < shape[dim]:
                raise IndexError(
                    f"index {k} is out of bounds for dimension {dim} with size {shape[dim]}"
                )
        dim += 1


class Index(Op):
    def forward(self, x, key):
        self.key, self.input_shape = key, x._data.shape
        try:
            return x._data[key]
        except IndexError as exc:
            raise IndexError(f"index: {exc} (tensor of shape {list(x._data.shape)})") from None

    def backward(self, grad):
        return IndexAddInto.apply(grad, key=self.key, shape=self.input_shape)

    def name(self) -> str:
        key = self.key
        if isinstance(key, (int, np.integer)):
            return "SelectBackward0"
        if _is_basic(key):
            return "SliceBackward0"
        return "IndexBackward0"


class IndexAddInto(Op):
    """zeros(shape) with ``values`` added at ``key``: the backward of `Index`."""

    def forward(self, values, key, shape):
        self.key = key
        out = np.zeros(shape, dtype=values._data.dtype)
        if _is_basic(key):
            out[key] = values._data  # a basic index never repeats a position
        else:
            np.add.at(out, key, values._data)
        return out

    def backward(self, grad):
        return grad[self.key]


def getitem(self: Tensor, key) -> Tensor:
    key = to_numpy_key(key)
    if _is_basic(key):
        _check_bounds(key, self._data.shape)
    out = Index.apply(self, key=key)
    if _is_basic(key):
        out._version_counter = self._version_counter  # a view of the same memory
    return out


class IndexPut(Op):
    """``x[key] = v`` recorded out of place: x's gradient is zero at key, v gets grad[key]."""

    def forward(self, x, values, key):
        self.key = key
        self.values_shape = values._data.shape
        out = x._data.copy()
        out[key] = values._data
        return out

    def backward(self, grad):
        mask = np.ones(grad._data.shape, dtype=grad._data.dtype)
        mask[self.key] = 0
        return grad * Tensor._wrap(mask), grad[self.key]


def setitem(self: Tensor, key, value) -> None:
    from chainrule.ops._operands import cast

    key = to_numpy_key(key)
    value_t = value if isinstance(value, Tensor) else None
    self._check_inplace("index assignment")
    records = value_t is not None and value_t._requires_grad or self._requires_grad
    from chainrule.autograd import grad_mode

    if records and grad_mode.is_grad_enabled():
        from chainrule.ops.inplace import rebase_inplace

        values = cast(value_t, self.dtype).expand(np.empty(self._data.shape)[key].shape)
        rebase_inplace(self, lambda old: IndexPut.apply(old, values, key=key))
        return
    self._data[key] = value._data if isinstance(value, Tensor) else value
    self._bump_version()


Tensor.__getitem__ = getitem
Tensor.__setitem__ = setitem
