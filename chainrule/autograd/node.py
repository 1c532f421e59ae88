"""Graph nodes of the tensor engine: PyTorch's ``grad_fn`` objects.

A `Tensor` points to the `Node` that made it (``t.grad_fn``); a node points to the nodes
of its inputs (``next_functions``) and holds only what its derivative needs. It never
points back to its output tensor (only weakly, for drawings), so there are no reference
cycles, and `release()` after backward lets the saved arrays go even while the loss
tensor stays alive.

Every op is a subclass of `Op` with its forward and its derivative side by side::

    class Mul(Op):
        def forward(self, a, b):             # Tensors in, ndarray out
            self.save_for_backward(a, b)
            return a._data * b._data

        def backward(self, grad):            # Tensors in, Tensors out
            a, b = self.saved_tensors
            return grad * b, grad * a

``backward`` is written with chainrule's own Tensor ops, so with ``create_graph=True``
the backward pass is itself recorded and can be differentiated again. Gradients that
come back in a broadcast shape or another dtype are summed/cast to the input's shape and
dtype by the engine (`chainrule.autograd.engine`), in one place, as PyTorch does.
"""

from __future__ import annotations

import re
import weakref
from typing import Any

import numpy as np

from chainrule import dtypes
from chainrule.autograd import anomaly, grad_mode
from chainrule.autograd.fp_errors import QUIET as _QUIET_FP
from chainrule.autograd.fp_errors import reset_state as _reset_fp_state
from chainrule.autograd.fp_errors import set_state as _set_fp_state
from chainrule.graph import NodeView

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you call "
    ".backward() or autograd.grad(). Specify retain_graph=True if you need to backward through the "
    "graph a second time or if you need to access saved tensors after calling backward."
)


