"""What users ask a tensor about its storage and type: ``stride()``, ``storage_offset()``,
``data_ptr()``, ``type()``, the casts ``byte()``/``char()``, ``torch.is_floating_point``,
``torch.is_complex``, and the numeric limits ``torch.finfo``/``torch.iinfo``.

A chainrule tensor's storage is a NumPy buffer: strides and offsets are counted in
elements of that buffer (NumPy counts bytes), the same numbers PyTorch gives for the
same layout. ``data_ptr()`` is the buffer's address.
"""

from __future__ import annotations

import builtins

import numpy as np

from chainrule import dtypes
from chainrule._tensor import Tensor, _normalize_dim, tensor_method

# ---------------------------------------------------------------------------------------
# layout: stride, storage_offset, data_ptr


@tensor_method(function=False)
def stride(self: Tensor, dim: int | None = None):
    """Elements to step in memory for one step along each dim (or along ``dim``).

    >>> import chainrule as torch
    >>> x = torch.zeros(2, 3)
    >>> x.stride(), x.t().stride(), x.stride(-1)
    ((3, 1), (1, 3), 1)
    """
    array = self._data
    if array.size:
        strides = tuple(s // array.itemsize for s in array.strides)
    else:
        strides = _row_major_strides(array.shape)  # NumPy gives an empty array zero strides
    if dim is None:
        return strides
    if not strides:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    return strides[_normalize_dim(int(dim), array.ndim, "stride")]


def _row_major_strides(shape: tuple) -> tuple:
    """PyTorch's strides for a new tensor of ``shape`` (a size-0 dim counts as 1)."""
    strides, step = [], 1
    for size in reversed(shape):
        strides.append(step)
        step *= max(size, 1)
    return tuple(reversed(strides))


def _owner(array: np.ndarray) -> np.ndarray:
    """The array that owns the memory ``array`` looks into (its storage)."""
    while isinstance(array.base, np.ndarray):
        array = array.base
    return array


@tensor_method(function=False)
def storage_offset(self: Tensor) -> int:
    """Where this tensor starts in its storage, in elements (a view of ``x[1]`` starts one row in).

    >>> import chainrule as torch
    >>> torch.arange(6).reshape(2, 3)[1, 1:].storage_offset()
    4
    """
    array = self._data
    start = array.__array_interface__["data"][0]
    return (start - _owner(array).__array_interface__["data"][0]) // array.itemsize


@tensor_method(function=False)
def data_ptr(self: Tensor) -> int:
    """The address of the first element (0 for a tensor without elements, as in PyTorch)."""
    return self._data.__array_interface__["data"][0] if self._data.size else 0


# ---------------------------------------------------------------------------------------
# type: legacy type names, casts


# This module defines Tensor.type as `type`, so the built-in is spelled `builtins.type` here.
_TYPE_NAMES = {name: f"torch.{legacy}Tensor" for name, legacy in dtypes._LEGACY_NAMES.items()}
_BY_TYPE_NAME = {type_name: name for name, type_name in _TYPE_NAMES.items()}


@tensor_method(function=False)
def type(self: Tensor, dtype=None, non_blocking: bool = False, **kwargs):
    """With no argument, the legacy type name (``'torch.FloatTensor'``); with a dtype or such a
    name, the tensor cast to it (itself when it already has that dtype).

    >>> import chainrule as torch
    >>> x = torch.zeros(2)
    >>> x.type(), x.type(torch.int64).dtype, x.type("torch.DoubleTensor").dtype
    ('torch.FloatTensor', torch.int64, torch.float64)
    """
    if dtype is None:
        return _TYPE_NAMES[self.dtype.name]
    if isinstance(dtype, str):
        if dtype not in _BY_TYPE_NAME:
            raise ValueError(f"invalid type: {dtype!r}")
        dtype = _BY_TYPE_NAME[dtype]
    return self.to(dtypes.as_dtype(dtype))


@tensor_method(function=False)
def byte(self: Tensor) -> Tensor:
    """Cast to uint8 (out-of-range values wrap around, as in PyTorch)."""
    return self.to(dtypes.uint8)


@tensor_method(function=False)
def char(self: Tensor) -> Tensor:
    """Cast to int8."""
    return self.to(dtypes.int8)


def _is_complex(self: Tensor) -> bool:
    return self._data.dtype.kind == "c"


Tensor.is_complex = _is_complex


def _tensor_argument(input, op: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): argument 'input' (position 1) must be Tensor, not {builtins.type(input).__name__}")
    return input


def is_floating_point(input: Tensor) -> bool:
    """``torch.is_floating_point(x)``: whether x's dtype is a float dtype."""
    return _tensor_argument(input, "is_floating_point").is_floating_point()


def is_complex(input: Tensor) -> bool:
    """``torch.is_complex(x)``: always False in chainrule, which has no complex dtypes."""
    return _is_complex(_tensor_argument(input, "is_complex"))


# ---------------------------------------------------------------------------------------
# finfo, iinfo


class _NumericInfo:
    """Read-only limits of a dtype, compared by value and printed as PyTorch prints them."""

    __slots__ = ()
    __hash__ = None  # type: ignore[assignment]  # as in PyTorch: compared by value, not hashable

    def _set(self, values: dict) -> None:
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"attribute '{name}' of 'torch.{builtins.type(self).__name__}' objects is not writable")

    def __eq__(self, other) -> bool:
        return builtins.type(other) is builtins.type(self) and all(
            getattr(self, name) == getattr(other, name) for name in self.__slots__)

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name):.6g}" for name in self._printed)
        return f"{builtins.type(self).__name__}({shown}, dtype={self.dtype})"


