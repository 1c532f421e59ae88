"""In-place ops: ``add_``, ``mul_``, ``zero_``, ``copy_``, ``x += y``, ... with PyTorch's rules.

Outside the graph (no_grad, or nothing requires grad) they write into the tensor's memory.
Inside it, the op is recorded out of place on a snapshot of the old value and the result
is written back, so the tensor's history now ends with that op (PyTorch "rebases" it).
When the tensor is a view, its base's history is rewritten too: the base becomes "the old
base with this region replaced" (`CopySlices`), and the other live views of that base are
given their new history. Either way the version counter goes up, so a node that saved
this memory for backward notices and raises instead of computing with the new values.

PyTorch's refusals, kept here: a leaf that requires grad (or a view of one) cannot be
changed in place while grad mode is on; the outputs of split/unbind cannot be changed in
place in the graph; a result type that does not fit the tensor's dtype is an error.
"""

from __future__ import annotations

import weakref

import numpy as np

from chainrule import dtypes
from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, tensor_method
from chainrule.ops.shape import view_info

# ---------------------------------------------------------------------------------------
# the checks PyTorch makes before writing


def before_inplace_write(self: Tensor, needs_graph: bool) -> None:
    """Every in-place write starts here: refuse what PyTorch refuses, protect what a node saved."""
    writable(self)
    _refuse_for_autograd(self, needs_graph)
    _protect_saved_output(self)


def _refuse_for_autograd(self: Tensor, needs_graph: bool) -> None:
    """Refuse in-place writes that would make gradients wrong (PyTorch's errors)."""
    if not grad_mode._grad_enabled.get():
        return
    info = view_info(self)
    if info is None:
        if self._requires_grad and self.grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        return
    base, made_with_grad = info.base, info.made_with_grad
    if base._requires_grad and base.grad_fn is None and (self._requires_grad or not made_with_grad):
        raise RuntimeError("a view of a leaf Variable that requires grad is being used in an in-place operation.")
    if not needs_graph:
        return
    if not made_with_grad and base._requires_grad:
        raise RuntimeError(
            "A view was created in no_grad mode and is being modified inplace with grad mode enabled. Given "
            "that this use case is ambiguous and error-prone, it is forbidden. You can clarify your code by "
            "moving both the view and the inplace either both inside the no_grad block (if you don't want "
            "the inplace to be tracked) or both outside (if you want the inplace to be tracked)."
        )
    if info.one_of_many and self.grad_fn is not None:
        op = self.grad_fn.name().removesuffix("Backward0")
        raise RuntimeError(
            f"Output {self._output_nr} of {op} is a view and is being modified inplace. This view is the output "
            "of a function that returns multiple views. Such functions do not allow the output views to be "
            "modified inplace. You should replace the inplace operation by an out-of-place one."
        )


def writable(self: Tensor) -> None:
    """An expanded tensor repeats one memory cell: writing into it is refused, as in PyTorch."""
    data = self._data
    if not data.flags.writeable:
        if any(stride == 0 and size > 1 for stride, size in zip(data.strides, data.shape)):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single "
                "memory location. Please clone() the tensor before performing the operation."
            )
        raise RuntimeError(
            f"this tensor's memory (shape {list(data.shape)}) is read-only; clone() it before writing in place"
        )


def _legacy_name(t: Tensor) -> str:
    return dtypes.legacy_name(t._data.dtype)


def _check_result(self: Tensor, result: Tensor) -> None:
    if result._data.shape != self._data.shape:
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape {list(result.shape)}"
        )
    if result._data.dtype != self._data.dtype and not np.can_cast(result._data.dtype, self._data.dtype, "same_kind"):
        raise RuntimeError(
            f"result type {_legacy_name(result)} can't be cast to the desired output type {_legacy_name(self)}"
        )


# ---------------------------------------------------------------------------------------
# writing inside the graph: rebase the history


class CopySlices(Op):
    """The base with one view's region replaced by ``value``: the history of writing via a view."""

    backward_name = "CopySlices"

    def forward(self, base, value, remake, target):
        # `target` is the live base's memory: the write lands there, with no extra copy.
        self.remake, self.template = remake, target
        _region(remake, target)[...] = value._data
        return target

    def backward(self, grad):
        keep = np.ones_like(self.template, dtype=grad._data.dtype)  # same layout as the base
        _region(self.remake, keep)[...] = 0  # the overwritten region got nothing from the old base
        return grad * Tensor._wrap(keep), self.remake(grad)


