"""Custom differentiable functions: `Function` with `forward(ctx, ...)` and `backward(ctx, ...)`.

As in PyTorch::

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x ** 2

    y = Cube.apply(x)

``forward`` runs with gradients off and gets Tensors; ``backward`` gets one gradient per
output and returns one per input (None for inputs that need none).
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np

from chainrule.autograd import grad_mode
from chainrule.autograd.node import Node, _anomaly_trace, link_inputs


class FunctionCtx(Node):
    """The ``ctx`` of a custom Function; it is also the graph node (``y.grad_fn``)."""

    __slots__ = ("__dict__",)

    def name(self) -> str:
        return f"{self._function.__name__}Backward"

    @property
    def _n_outputs(self) -> int:  # type: ignore[override]
        return self._n_outs

    def save_for_backward(self, *tensors: Any) -> None:
        self._recording = True
        self._saved_versions = ()  # a second call replaces what the first saved, versions included
        super().save_for_backward(*tensors)

    def mark_non_differentiable(self, *tensors: Any) -> None:
        self._non_differentiable = {id(t) for t in tensors}

    def mark_dirty(self, *tensors: Any) -> None:
        for t in tensors:
            t._bump_version()

    def set_materialize_grads(self, value: bool) -> None:
        self._materialize = bool(value)

    def backward(self, *grads: Any) -> tuple:
        result = self._function.backward(self, *grads)
        if not isinstance(result, tuple):
            result = (result,)
        # Drop the gradients of non-tensor arguments: the graph has edges only for tensors.
        if len(result) == len(self._arg_is_tensor):
            result = tuple(g for g, is_t in zip(result, self._arg_is_tensor) if is_t)
        return result


class Function:
    """Base class for custom autograd functions (see module docstring)."""

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grads: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, *grad_outputs)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        from chainrule._tensor import Tensor

        ctx = object.__new__(FunctionCtx)
        ctx._function = cls
        ctx._recording = False
        ctx._output_ref = None
        ctx._non_differentiable = set()
        ctx._materialize = True
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        record = grad_mode.is_grad_enabled() and any(ctx.needs_input_grad)
        with grad_mode.no_grad():
            outputs = cls.forward(ctx, *args, **kwargs)
        single = not isinstance(outputs, tuple)
        outs = (outputs,) if single else outputs
        if not record:
            ctx._saved = None
            return outputs
        ctx._recording = True
        link_inputs(ctx, tensor_args)
        ctx._arg_is_tensor = tuple(isinstance(a, Tensor) for a in args)
        ctx._trace = _anomaly_trace()
        ctx._n_outs = len(outs)
        ctx._out_metas = tuple((o._data.shape, o._data.dtype) if isinstance(o, Tensor) else ((), np.float32) for o in outs)
        ctx._out_shape, ctx._out_dtype = ctx._out_metas[0]
        wrapped = []
        for nr, o in enumerate(outs):
            if not isinstance(o, Tensor) or id(o) in ctx._non_differentiable or o._data.dtype.kind != "f":
                wrapped.append(o)
                continue
            # A fresh tensor object shares the data: an input returned as is keeps its own history.
            out = Tensor._wrap(o._data, ctx, nr)
            # One memory, one version counter: writing into the output later is seen by the
            # check of a saved `o` (ctx.save_for_backward(result); return result), as in torch.
            out._vc = o._version_counter
            wrapped.append(out)
        ctx._output_ref = weakref.ref(wrapped[0]) if isinstance(wrapped[0], Tensor) else None
        return wrapped[0] if single else tuple(wrapped)
