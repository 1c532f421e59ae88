"""In-place ops: ``add_``, ``mul_``, ``zero_``, ``x += y``, ... with PyTorch's rules.

Outside the graph (no_grad, or nothing requires grad) they write into the tensor's memory.
Inside it, the op is recorded out of place on a snapshot of the old value and the result
is written back, so the tensor's history now ends with that op (PyTorch "rebases" it).
Either way the version counter goes up, so a node that saved this tensor for backward
notices and raises instead of computing with the new values.
"""

from __future__ import annotations

import numpy as np

from chainrule.autograd import grad_mode
from chainrule._tensor import Tensor, tensor_method


def rebase_inplace(self: Tensor, compute) -> Tensor:
    """Record ``compute(old_self)`` and make its result this tensor's new value and history."""
    import weakref

    old = Tensor._wrap(self._data.copy(), self.grad_fn, self._output_nr)
    old._requires_grad = self._requires_grad
    if self.grad_fn is None and self._requires_grad:
        old = self  # unreachable for leaves (refused earlier); kept for clarity
    result = compute(old)
    if result._data.dtype != self._data.dtype:
        raise RuntimeError(
            f"result type {result.dtype.name.capitalize()} can't be cast to the desired output type "
            f"{self.dtype.name.capitalize()}"
        )
    self._data[...] = result._data
    self.grad_fn = result.grad_fn
    self._output_nr = result._output_nr
    self._requires_grad = result._requires_grad
    if result.grad_fn is not None:
        result.grad_fn._output_ref = weakref.ref(self)
    self._bump_version()
    return self


def _inplace(name: str, out_of_place):
    def method(self: Tensor, *args, **kwargs) -> Tensor:
        self._check_inplace(name)
        needs_graph = grad_mode._grad_enabled.get() and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        )
        if needs_graph:
            return rebase_inplace(self, lambda old: out_of_place(old, *args, **kwargs))
        result = out_of_place(Tensor._wrap(self._data), *args, **kwargs)
        if result._data.dtype != self._data.dtype and not np.can_cast(result._data.dtype, self._data.dtype, "same_kind"):
            raise RuntimeError(
                f"{name}: result type {result.dtype.name.capitalize()} can't be cast to the desired "
                f"output type {self.dtype.name.capitalize()}"
            )
        self._data[...] = result._data
        self._bump_version()
        return self

    method.__name__ = name
    return method


def _register_inplace_ops() -> None:
    pairs = {
        "add_": Tensor.add, "sub_": Tensor.sub, "mul_": Tensor.mul, "div_": Tensor.div,
        "pow_": Tensor.pow, "neg_": Tensor.neg, "exp_": Tensor.exp, "log_": Tensor.log,
        "sqrt_": Tensor.sqrt, "tanh_": Tensor.tanh, "sigmoid_": Tensor.sigmoid, "relu_": Tensor.relu,
        "abs_": Tensor.abs, "clamp_": Tensor.clamp, "clamp_min_": Tensor.clamp_min,
        "clamp_max_": Tensor.clamp_max, "floor_": Tensor.floor, "ceil_": Tensor.ceil,
        "round_": Tensor.round, "sign_": Tensor.sign, "sin_": Tensor.sin, "cos_": Tensor.cos,
        "reciprocal_": Tensor.reciprocal,
    }
    for name, function in pairs.items():
        setattr(Tensor, name, _inplace(name, function))
    Tensor.clip_ = Tensor.clamp_
    Tensor.__iadd__ = _inplace("__iadd__", Tensor.add)
    Tensor.__isub__ = _inplace("__isub__", Tensor.sub)
    Tensor.__imul__ = _inplace("__imul__", Tensor.mul)
    Tensor.__itruediv__ = _inplace("__itruediv__", Tensor.div)
    Tensor.__ipow__ = _inplace("__ipow__", Tensor.pow)


_register_inplace_ops()


@tensor_method(function=False)
def zero_(self: Tensor) -> Tensor:
    """Set every element to 0 in place (``w.grad.data.zero_()`` in the lecture)."""
    self._check_inplace("zero_")
    self._data[...] = 0
    self._bump_version()
    return self


@tensor_method(function=False)
def fill_(self: Tensor, value) -> Tensor:
    self._check_inplace("fill_")
    self._data[...] = value._data if isinstance(value, Tensor) else value
    self._bump_version()
    return self


@tensor_method(function=False)
def copy_(self: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into this tensor's memory; differentiable w.r.t. ``src``."""
    self._check_inplace("copy_")
    src_t = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    if grad_mode._grad_enabled.get() and src_t._requires_grad:
        return rebase_inplace(self, lambda old: (old * 0 + src_t.to(self.dtype)))
    self._data[...] = np.broadcast_to(src_t._data, self._data.shape)
    self._bump_version()
    return self


@tensor_method(function=False)
def masked_fill_(self: Tensor, mask: Tensor, value) -> Tensor:
    return _inplace("masked_fill_", Tensor.masked_fill)(self, mask, value)


@tensor_method
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    from chainrule.ops.pointwise import where

    return where(mask, value if isinstance(value, Tensor) else float(value) if input.is_floating_point() else value, input)