class Node:
    """A step of the backward pass. Subclasses set `backward`."""

    _n_outputs = 1  # multi-output nodes (custom Functions returning tuples) override this

    # Set on every recorded node. Few slots and few objects per node: every object that
    # outlives the op is work for the garbage collector (a large part of the per-op cost).
    __slots__ = (
        "_fns",  # the Node (or None) behind each input: next_functions without the pairs
        "_recording",  # False when grad mode was off: save_for_backward then saves nothing
        "_output_ref",  # weakref to the output tensor, for drawings and explanations
        "_out_shape",  # shape and numpy dtype of the output: consumers' gradients are fitted
        "_out_dtype",  # to these (an input's shape is the shape its producer made)
        "__weakref__",
    )
    # Set only when used (op subclasses have a __dict__): class-level defaults.
    _nrs = None  # which output of each input's node each input is; None when all are output 0
    _saved = None  # tensors saved for backward; None once released
    _saved_versions = ()  # the saved tensors' versions; empty when all were at version 0
    _saved_output = None  # the output array, for ops whose derivative uses it (exp, tanh)
    _output_version = None  # the output tensor's version counter (a list), checked by output()
    _released = False
    # Hooks, as (key, hook) pairs: key is an output number for a hook registered on that output
    # tensor (t.register_hook), PRE for register_prehook, POST for register_hook (torch's node API).
    _pre_hooks = None
    _retained = None  # {output_nr: weakref to the output tensor} for outputs that called retain_grad()
    _trace = None  # the forward traceback, kept under detect_anomaly()

    @property
    def next_functions(self) -> tuple:
        """One ``(node, output_nr)`` pair per input, as in PyTorch (None for inputs without grad)."""
        nrs = self._nrs or (0,) * len(self._fns)
        return tuple(zip(self._fns, nrs))

    @property
    def _out_meta(self) -> tuple:
        return self._out_shape, self._out_dtype

    def _out_meta_of(self, nr: int) -> tuple:
        """(shape, numpy dtype) of output ``nr``: what a gradient sent to it must be fitted to."""
        if self._n_outputs == 1:
            return self._out_shape, self._out_dtype
        return self._out_metas[nr]

    def name(self) -> str:
        """PyTorch's name for this node: ``MulBackward0`` for the op class ``Mul``."""
        cls = type(self)
        return getattr(cls, "backward_name", None) or cls.__name__ + "Backward0"

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    # -- saving what backward needs -------------------------------------------------
    def save_for_backward(self, *tensors: Any) -> None:
        if self._recording:
            self._saved = tensors
            for t in tensors:
                if t is not None and t._vc is not None:
                    # Most tensors were never modified (no counter: version 0, the default).
                    self._saved_versions = tuple(_version_of(t) for t in tensors)
                    break

    def save_output(self, array: np.ndarray) -> np.ndarray:
        """Keep the output's array for backward (exp, tanh, sigmoid need their output)."""
        if self._recording:
            self._saved_output = array
        return array

    @property
    def saved_tensors(self) -> tuple:
        saved = self._saved
        if saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        versions = self._saved_versions
        for i, t in enumerate(saved):
            if t is not None and t._vc is not None:
                version = versions[i] if versions else 0
                if t._vc[0] != version:
                    raise RuntimeError(_modified_inplace_message(t, version, self))
        return saved

    def output(self):
        """The forward result as a Tensor whose grad_fn is this node (for double backward)."""
        from chainrule._tensor import Tensor

        array = self._saved_output
        if array is None:
            raise RuntimeError(_FREED_MESSAGE)
        counter = self._output_version
        if counter is not None and counter[0] != 0:
            made_by = f", which is output 0 of {_node_kind(self)},"
            raise RuntimeError(_modified_message(array.dtype, array.shape, made_by, counter[0], 0))
        if grad_mode.is_grad_enabled():
            return Tensor._wrap(array, self)
        return Tensor._wrap(array)

    def release(self) -> None:
        """Drop saved values after backward (unless retain_graph=True)."""
        if self._saved is not None or self._saved_output is not None:
            self._released = True
            self._saved = None
            self._saved_output = None

    def register_hook(self, hook) -> "RemovableHandle":
        """After this node's backward: ``hook(grad_inputs, grad_outputs)``, both tuples (None for
        an input that needs no gradient); a returned tuple replaces ``grad_inputs``. As torch."""
        return self._add_hook(POST, hook)

    def register_prehook(self, hook) -> "RemovableHandle":
        """Before this node's backward: ``hook(grad_outputs)``; a returned tuple replaces them."""
        return self._add_hook(PRE, hook)

    def _register_tensor_hook(self, hook, output_nr: int) -> "RemovableHandle":
        """``t.register_hook(hook)`` for output ``output_nr``: ``hook(grad)`` may return a new grad."""
        return self._add_hook(output_nr, hook)

    def _add_hook(self, key, hook) -> "RemovableHandle":
        if self._pre_hooks is None:
            self._pre_hooks = []
        return RemovableHandle(self._pre_hooks, (key, hook))

    # -- the graph protocol (chainrule.graph), for drawings and explanations -------------
    def _graph_parents(self) -> tuple:
        return _graph_parents_of(self)

    def _graph_view(self) -> NodeView:
        shape, dtype = self._out_meta
        return NodeView(op=_op_label(self), label="", data=None, grad=None, shape=shape, dtype=_dtype_name(dtype))

    def _graph_local_derivatives(self) -> tuple:
        return _scalar_local_derivatives(self)


PRE, POST = "pre", "post"  # keys of node-level hooks in Node._pre_hooks


class RemovableHandle:
    """Returned by `register_hook`; `handle.remove()` unregisters the hook."""

    def __init__(self, hooks: list, hook) -> None:
        self._hooks = hooks
        self._hook = hook
        hooks.append(hook)

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class AccumulateGrad(Node):
    """The node of a leaf that requires grad: backward adds the gradient into ``variable.grad``."""

    __slots__ = ("variable", "_pre_hooks")
    backward_name = "AccumulateGrad"
    _fns = ()

    def __init__(self, variable) -> None:
        self.variable = variable  # strong, as in PyTorch: the graph keeps its leaves alive
        self._pre_hooks = None  # grad_fn-style hooks (register_hook/register_prehook), rarely set
        self._recording = False
        self._output_ref = None
        # The leaf as the graphs using this node saw it. `w.data = ...` with another shape or
        # dtype gives the leaf a new accumulator for later graphs (Tensor.data's setter).
        self._out_shape = variable._data.shape
        self._out_dtype = variable._data.dtype

    def _graph_view(self) -> NodeView:
        return self.variable._graph_view()