class finfo(_NumericInfo):
    """The limits of a floating dtype (the default dtype when none is given).

    >>> import chainrule as torch
    >>> torch.finfo(torch.float32).eps
    1.1920928955078125e-07
    >>> torch.finfo(torch.float16)
    finfo(resolution=0.001, min=-65504, max=65504, eps=0.000976562, smallest_normal=6.10352e-05, tiny=6.10352e-05, dtype=float16)
    """

    __slots__ = ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype")
    _printed = ("resolution", "min", "max", "eps", "smallest_normal", "tiny")

    def __init__(self, type=None) -> None:
        d = _dtype_argument(type, "finfo")
        if not d.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to handle "
                            "'torch.finfo'")
        info = np.finfo(d.numpy)
        self._set({"bits": int(info.bits), "eps": float(info.eps), "max": float(info.max), "min": float(info.min),
                   "tiny": float(info.tiny), "smallest_normal": float(info.smallest_normal),
                   "resolution": 10.0 ** -int(info.precision), "dtype": d.name})


class iinfo(_NumericInfo):
    """The limits of an integer dtype.

    >>> import chainrule as torch
    >>> torch.iinfo(torch.int8).max, torch.iinfo(torch.uint8).min
    (127, 0)
    """

    __slots__ = ("bits", "max", "min", "dtype")
    _printed = ("min", "max")

    def __init__(self, type) -> None:
        d = _dtype_argument(type, "iinfo")
        if d is dtypes.bool_:
            raise TypeError("torch.bool is not supported by torch.iinfo")
        if d.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to handle 'torch.iinfo'")
        info = np.iinfo(d.numpy)
        self._set({"bits": int(info.bits), "max": int(info.max), "min": int(info.min), "dtype": d.name})


def _dtype_argument(value, op: str) -> dtypes.dtype:
    if value is None and op == "finfo":
        return dtypes.get_default_dtype()
    if not isinstance(value, dtypes.dtype):
        raise TypeError(f"{op}(): argument 'type' (position 1) must be torch.dtype, not {builtins.type(value).__name__}")
    return value
