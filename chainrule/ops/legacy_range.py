"""``torch.range``: PyTorch's deprecated sibling of ``arange`` that includes its end.

Kept because old code calls it; new code should use ``arange(start, end)`` (end excluded).
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from chainrule import dtypes
from chainrule._tensor import Tensor


def range(start, end, step=1, *, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """``start, start + step, ...`` up to and including ``end``, in the default float dtype.

    >>> import chainrule as torch, warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     torch.range(1, 3)
    tensor([1., 2., 3.])
    """
    warnings.warn("torch.range is deprecated and will be removed in a future release because its behavior is "
                  "inconsistent with Python's range builtin. Instead, use torch.arange, which produces values in "
                  "[start, end).", UserWarning, stacklevel=2)
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    target = dtypes.as_dtype(dtype) if dtype is not None else dtypes.get_default_dtype()
    count = math.floor((end - start) / step) + 1
    # Computed in float64, then cast, as PyTorch computes the values before casting.
    values = (start + step * np.arange(count, dtype=np.float64)).astype(target.numpy)
    t = Tensor._wrap(values)
    if requires_grad:
        t.requires_grad_(True)
    return t