class Op(Node):
    """A differentiable op: ``forward`` on arrays beside ``backward`` on Tensors."""

    __slots__ = ()

    # Subclasses define:
    #   forward(self, *inputs: Tensor, **params) -> np.ndarray
    #   backward(self, grad: Tensor) -> Tensor | tuple[Tensor | None, ...]  (one per input)

    @classmethod
    def apply(cls, *inputs, **params):
        node = _new_object(cls)
        record = False
        if _grad_enabled_get():
            for t in inputs:
                if t._requires_grad:
                    record = True
                    break
        node._recording = record
        fp_state = _set_fp_state(_QUIET_FP)  # log(0) is -inf without a NumPy warning, as in torch
        try:
            out = node.forward(*inputs, **params) if params else node.forward(*inputs)
        finally:
            _reset_fp_state(fp_state)
        if type(out) is not np.ndarray:
            out = np.asarray(out)  # NumPy returns scalars from 0-d ops
        if not record:
            return _wrap(out)
        # The hot path of every recorded op: plain loops and attribute stores, no generators.
        fns = []
        nrs = 0
        for t in inputs:
            fn = t.grad_fn
            if fn is not None:
                fns.append(fn)
                nrs |= t._output_nr
            elif t._requires_grad:
                fns.append(_leaf_node(t))
            else:
                fns.append(None)
        node._fns = tuple(fns)
        if nrs:
            node._nrs = tuple(t._output_nr if t.grad_fn is not None else 0 for t in inputs)
        return _record_output(node, out)

    @classmethod
    def apply_binary(cls, a, b):
        """`apply` for two tensor inputs and no parameters (``a + b``, ``a * b``): the per-op
        budget is small enough that skipping ``*args``/``**params`` handling shows."""
        node = _new_object(cls)
        record = (a._requires_grad or b._requires_grad) and _grad_enabled_get()
        node._recording = record
        fp_state = _set_fp_state(_QUIET_FP)
        try:
            out = node.forward(a, b)
        finally:
            _reset_fp_state(fp_state)
        if type(out) is not np.ndarray:
            out = np.asarray(out)
        if not record:
            return _wrap(out)
        fa = a.grad_fn
        if fa is None and a._requires_grad:
            fa = _leaf_node(a)
        fb = b.grad_fn
        if fb is None and b._requires_grad:
            fb = _leaf_node(b)
        node._fns = (fa, fb)
        if (fa is not None and a._output_nr) or (fb is not None and b._output_nr):
            node._nrs = (a._output_nr if a.grad_fn is not None else 0, b._output_nr if b.grad_fn is not None else 0)
        return _record_output(node, out)


def _record_output(node: Node, out: np.ndarray):
    """The output tensor of a recorded node: `Tensor._wrap(out, node)` written out (the hot path)."""
    node._out_shape = out.shape
    node._out_dtype = out.dtype
    if anomaly._enabled:
        node._trace = anomaly.capture_forward_trace()
    result = _new_object(_tensor_class)
    result._data = out
    result._requires_grad = True
    result.grad_fn = node
    node._output_ref = weakref.ref(result)
    if node._saved_output is None:
        result._vc = None
    else:
        # In-place writes to the output (through it, a view or detach()) bump this counter.
        node._output_version = result._vc = [0]
    return result


def _leaf_node(t):
    """The AccumulateGrad node of leaf ``t`` (made once, then found through a weak reference)."""
    accumulator = t._accumulator
    accumulator = accumulator() if accumulator is not None else None
    return accumulator if accumulator is not None else t._grad_accumulator()


def _version_of(t) -> int:
    """A saved tensor's version (0 for None and for tensors never modified)."""
    if t is None:
        return 0
    vc = t._vc
    return vc[0] if vc is not None else 0


