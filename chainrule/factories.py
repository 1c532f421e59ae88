"""Making tensors: `tensor`, `zeros`, `ones`, `arange`, ... with PyTorch's dtype inference."""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from chainrule import dtypes
from chainrule._tensor import Tensor, register_function


def _infer_array(data, dtype) -> np.ndarray:
    if dtype is not None:
        return np.array(data, dtype=dtypes.as_dtype(dtype).numpy)
    if isinstance(data, (np.ndarray, np.generic)):
        array = np.array(data)  # NumPy data keeps its dtype (float64 stays float64), as in PyTorch
        dtypes.from_numpy_dtype(array.dtype)  # clear error for unsupported dtypes
        return array
    array = np.array(data)
    if array.dtype == object:
        raise TypeError(f"tensor(): could not infer a dtype from {type(data).__name__} data; "
                        "use nested lists of numbers of equal lengths")
    kind = array.dtype.kind
    if kind == "f":
        return array.astype(dtypes.get_default_dtype().numpy)
    if kind in "iu":
        return array.astype(np.int64)
    if kind == "b":
        return array
    raise TypeError(f"tensor(): cannot make a tensor from data of NumPy kind {array.dtype}")


@register_function
def tensor(data, dtype=None, device=None, requires_grad: bool = False, pin_memory: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data``; floats become float32, ints int64, as in PyTorch.

    >>> import chainrule as torch
    >>> torch.tensor([1, 2]).dtype, torch.tensor([1.0, 2.0]).dtype
    (torch.int64, torch.float32)
    """
    if isinstance(data, Tensor):
        warnings.warn(
            "To copy construct from a tensor, it is recommended to use sourceTensor.clone().detach() or "
            "sourceTensor.clone().detach().requires_grad_(True), rather than torch.tensor(sourceTensor).",
            UserWarning,
            stacklevel=2,
        )
        data = data._data
    if isinstance(data, (list, tuple)) and data and any(isinstance(x, Tensor) for x in _flat(data)):
        data = _unwrap_nested(data)
    t = Tensor._wrap(_infer_array(data, dtype))
    if requires_grad:
        t.requires_grad_(True)
    return t


def _flat(data):
    for x in data:
        if isinstance(x, (list, tuple)):
            yield from _flat(x)
        else:
            yield x


def _unwrap_nested(data):
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_unwrap_nested(x) for x in data]
    return data


@register_function
def as_tensor(data, dtype=None, device=None) -> Tensor:
    if isinstance(data, Tensor) and (dtype is None or data.dtype == dtypes.as_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == dtypes.as_dtype(dtype).numpy):
        return Tensor._wrap(data)
    return tensor(data, dtype=dtype)


@register_function
def from_numpy(array: np.ndarray) -> Tensor:
    """Share memory with a NumPy array (no copy)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    dtypes.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


def _size(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, (numbers.Integral,)):
            raise TypeError(f"size must be a tuple of ints, got an element of type {type(s).__name__}")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(int(s) for s in size)


def _finish(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _dtype_or_default(dtype) -> np.dtype:
    return (dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()).numpy


@register_function
def zeros(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.zeros(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


@register_function
def ones(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.ones(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


@register_function
def empty(*size, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    # Zeros rather than garbage: the same cost with NumPy, and reproducible.
    return _finish(np.zeros(_size(size), dtype=_dtype_or_default(dtype)), requires_grad)


def _fill_dtype(fill_value) -> np.dtype:
    if isinstance(fill_value, (bool, np.bool_)):
        return np.bool_
    if isinstance(fill_value, numbers.Integral):
        return np.int64
    return dtypes.get_default_dtype().numpy


@register_function
def full(size, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    np_dtype = dtypes.as_dtype(dtype).numpy if dtype is not None else _fill_dtype(fill_value)
    return _finish(np.full(_size((size,)), fill_value, dtype=np_dtype), requires_grad)


def _like(name, maker):
    def function(input: Tensor, *, dtype=None, device=None, requires_grad: bool = False, **kwargs) -> Tensor:
        np_dtype = dtypes.as_dtype(dtype).numpy if dtype is not None else input._data.dtype
        return _finish(maker(input._data.shape, np_dtype, **kwargs), requires_grad)

    function.__name__ = name
    return register_function(function)


zeros_like = _like("zeros_like", lambda shape, dt: np.zeros(shape, dtype=dt))
ones_like = _like("ones_like", lambda shape, dt: np.ones(shape, dtype=dt))
empty_like = _like("empty_like", lambda shape, dt: np.zeros(shape, dtype=dt))


@register_function
def full_like(input: Tensor, fill_value, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    np_dtype = dtypes.as_dtype(dtype).numpy if dtype is not None else input._data.dtype
    return _finish(np.full(input._data.shape, fill_value, dtype=np_dtype), requires_grad)


@register_function
def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``arange(5)`` is int64; any float argument makes it the default float dtype, as in PyTorch."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("arange: step must be nonzero")
    if dtype is not None:
        np_dtype = dtypes.as_dtype(dtype).numpy
    elif all(isinstance(v, numbers.Integral) for v in (start, end, step)):
        np_dtype = np.int64
    else:
        np_dtype = dtypes.get_default_dtype().numpy
    # Computed in float64 then cast, as PyTorch computes the values before casting.
    count = max(int(np.ceil((end - start) / step)), 0)
    values = start + step * np.arange(count, dtype=np.float64 if np_dtype != np.int64 else np.int64)
    return _finish(values.astype(np_dtype), requires_grad)


@register_function
def linspace(start, end, steps: int, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    if steps < 0:
        raise RuntimeError("linspace: number of steps must be non-negative")
    return _finish(np.linspace(start, end, steps).astype(_dtype_or_default(dtype)), requires_grad)


@register_function
def logspace(start, end, steps: int, base: float = 10.0, *, dtype=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.logspace(start, end, steps, base=base).astype(_dtype_or_default(dtype)), requires_grad)


@register_function
def eye(n: int, m: int | None = None, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    return _finish(np.eye(n, m, dtype=_dtype_or_default(dtype)), requires_grad)


def _new_method(name, maker):
    def method(self, *size, dtype=None, requires_grad: bool = False, **kwargs):
        return maker(*size, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)

    method.__name__ = name
    setattr(Tensor, name, method)


_new_method("new_zeros", zeros)
_new_method("new_ones", ones)
_new_method("new_empty", empty)


def _new_full(self, size, fill_value, *, dtype=None, requires_grad: bool = False):
    return full(size, fill_value, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)


def _new_tensor(self, data, dtype=None, requires_grad: bool = False):
    return tensor(data, dtype=dtype if dtype is not None else self.dtype, requires_grad=requires_grad)


Tensor.new_full = _new_full
Tensor.new_tensor = _new_tensor