def _region(remake, array: np.ndarray) -> np.ndarray:
    """The view ``remake`` selects, taken of ``array`` (a NumPy view: writes go through)."""
    with grad_mode.no_grad():
        return remake(Tensor._wrap(array))._data


def _snapshot(t: Tensor) -> Tensor:
    """A copy of ``t``'s current value that keeps ``t``'s history (ops may save it for backward)."""
    old = Tensor._wrap(t._data.copy(), t.grad_fn)
    if t._output_nr:
        old._output_nr = t._output_nr
    return old


def _adopt_history(t: Tensor, result: Tensor) -> None:
    old = t.grad_fn
    if old is not None and old._retained is not None:
        _move_retain_grad(t, old, result.grad_fn, result._output_nr)
    t.grad_fn = result.grad_fn
    t._output_nr = result._output_nr
    t._requires_grad = result._requires_grad
    if result.grad_fn is not None and result.grad_fn._output_ref is not None:
        result.grad_fn._output_ref = weakref.ref(t)


def _move_retain_grad(t: Tensor, old, new, new_nr: int) -> None:
    """retain_grad() follows the tensor to its new history: .grad is the new value's, as in torch
    (hooks registered before the write stay with the old value)."""
    ref = old._retained.get(t._output_nr)
    if ref is None or ref() is not t:
        return
    del old._retained[t._output_nr]
    if not old._retained:
        old._retained = None
    if new is not None:
        if new._retained is None:
            new._retained = {}
        new._retained[new_nr] = weakref.ref(t)


def _protect_saved_output(t: Tensor) -> None:
    """Keep a node that saved this memory as its output (exp, tanh) computing with the old value.

    PyTorch raises at backward in this case; a private copy keeps the gradient right instead.
    """
    info = view_info(t)
    owner = info.base if info is not None else t
    node = owner.grad_fn
    saved = getattr(node, "_saved_output", None) if node is not None else None
    if saved is not None and np.may_share_memory(saved, owner._data):
        node._saved_output = saved.copy()
        node._output_version = None  # the copy is safe from this write: no version check needed


def rebase_inplace(self: Tensor, compute) -> Tensor:
    """Record ``compute(old_self)`` and make its result this tensor's new value and history.

    Call `before_inplace_write` first.
    """
    info = view_info(self)
    if info is None:
        result = compute(_snapshot(self))
        _check_result(self, result)
        self._data[...] = result._data
        _adopt_history(self, result)
        base = self
    else:
        base, remake = info.base, info.remake
        old_base = _snapshot(base)
        result = compute(remake(old_base))
        _check_result(self, result)
        _adopt_history(base, CopySlices.apply(old_base, result, remake=remake, target=base._data))
        _adopt_history(self, remake(base))
    self._bump_version()
    _refresh_views(base, self)
    return self


def _refresh_views(base: Tensor, done: Tensor) -> None:
    """Give the other live views of ``base`` their history through its new ``grad_fn``."""
    views = base._views
    if not views:
        return
    for view in list(views):
        if view is not done:
            _adopt_history(view, view._view_of.remake(base))


# ---------------------------------------------------------------------------------------
# the in-place ops


def _needs_graph(self: Tensor, args) -> bool:
    if not grad_mode._grad_enabled.get():
        return False
    if self._requires_grad:
        return True
    return any(isinstance(a, Tensor) and a._requires_grad for a in args)


def _inplace(name: str, out_of_place, ufunc=None):
    """``self.<name>(...)``: ``out_of_place`` computed, then written into ``self``."""

    def method(self: Tensor, *args, **kwargs) -> Tensor:
        needs_graph = _needs_graph(self, args)
        before_inplace_write(self, needs_graph)
        if needs_graph:
            return rebase_inplace(self, lambda old: out_of_place(old, *args, **kwargs))
        if ufunc is not None and len(args) == 1 and _fast_write(self, ufunc, args[0], kwargs):
            return self
        result = out_of_place(Tensor._wrap(self._data), *args, **kwargs)
        _check_result(self, result)
        self._data[...] = result._data
        self._bump_version()
        return self

    method.__name__ = name
    return method


