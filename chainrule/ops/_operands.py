"""Turning op arguments into tensors of one dtype, with PyTorch's promotion rules."""

from __future__ import annotations

import numbers

import numpy as np

from chainrule import dtypes
from chainrule._tensor import Tensor


def _priority_dtype(x) -> tuple:
    if isinstance(x, Tensor):
        d = dtypes.from_numpy_dtype(x._data.dtype)
        return d, dtypes.DIM_TENSOR if x._data.ndim else dtypes.ZERO_DIM_TENSOR
    if isinstance(x, (bool, np.bool_)):
        return dtypes.bool_, dtypes.PY_SCALAR
    if isinstance(x, numbers.Integral):
        return dtypes.int64, dtypes.PY_SCALAR
    if isinstance(x, numbers.Real):
        return dtypes.get_default_dtype(), dtypes.PY_SCALAR
    if isinstance(x, np.ndarray):
        return dtypes.from_numpy_dtype(x.dtype), dtypes.DIM_TENSOR if x.ndim else dtypes.ZERO_DIM_TENSOR
    raise TypeError(f"expected a Tensor or a Python number, got {type(x).__name__}")


def cast(x, target: dtypes.dtype) -> Tensor:
    """``x`` as a Tensor of dtype ``target``: differentiable for tensors that require grad."""
    if isinstance(x, Tensor):
        if x._data.dtype == target.numpy:
            return x
        if x._requires_grad:
            return x.to(target)
        return Tensor._wrap(x._data.astype(target.numpy))
    return Tensor._wrap(np.asarray(x, dtype=target.numpy))


def promote(*operands, op: str) -> tuple:
    """Bring operands (Tensors and Python numbers) to their PyTorch result dtype."""
    if len(operands) == 2:
        a, b = operands
        # The common case, kept cheap: two tensors of one dtype.
        if isinstance(a, Tensor):
            if isinstance(b, Tensor):
                if a._data.dtype is b._data.dtype:
                    return operands
            elif (type(b) is float or type(b) is int) and a._data.dtype.kind == "f":
                # float tensor with a Python number (lr * grad, x / 2): the tensor's dtype wins
                return a, Tensor._wrap(np.array(b, dtype=a._data.dtype))
        elif (type(a) is float or type(a) is int) and isinstance(b, Tensor) and b._data.dtype.kind == "f":
            return Tensor._wrap(np.array(a, dtype=b._data.dtype)), b
    first = operands[0]
    if all(isinstance(x, Tensor) and x._data.dtype == first._data.dtype for x in operands):
        return operands
    try:
        target = dtypes.result_type(*(_priority_dtype(x) for x in operands))
    except TypeError as exc:
        raise TypeError(f"{op}: {exc}") from None
    return tuple(cast(x, target) for x in operands)


def as_float(x: Tensor) -> Tensor:
    """Integer and bool tensors become the default float dtype (exp, sqrt, mean, ...)."""
    if x._data.dtype.kind == "f":
        return x
    return cast(x, dtypes.get_default_dtype())


def ensure_tensor(x, op: str) -> Tensor:
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (numbers.Number, np.ndarray, np.generic, list, tuple)):
        from chainrule.factories import tensor

        return tensor(x)
    raise TypeError(f"{op}(): argument 'input' must be Tensor, not {type(x).__name__}")
