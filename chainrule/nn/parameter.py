"""`Parameter`: a tensor that a `Module` registers as one of its learnable weights."""

from __future__ import annotations

import numpy as np

from chainrule._tensor import Tensor, _init_leaf


class Parameter(Tensor):
    """A leaf tensor that requires grad and that a Module lists in ``parameters()``.

    It shares memory with the tensor it wraps, as ``torch.nn.Parameter`` does.

    >>> import chainrule as torch
    >>> w = torch.nn.Parameter(torch.zeros(2))
    >>> w.requires_grad, w.is_leaf
    (True, True)
    """

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        if data is None:
            array = np.zeros((0,), dtype=np.float32)
        elif isinstance(data, Tensor):
            array = data._data
        else:
            raise TypeError(f"Parameter(): data must be a Tensor, not {type(data).__name__}")
        _init_leaf(self, array)
        if isinstance(data, Tensor):
            self._version_counter = data._version_counter  # the same memory, the same version
        self.requires_grad_(requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    __str__ = __repr__

    def __deepcopy__(self, memo: dict) -> "Parameter":
        copy = Parameter(Tensor._wrap(self._data.copy()), self._requires_grad)
        memo[id(self)] = copy
        return copy