def _fast_write(self: Tensor, ufunc, other, kwargs: dict) -> bool:
    """The optimizer's hot path (``p.add_(g, alpha=-lr)`` under no_grad): NumPy writes into p."""
    data = self._data
    alpha = kwargs.get("alpha", 1)
    if data.dtype.kind != "f" or len(kwargs) > ("alpha" in kwargs) or not isinstance(alpha, (float, int)):
        return False
    if "alpha" in kwargs and ufunc is not np.add and ufunc is not np.subtract:
        return False  # only add_/sub_ take alpha; the general path raises for the others
    if isinstance(other, Tensor):
        if other._data.dtype != data.dtype:
            return False
        other = other._data
    elif not isinstance(other, (float, int)) or isinstance(other, bool):
        return False
    if alpha != 1:
        other = other * alpha  # a Python float keeps float32 data float32 (NumPy 2's weak scalars)
    try:
        ufunc(data, other, out=data)
    except ValueError:
        return False  # a shape that does not broadcast into self: the general path says why
    self._bump_version()
    return True


def _register_inplace_ops() -> None:
    fast = {"add_": np.add, "sub_": np.subtract, "mul_": np.multiply, "div_": np.true_divide}
    pairs = {
        "add_": Tensor.add, "sub_": Tensor.sub, "mul_": Tensor.mul, "div_": Tensor.div,
        "pow_": Tensor.pow, "neg_": Tensor.neg, "exp_": Tensor.exp, "log_": Tensor.log,
        "sqrt_": Tensor.sqrt, "tanh_": Tensor.tanh, "sigmoid_": Tensor.sigmoid, "relu_": Tensor.relu,
        "abs_": Tensor.abs, "clamp_": Tensor.clamp, "clamp_min_": Tensor.clamp_min,
        "clamp_max_": Tensor.clamp_max, "floor_": Tensor.floor, "ceil_": Tensor.ceil,
        "round_": Tensor.round, "sign_": Tensor.sign, "sin_": Tensor.sin, "cos_": Tensor.cos,
        "reciprocal_": Tensor.reciprocal, "scatter_": Tensor.scatter, "scatter_add_": Tensor.scatter_add,
        "masked_fill_": Tensor.masked_fill, "index_add_": Tensor.index_add, "index_put_": Tensor.index_put,
    }
    for name, function in pairs.items():
        setattr(Tensor, name, _inplace(name, function, fast.get(name)))
    Tensor.clip_ = Tensor.clamp_
    Tensor.multiply_ = Tensor.mul_
    Tensor.subtract_ = Tensor.sub_
    Tensor.divide_ = Tensor.div_
    Tensor.__iadd__ = _inplace("__iadd__", Tensor.add, np.add)
    Tensor.__isub__ = _inplace("__isub__", Tensor.sub, np.subtract)
    Tensor.__imul__ = _inplace("__imul__", Tensor.mul, np.multiply)
    Tensor.__itruediv__ = _inplace("__itruediv__", Tensor.div, np.true_divide)
    Tensor.__ipow__ = _inplace("__ipow__", Tensor.pow)


@tensor_method
def masked_fill(input: Tensor, mask: Tensor, value) -> Tensor:
    """``input`` with ``value`` wherever ``mask`` (broadcast) is True."""
    from chainrule.ops.pointwise import where

    if not isinstance(value, Tensor):
        value = float(value) if input.is_floating_point() else value
    return where(mask, value, input)


_register_inplace_ops()


def _no_gradient(grad: Tensor) -> Tensor:
    """Zeros for an overwritten input: an explicit zero (not None) keeps the engine's walk going."""
    return Tensor._wrap(np.zeros_like(grad._data))


class Fill(Op):
    """Every element set to ``value`` (a 0-d tensor): the old value does not reach the result."""

    def forward(self, old, value, variant):
        self.variant = variant
        return np.full_like(old._data, value._data)

    def backward(self, grad):
        return _no_gradient(grad), grad.sum()

    def name(self) -> str:
        return {"zero": "ZeroBackward0", "number": "FillBackward2"}.get(self.variant, "FillBackward3")


class Copy(Op):
    """``self.copy_(src)``: ``src`` broadcast and cast into self's shape and dtype."""

    backward_name = "CopyBackwards"

    def forward(self, old, src):
        return np.broadcast_to(src._data, old._data.shape).astype(old._data.dtype)

    def backward(self, grad):
        # The engine sums src's share back to src's shape and casts it to src's dtype.
        return _no_gradient(grad), grad