def link_inputs(node: Node, inputs) -> None:
    """Point ``node`` at the nodes behind ``inputs`` (what `Op.apply` does inline)."""
    fns = []
    nrs = []
    for t in inputs:
        fn = t.grad_fn
        if fn is not None:
            fns.append(fn)
            nrs.append(t._output_nr)
        else:
            fns.append(_leaf_node(t) if t._requires_grad else None)
            nrs.append(0)
    node._fns = tuple(fns)
    if any(nrs):
        node._nrs = tuple(nrs)


def _anomaly_trace():
    return anomaly.capture_forward_trace() if anomaly._enabled else None


_new_object = object.__new__
_grad_enabled_get = grad_mode._grad_enabled.get
_wrap = None  # Tensor._wrap, bound by chainrule._tensor once Tensor exists (it imports this module)


_tensor_class = None


def bind_tensor_class(tensor_class) -> None:
    global _wrap, _tensor_class
    _wrap = tensor_class._wrap
    _tensor_class = tensor_class


def _dtype_name(np_dtype) -> str:
    return "bool" if np_dtype == np.bool_ else str(np_dtype)


def _modified_inplace_message(t, version: int, node: Node) -> str:
    """PyTorch's words, naming the modified tensor's current history (what the in-place op made)."""
    made_by = ""
    if t.grad_fn is not None:
        made_by = f", which is output {t._output_nr} of {_node_kind(t.grad_fn)},"
    return _modified_message(t._data.dtype, t._data.shape, made_by, t._version_counter[0], version)


def _modified_message(dtype, shape: tuple, made_by: str, current: int, expected: int) -> str:
    sizes = "[" + ", ".join(str(s) for s in shape) + "]"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: [torch.{dtypes.legacy_name(np.dtype(dtype))}Tensor {sizes}]{made_by} is at version {current}; expected version "
        f"{expected} instead. Hint: enable anomaly detection to find the operation that failed to compute "
        "its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )


def _node_kind(node: Node) -> str:
    """How PyTorch's in-place message names a node: ``Mul`` for MulBackward0, and CopySlices in full."""
    name = node.name()
    if name == "CopySlices":
        return "torch::autograd::CopySlices"
    return re.sub(r"Backward\d+$", "", name)


def _op_label(node: Node) -> str:
    """A short op name for drawings: the op's ``symbol`` ("*", "@") or its class name ("tanh")."""
    return getattr(type(node), "symbol", None) or type(node).__name__.lower()


def _graph_parents_of(node: Node) -> tuple:
    parents = []
    for fn, _ in node.next_functions:
        if fn is None:
            continue
        if isinstance(fn, AccumulateGrad):
            parents.append(fn.variable)
            continue
        out = fn._output_ref() if fn._output_ref is not None else None
        # After an in-place op the tensor has a new history: it is no longer fn's output.
        parents.append(out if out is not None and out.grad_fn is fn else fn)
    return tuple(parents)


def _scalar_local_derivatives(node: Node) -> tuple:
    """d(output)/d(input) per graph parent as floats, when everything is a scalar and saved."""
    from chainrule._tensor import Tensor

    parents_meta = [(fn, fn._out_meta_of(nr)) for fn, nr in node.next_functions if fn is not None]
    all_scalar = node._out_meta[0] == () or np.prod(node._out_meta[0]) == 1
    if not all_scalar or any(int(np.prod(shape)) != 1 for _, (shape, _) in parents_meta):
        return tuple(None for _ in parents_meta)
    try:
        with grad_mode.no_grad():
            grads = node.backward(Tensor._wrap(np.ones(node._out_meta[0], dtype=node._out_meta[1])))
    except RuntimeError:  # saved values already freed
        return tuple(None for _ in parents_meta)
    if not isinstance(grads, tuple):
        grads = (grads,)
    return tuple(
        float(np.asarray(g._data).reshape(-1)[0]) if g is not None else 0.0
        for (fn, _), g in zip(node.next_functions, grads)
        if fn is not None
    )
