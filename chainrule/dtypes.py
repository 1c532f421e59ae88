"""Dtypes with PyTorch's names and promotion rules, backed by NumPy dtypes.

PyTorch promotes by *category* (bool < integer < floating) and treats Python numbers
and 0-d tensors as "weak": ``float32_tensor * 0.01`` stays float32 and
``int64_tensor * 0.5`` becomes the default float dtype (float32), where NumPy would
give float64. `result_type` implements PyTorch's rule so the ops never ask NumPy.
"""

from __future__ import annotations

import numpy as np


class dtype:
    """A tensor element type: ``chainrule.float32`` behaves like ``torch.float32``."""

    __slots__ = ("name", "numpy", "is_floating_point", "is_signed", "itemsize", "_category")

    def __init__(self, name: str, numpy_dtype: type) -> None:
        self.name = name
        self.numpy = np.dtype(numpy_dtype)
        kind = self.numpy.kind
        self.is_floating_point = kind == "f"
        self.is_signed = kind in "fi"
        self.itemsize = self.numpy.itemsize
        self._category = {"b": 0, "u": 1, "i": 1, "f": 2}[kind]

    def __repr__(self) -> str:
        # PyTorch's spelling, so printed output matches PyTorch's character for character.
        return f"torch.{self.name}"

    def __reduce__(self) -> str:
        return self.name  # pickles as the module-level singleton


float16 = dtype("float16", np.float16)
float32 = dtype("float32", np.float32)
float64 = dtype("float64", np.float64)
uint8 = dtype("uint8", np.uint8)
int8 = dtype("int8", np.int8)
int16 = dtype("int16", np.int16)
int32 = dtype("int32", np.int32)
int64 = dtype("int64", np.int64)
bool_ = dtype("bool", np.bool_)

ALL_DTYPES = (float16, float32, float64, uint8, int8, int16, int32, int64, bool_)
# PyTorch's other spellings (`torch.float`, `torch.long`, ...); exported by chainrule/__init__.py.
ALIASES = {"half": float16, "float": float32, "double": float64, "short": int16,
           "int": int32, "long": int64, "bool": bool_}
_FROM_NUMPY: dict[np.dtype, dtype] = {d.numpy: d for d in ALL_DTYPES}
_default_float = float32


# PyTorch's C++ names of the scalar types, as its messages and legacy tensor types spell them
# ("expected scalar type Float but found Double", "torch.FloatTensor").
_LEGACY_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                 "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte", "bool": "Bool"}


def legacy_name(np_dtype) -> str:
    """PyTorch's C++ name for a NumPy dtype: ``Float``, ``Double``, ``Long`` (else its own name)."""
    name = "bool" if np_dtype == np.bool_ else str(np_dtype)
    return _LEGACY_NAMES.get(name, name)


def from_numpy_dtype(np_dtype: np.dtype) -> dtype:
    try:
        return _FROM_NUMPY[np_dtype]
    except KeyError:
        raise TypeError(
            f"chainrule does not support the NumPy dtype {np_dtype}; "
            f"supported: {', '.join(d.name for d in ALL_DTYPES)}"
        ) from None


def as_dtype(d) -> dtype:
    """Accept a chainrule dtype, a NumPy dtype, or a name like 'float32'."""
    if isinstance(d, dtype):
        return d
    if isinstance(d, str) and d in _BY_NAME:
        return _BY_NAME[d]
    try:
        return from_numpy_dtype(np.dtype(d))
    except TypeError:
        raise TypeError(f"cannot interpret {d!r} as a chainrule dtype") from None


_BY_NAME = {d.name: d for d in ALL_DTYPES}


def get_default_dtype() -> dtype:
    return _default_float


def set_default_dtype(d) -> None:
    """Set the dtype of new float tensors (float32 or float64), as `torch.set_default_dtype`."""
    global _default_float
    d = as_dtype(d)
    if not d.is_floating_point:
        raise TypeError(f"set_default_dtype only supports floating point dtypes, got {d}")
    _default_float = d


def default_for_category(category: int) -> dtype:
    return (bool_, int64, _default_float)[category]


# Priority of an operand in promotion, as in PyTorch's ResultTypeState: tensors with
# dimensions, 0-d tensors and Python scalars are promoted within their own class first;
# a weaker class can only lift the result to a higher category (int -> float).
DIM_TENSOR, ZERO_DIM_TENSOR, PY_SCALAR = 2, 1, 0


def result_type(*operands: tuple[dtype, int]) -> dtype:
    """PyTorch's `torch.result_type` for (dtype, priority) pairs.

    A Python scalar enters as the default dtype of its category (float -> float32,
    int -> int64), exactly as PyTorch wraps numbers.
    """
    by_class: list[dtype | None] = [None, None, None]
    for d, priority in operands:
        current = by_class[priority]
        by_class[priority] = d if current is None else _promote_types(current, d)
    scalar, zero_dim, dim = by_class
    return _combine_categories(dim, _combine_categories(zero_dim, scalar))


def _combine_categories(higher: dtype | None, lower: dtype | None) -> dtype | None:
    if higher is None:
        return lower
    if lower is None or higher.is_floating_point:
        return higher
    if higher is bool_ or lower.is_floating_point:
        return _promote_types(higher, lower)
    return higher


def promote_types(a: dtype, b: dtype) -> dtype:
    """`torch.promote_types`: the smallest dtype both can be cast to."""
    return _promote_types(as_dtype(a), as_dtype(b))


def _promote_types(a: dtype, b: dtype) -> dtype:
    if a is b:
        return a
    if a._category != b._category:
        return a if a._category > b._category else b
    if a.is_floating_point:
        return a if a.itemsize >= b.itemsize else b
    # integers: NumPy's table agrees with PyTorch's (uint8 + int8 -> int16)
    return from_numpy_dtype(np.promote_types(a.numpy, b.numpy))