def _write(self: Tensor, source: Tensor, op, **params) -> Tensor:
    """Overwrite every element of ``self`` with ``op.apply(old, source)`` (recorded when needed)."""
    needs_graph = _needs_graph(self, (source,)) and self.is_floating_point()
    before_inplace_write(self, needs_graph)
    if needs_graph:
        return rebase_inplace(self, lambda old: op.apply(old, source, **params))
    self._data[...] = np.broadcast_to(source._data, self._data.shape)
    self._bump_version()
    return self


@tensor_method(function=False)
def zero_(self: Tensor) -> Tensor:
    """Set every element to 0 in place (``w.grad.data.zero_()`` in the lecture)."""
    return _write(self, Tensor._wrap(np.zeros((), dtype=self._data.dtype)), Fill, variant="zero")


@tensor_method(function=False)
def fill_(self: Tensor, value) -> Tensor:
    """Set every element to ``value`` (a number or a 0-d tensor, whose gradient is the sum)."""
    variant = "tensor" if isinstance(value, Tensor) else "number"
    if isinstance(value, Tensor) and value._data.ndim:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value._data.ndim} dimensions."
        )
    value_t = value if isinstance(value, Tensor) else Tensor._wrap(np.asarray(value, dtype=self._data.dtype))
    return _write(self, value_t, Fill, variant=variant)


def _check_copy_shape(shape: tuple, src_shape: tuple) -> None:
    """``src`` must broadcast to ``shape`` (PyTorch's two messages)."""
    for i in range(1, min(len(shape), len(src_shape)) + 1):
        a, b = shape[-i], src_shape[-i]
        if a != b and b != 1:
            raise RuntimeError(
                f"The size of tensor a ({a}) must match the size of tensor b ({b}) at non-singleton dimension "
                f"{len(shape) - i}"
            )
    if len(src_shape) > len(shape):
        broadcast = list(src_shape[:len(src_shape) - len(shape)]) + list(shape)
        raise RuntimeError(f"output with shape {list(shape)} doesn't match the broadcast shape {broadcast}")


@tensor_method(function=False)
def copy_(self: Tensor, src, non_blocking: bool = False) -> Tensor:
    """Copy ``src`` (broadcast, cast) into this tensor's memory; differentiable w.r.t. ``src``."""
    src_t = src if isinstance(src, Tensor) else Tensor._wrap(np.asarray(src))
    _check_copy_shape(self._data.shape, src_t._data.shape)
    if src_t._requires_grad and not self.is_floating_point():
        src_t = src_t.detach()
    return _write(self, src_t, Copy)


# ---------------------------------------------------------------------------------------
# Python callables applied element by element (slow, as in PyTorch: a convenience for small tensors)


def _refuse_python_callables(self: Tensor, name: str) -> None:
    if self._requires_grad:
        raise RuntimeError(f"Can't call {name}() on Variable that requires grad. Use var.detach().{name}() instead.")
    before_inplace_write(self, needs_graph=False)


@tensor_method(function=False)
def apply_(self: Tensor, callable) -> Tensor:
    """``self[i] = callable(self[i])`` for every element, with Python numbers in and out."""
    _refuse_python_callables(self, "apply_")
    values = [callable(v) for v in self._data.ravel().tolist()]
    self._data[...] = np.asarray(values, dtype=self._data.dtype).reshape(self._data.shape)
    self._bump_version()
    return self


@tensor_method(function=False)
def map_(self: Tensor, tensor: Tensor, callable) -> Tensor:
    """``self[i] = callable(self[i], tensor[i])``, ``tensor`` broadcast to ``self``'s shape."""
    _refuse_python_callables(self, "map_")
    if tensor._data.dtype != self._data.dtype:
        raise TypeError(f"map_: expected {self.type()} for 'other' (got {tensor.type()})")
    try:
        others = np.broadcast_to(tensor._data, self._data.shape)
    except ValueError:
        from chainrule.ops.shape import expand  # its error is PyTorch's "expanded size" message

        expand(tensor, *self._data.shape)
        raise
    pairs = zip(self._data.ravel().tolist(), others.ravel().tolist())
    values = [callable(a, b) for a, b in pairs]
    self._data[...] = np.asarray(values, dtype=self._data.dtype).reshape(self._data.shape)
    self._bump_version()
    return self

