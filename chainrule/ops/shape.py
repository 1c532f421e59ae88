"""Shape ops: views of the same numbers in another arrangement.

Their gradients only rearrange the upstream gradient back (reshape it back, transpose it
back, sum over an expanded axis).
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, tensor_method


def _shape_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    return tuple(int(s) for s in shape)


def _infer_shape(shape: tuple, numel: int, op: str, input_shape: tuple) -> tuple:
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred")
    if -1 in shape:
        known = 1
        for s in shape:
            if s != -1:
                known *= s
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = tuple(numel // known if s == -1 else s for s in shape)
    size = 1
    for s in shape:
        size *= s
    if size != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


class View(Op):
    def forward(self, x, shape):
        self.input_shape = x._data.shape
        return x._data.reshape(shape)

    def backward(self, grad):
        return grad.reshape(self.input_shape)


class Expand(Op):
    def forward(self, x, shape):
        return np.broadcast_to(x._data, shape)

    def backward(self, grad):
        return grad  # the engine sums it back to the input's shape


@tensor_method
def reshape(input, *shape):
    """The same numbers in a new shape (one dimension may be -1)."""
    shape = _infer_shape(_shape_arg(shape), input._data.size, "reshape", input._data.shape)
    if shape == input._data.shape:
        return View.apply(input, shape=shape) if input._requires_grad else input
    out = View.apply(input, shape=shape)
    if np.shares_memory(out._data, input._data):
        out._version_counter = input._version_counter  # a view: in-place edits show in both
    return out


def view(self, *shape):
    if shape and all(isinstance(s, type) for s in shape):
        raise TypeError("view(dtype) is not supported; use .to(dtype)")
    shape = _infer_shape(_shape_arg(shape), self._data.size, "view", self._data.shape)
    if not self._data.flags.c_contiguous and self._data.size > 1:
        raise RuntimeError(
            "view size is not compatible with input tensor's size and stride (at least one dimension "
            "spans across two contiguous subspaces). Use .reshape(...) instead."
        )
    return reshape(self, shape)


Tensor.view = view


def _expand_shape(input_shape: tuple, shape: tuple) -> tuple:
    lead = len(shape) - len(input_shape)
    if lead < 0:
        raise RuntimeError(
            f"expand: the number of sizes provided ({len(shape)}) must be greater or equal to the "
            f"number of dimensions in the tensor ({len(input_shape)})"
        )
    out = []
    for i, s in enumerate(shape):
        current = input_shape[i - lead] if i >= lead else None
        if s == -1:
            if current is None:
                raise RuntimeError("expand: -1 is not allowed in a leading, non-existing dimension")
            s = current
        elif current is not None and current != 1 and current != s:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({current}) at "
                f"non-singleton dimension {i}.  Target sizes: {list(shape)}.  Tensor sizes: {list(input_shape)}"
            )
        out.append(s)
    return tuple(out)


@tensor_method(function=False)
def expand(input, *shape):
    shape = _expand_shape(input._data.shape, _shape_arg(shape))
    if shape == input._data.shape:
        return input
    return Expand.apply(input, shape=shape)


@tensor_method(function=False)
def expand_as(input, other):
    return expand(input, other.shape)
