"""The backward pass: walk the graph of `Node`s from the outputs back to the leaves.

The walk is iterative (Kahn's algorithm over dependency counts), so a chain of 10^5 ops
needs no recursion. Each node runs once, when every consumer of its output has handed
its gradient over; gradients arriving at one node are summed (the multivariable chain
rule). Gradients are kept in a dict and popped as soon as they are used.
"""

from __future__ import annotations

import sys
import threading
from typing import Iterable, Sequence

import numpy as np

from chainrule.autograd import anomaly, fp_errors, grad_mode
from chainrule.autograd.node import _FREED_MESSAGE, POST, PRE, AccumulateGrad, Node

_Tensor = None  # chainrule._tensor.Tensor, bound on first use (it imports this package)


def _bind_tensor() -> None:
    global _Tensor
    if _Tensor is None:
        from chainrule._tensor import Tensor

        _Tensor = Tensor


def backward(
    tensors,
    grad_tensors=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    inputs=None,
) -> None:
    """Compute the gradient of ``tensors`` and add it into the ``.grad`` of the leaves.

    As `torch.autograd.backward`. ``inputs`` restricts accumulation to those tensors.
    """
    _bind_tensor()
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors) if grad_tensors is not None else (None,) * len(tensors)
    roots = _root_gradients(tensors, grad_tensors, "backward")
    if retain_graph is None:
        retain_graph = create_graph
    only = None
    if inputs is not None:
        inputs = _as_tuple(inputs)
        if not inputs:
            raise RuntimeError("backward: the 'inputs' argument was given but is empty")
        only = {_input_node(t, "backward"): t for t in inputs}
    _run(roots, retain_graph, create_graph, capture=None, accumulate_only=only)


def grad(
    outputs,
    inputs,
    grad_outputs=None,
    retain_graph: bool | None = None,
    create_graph: bool = False,
    allow_unused: bool | None = None,
    materialize_grads: bool = False,
) -> tuple:
    """Return the gradients of ``outputs`` with respect to ``inputs`` (no ``.grad`` is touched).

    >>> import chainrule as torch
    >>> x = torch.tensor(3.0, requires_grad=True)
    >>> (dx,) = torch.autograd.grad(x ** 3, x, create_graph=True)
    >>> dx, torch.autograd.grad(dx, x)[0]
    (tensor(27., grad_fn=<MulBackward0>), tensor(18.))
    """
    _bind_tensor()
    outputs = _as_tuple(outputs)
    inputs = _as_tuple(inputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    grad_outputs = _as_tuple(grad_outputs) if grad_outputs is not None else (None,) * len(outputs)
    roots = _root_gradients(outputs, grad_outputs, "grad")
    if retain_graph is None:
        retain_graph = create_graph
    capture: dict = {}
    for i, t in enumerate(inputs):
        capture.setdefault(_input_node(t, "grad"), []).append((i, t._output_nr if t.grad_fn is not None else 0))
    captured = _run(roots, retain_graph, create_graph, capture=capture, accumulate_only=None)
    result = []
    for i, t in enumerate(inputs):
        g = captured.get(i)
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    "One of the differentiated Tensors appears to not have been used in the graph. "
                    "Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                g = t.new_zeros(t.shape)
        result.append(g)
    return tuple(result)


# -- internals -------------------------------------------------------------------------


def _as_tuple(x) -> tuple:
    if isinstance(x, (tuple, list)):
        return tuple(x)
    return (x,)


def _input_node(t, api: str) -> Node:
    if not t.requires_grad:
        raise RuntimeError("One of the differentiated Tensors does not require grad")
    if t.grad_fn is not None:
        return t.grad_fn
    return t._grad_accumulator()


def _root_gradients(outputs: Sequence, grads: Sequence, api: str) -> list:
    from chainrule._tensor import Tensor

    if len(outputs) != len(grads):
        raise RuntimeError(
            f"{api}: got {len(grads)} gradients for {len(outputs)} outputs; give one per output"
        )
    roots = []
    for i, (out, g) in enumerate(zip(outputs, grads)):
        if not out.requires_grad:
            raise RuntimeError(f"element {i} of tensors does not require grad and does not have a grad_fn")
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            g = Tensor._wrap(np.ones(out.shape, dtype=out._data.dtype))
        elif not isinstance(g, Tensor):
            g = Tensor._wrap(np.asarray(g, dtype=out._data.dtype))
        if g.shape != out.shape:
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of {g.shape} and output[{i}] has a "
                f"shape of {out.shape}."
            )
        node = out.grad_fn if out.grad_fn is not None else out._grad_accumulator()
        roots.append((node, out._output_nr if out.grad_fn is not None else 0, g))
    return roots


def _dependencies(root_nodes: Iterable[Node]) -> dict:
    """For each node reachable from the roots: how many edges lead into it."""
    deps: dict = {}
    seen = set()
    stack = []
    for node in root_nodes:
        if node not in seen:
            seen.add(node)
            stack.append(node)
    while stack:
        node = stack.pop()
        for fn in node._fns:
            if fn is None:
                continue
            deps[fn] = deps.get(fn, 0) + 1
            if fn not in seen:
                seen.add(fn)
                stack.append(fn)
    return deps


def _nodes_leading_to(targets, root_nodes) -> set:
    """The nodes from which some target can be reached (to skip the rest in autograd.grad)."""
    needed: set = set()
    visited: set = set()
    for root in root_nodes:
        if root in visited:
            continue
        visited.add(root)
        stack = [(root, iter(root._fns))]
        while stack:
            node, pending = stack[-1]
            for fn in pending:
                if fn is not None and fn not in visited:
                    visited.add(fn)
                    stack.append((fn, iter(fn._fns)))
                    break
            else:
                stack.pop()
                if node in targets or any(fn in needed for fn in node._fns if fn is not None):
                    needed.add(node)
    return needed


def _run(roots, retain_graph: bool, create_graph: bool, capture, accumulate_only) -> dict:
    root_nodes = [node for node, _, _ in roots]
    deps = _dependencies(root_nodes)
    needed = None
    if capture is not None or accumulate_only is not None:
        targets = set(capture or ()) | set(accumulate_only or ())
        needed = _nodes_leading_to(targets, root_nodes)

    buffers: dict = {}
    foreign = set()
    for node, nr, g in roots:
        _add_to_buffer(buffers, node, nr, g)
        foreign.add(id(g._data))
    passes = _foreign_arrays()
    passes.append(foreign)
    try:
        return _walk(root_nodes, deps, needed, buffers, retain_graph, create_graph, capture, accumulate_only)
    finally:
        passes.pop()


def _walk(root_nodes, deps, needed, buffers, retain_graph, create_graph, capture, accumulate_only) -> dict:
    ready = [node for node in dict.fromkeys(root_nodes) if deps.get(node, 0) == 0]
    captured: dict = {}
    fp_state = fp_errors.set_state(fp_errors.QUIET)  # log(0), 0/0 in a derivative: no NumPy warnings
    try:
        _walk_ready(ready, deps, needed, buffers, retain_graph, create_graph, capture, accumulate_only, captured)
    finally:
        fp_errors.reset_state(fp_state)
    return captured


def _walk_ready(ready, deps, needed, buffers, retain_graph, create_graph, capture, accumulate_only, captured):
    special_pass = capture is not None or accumulate_only is not None
    with grad_mode.set_grad_enabled(create_graph):
        while ready:
            node = ready.pop()
            grads = buffers.pop(node, None)
            if grads is None:
                # Every consumer is done but none sent a gradient (all returned None):
                # the node contributes nothing, yet what lies below it must still be released.
                _skip_node(node, deps, ready, buffers)
            elif (not special_pass and type(node) is AccumulateGrad and node._pre_hooks is None
                    and node.variable._backward_hooks is None):
                # The commonest leaf: no hooks, a plain backward() — straight into .grad.
                _accumulate_leaf(node.variable, grads[0], create_graph)
            elif needed is None or node in needed:
                if (special_pass or type(node) is AccumulateGrad or node._pre_hooks
                        or node._retained is not None):
                    grads = _special_cases(node, grads, create_graph, capture, accumulate_only, captured)
                if grads is not None:
                    _apply_node(node, grads, buffers, deps, ready)
                elif node._fns:
                    _skip_node(node, deps, ready, buffers)
                if not retain_graph and (node._saved is not None or node._saved_output is not None):
                    node.release()
            else:
                _skip_node(node, deps, ready, buffers)


def _skip_node(node: Node, deps: dict, ready: list, buffers: dict) -> None:
    """Count a node's edges as done without running it (pruned, or a leaf)."""
    for fn in node._fns:
        if fn is not None:
            remaining = deps[fn] - 1
            deps[fn] = remaining
            if remaining == 0:
                ready.append(fn)


def _apply_node(node: Node, grads: list, buffers: dict, deps: dict, ready: list) -> None:
    """Run one node's backward and hand each input's gradient to the node that made that input."""
    if node._released:
        raise RuntimeError(_FREED_MESSAGE)
    if node._n_outputs == 1:
        input_grads = node.backward(grads[0])
    else:
        input_grads = node.backward(*_materialize(node, grads))
    if type(input_grads) is not tuple:
        input_grads = (input_grads,)
    fns = node._fns
    if len(input_grads) != len(fns):
        raise RuntimeError(
            f"function {node.name()} returned an incorrect number of gradients "
            f"(expected {len(fns)}, got {len(input_grads)})"
        )
    if node._pre_hooks:
        input_grads = _run_node_posthooks(node, input_grads, tuple(grads))
    check_nan = anomaly._enabled
    nrs = node._nrs
    i = -1
    for fn in fns:
        i += 1
        if fn is None:
            continue
        g = input_grads[i]
        if g is not None:
            nr = nrs[i] if nrs is not None else 0
            # An input's shape and dtype are those its producer gave it: fit the gradient to them.
            data = g._data if type(g) is _Tensor else None
            if (data is None or data.shape != fn._out_shape or data.dtype is not fn._out_dtype
                    or fn._n_outputs != 1):
                g = _fit_to_input(node, i, g, fn._out_meta_of(nr))
            if check_nan:
                anomaly.check_gradient(node, i, g)
            slot = buffers.get(fn)
            if slot is None:
                buffers[fn] = [g] if fn._n_outputs == 1 else _new_slot(fn, nr, g)
            elif slot[nr] is None:
                slot[nr] = g
            else:
                # Where paths meet, the gradients add up (out of place: `g` may be shared).
                slot[nr] = slot[nr] + g
        remaining = deps[fn] - 1
        deps[fn] = remaining
        if remaining == 0:
            ready.append(fn)


def _new_slot(fn: Node, nr: int, g) -> list:
    slot = [None] * fn._n_outputs
    slot[nr] = g
    return slot


def _special_cases(node: Node, grads: list, create_graph: bool, capture, accumulate_only, captured: dict):
    """Hooks, retain_grad, autograd.grad's captures and leaves; returns None when the node is done."""
    hooks = node._pre_hooks
    if hooks:
        for key, hook in tuple(hooks):  # a tensor's hook on the gradient of its own output (split...)
            if type(key) is int:
                grads[key] = _run_hook(hook, grads[key])
    retained = node._retained
    if retained is not None:
        for nr, ref in retained.items():
            tensor = ref()
            if tensor is not None and grads[nr] is not None:
                _accumulate_into(tensor, grads[nr], create_graph)
    leaf = type(node) is AccumulateGrad
    if leaf and node.variable._backward_hooks and (capture is None or node in capture):
        # A leaf's hooks change what autograd.grad returns for it too, as in torch.
        for hook in tuple(node.variable._backward_hooks):
            grads[0] = _run_hook(hook, grads[0])
    if hooks:
        grads = _run_node_prehooks(node, grads)
    if capture is not None and node in capture:
        for index, nr in capture[node]:
            captured[index] = grads[nr]
    if leaf:
        if capture is None and (accumulate_only is None or node in accumulate_only):
            _accumulate_leaf(node.variable, grads[0], create_graph)
        if hooks:
            _run_node_posthooks(node, (), tuple(grads))
        return None
    if capture is None and accumulate_only is not None and node in accumulate_only:
        # backward(inputs=[non_leaf]) fills the non-leaf's .grad
        _accumulate_into(accumulate_only[node], grads[0], create_graph)
    return grads


def _add_to_buffer(buffers: dict, node: Node, nr: int, g) -> None:
    slot = buffers.get(node)
    if slot is None:
        slot = buffers[node] = [None] * node._n_outputs
    previous = slot[nr]
    # Where paths meet, the gradients add up (out of place: `g` may be shared).
    slot[nr] = g if previous is None else previous + g


def _materialize(node: Node, grads: list) -> list:
    from chainrule._tensor import Tensor

    out = []
    for g, (shape, dtype) in zip(grads, node._out_metas):
        out.append(g if g is not None else Tensor._wrap(np.zeros(shape, dtype=dtype)))
    return out


def _fit_to_input(node: Node, i: int, g, meta):
    """Sum a broadcast gradient back to its input's shape and cast it to the input's dtype."""
    from chainrule._tensor import Tensor

    if not isinstance(g, Tensor):
        raise TypeError(f"function {node.name()} returned a {type(g).__name__} as gradient {i}; expected a Tensor")
    shape, dtype = meta
    if g._data.shape != shape:
        g = _sum_to_shape(node, i, g, shape)
    if g._data.dtype != dtype:
        g = g.to(dtype)
    return g


def _sum_to_shape(node: Node, i: int, g, shape: tuple):
    """The reverse of broadcasting: sum over the axes that broadcasting added or stretched."""
    gshape = g._data.shape
    lead = len(gshape) - len(shape)
    stretched = []
    if lead >= 0:
        for k, s in enumerate(shape):
            gs = gshape[lead + k]
            if s != gs:
                if s != 1:
                    break
                stretched.append(lead + k)
        else:
            return _sum_axes(g, lead, tuple(stretched), shape)
    raise RuntimeError(
        f"Function {node.name()} returned an invalid gradient at index {i} - got "
        f"{list(gshape)} but expected shape compatible with {list(shape)}"
    )


def _sum_axes(g, lead: int, stretched: tuple, shape: tuple):
    """Sum ``g`` over its first ``lead`` axes and (keeping them) the ``stretched`` ones."""
    if not grad_mode._grad_enabled.get():
        # Plain backward: NumPy directly, giving a fresh array a leaf can adopt (bias gradients).
        data = g._data
        if lead:
            data = np.add.reduce(data, axis=tuple(range(lead)) if lead > 1 else 0)
        if stretched:
            data = np.add.reduce(data, axis=tuple(k - lead for k in stretched), keepdims=True)
        return _Tensor._wrap(data if type(data) is np.ndarray else np.asarray(data))
    axes = tuple(range(lead)) + stretched
    if axes:
        g = g.sum(dim=axes, keepdim=True)
    if lead:
        g = g.reshape(shape)
    return g


def _accumulate_leaf(variable, g, create_graph: bool) -> None:
    """Into ``variable.grad``; the gradient is the leaf's as the graph saw it (AccumulateGrad's meta)."""
    data = variable._data
    if g._data.shape != data.shape:
        # `variable.data = ...` of another shape after the graph was recorded: no sum or
        # broadcast of the old gradient would be the new tensor's gradient.
        raise RuntimeError(
            f"the gradient of a leaf has shape {list(g._data.shape)} but the leaf now has shape "
            f"{list(data.shape)}: its .data was replaced after the graph was recorded. Run the "
            "forward pass again with the new data."
        )
    if g._data.dtype != data.dtype:
        g = g.to(data.dtype)  # .data of another dtype: the gradient in the leaf's dtype
    _accumulate_into(variable, g, create_graph)


def _run_node_prehooks(node: Node, grads: list) -> list:
    """``grad_fn.register_prehook`` hooks: ``hook(grad_outputs)`` may return replacements."""
    for key, hook in tuple(node._pre_hooks):
        if key == PRE:
            new = hook(tuple(grads))
            if new is not None:
                grads = [_checked(hook, n, g) if n is not None else None
                         for n, g in zip(_same_count(hook, new, len(grads)), grads)]
    return grads


def _run_node_posthooks(node: Node, grad_inputs: tuple, grad_outputs: tuple) -> tuple:
    """``grad_fn.register_hook`` hooks: ``hook(grad_inputs, grad_outputs)`` after backward; a
    returned tuple replaces the gradients sent on (None for inputs that need none, as torch)."""
    posts = [hook for key, hook in tuple(node._pre_hooks) if key == POST]
    if not posts:
        return grad_inputs
    grad_inputs = tuple(g if fn is not None else None for g, fn in zip(grad_inputs, node._fns))
    for hook in posts:
        new = hook(grad_inputs, grad_outputs)
        if new is not None:
            grad_inputs = tuple(_checked(hook, n, g) if n is not None and g is not None else n
                                for n, g in zip(_same_count(hook, new, len(grad_inputs)), grad_inputs))
    return grad_inputs


def _same_count(hook, values, expected: int) -> tuple:
    values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
    if len(values) != expected:
        raise RuntimeError(f"hook '{_hook_name(hook)}' has returned an incorrect number of values "
                           f"(got {len(values)}, but expected {expected})")
    return values


def _hook_name(hook) -> str:
    name = getattr(hook, "__name__", None)
    return name if isinstance(name, str) else "<unknown>"


def _checked(hook, new, g):
    """A hook's replacement for gradient ``g``: a Tensor of g's dtype and shape (torch's checks)."""
    if g is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(new, _Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(new).__name__}'")
    name = _hook_name(hook)
    if new._data.dtype != g._data.dtype:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {g.type()} got {new.type()})")
    if new._data.shape != g._data.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")
    _mark_foreign(new)
    return new


def _run_hook(hook, g):
    """``hook(g)``, or what it returned instead: a Tensor of g's dtype and shape (torch's checks)."""
    new = hook(g)
    if new is None:
        return g
    return _checked(hook, new, g)


# Arrays that came from outside the pass (root gradients, hook results), one set per running
# backward pass (a hook may start a nested one). Their memory is never adopted as a `.grad`.
# Per thread: two threads' passes must not pop or read each other's sets (a root gradient
# would then be adopted as a leaf's .grad, and writing into it later would change the .grad).
_PER_THREAD = threading.local()


def _foreign_arrays() -> list:
    passes = getattr(_PER_THREAD, "foreign", None)
    if passes is None:
        passes = _PER_THREAD.foreign = []
    return passes


def _mark_foreign(g) -> None:
    passes = _foreign_arrays()
    if passes and g is not None:
        passes[-1].add(id(g._data))


def _owned_by_engine(g) -> bool:
    """True when nothing but the engine's temporary tensor refers to ``data``'s memory.

    Then the first gradient of a leaf can adopt it instead of copying (PyTorch "steals" it
    too). Anything else — a user's tensor, a hook's result, an array two inputs share
    (``a + b`` hands the same gradient to both) — has more references, and is copied. A view
    (``w.t()``'s gradient is a transposed view) qualifies when its base is referenced by it alone.
    """
    data = g._data
    if not data.flags.writeable:
        return False
    passes = _foreign_arrays()
    foreign = passes[-1] if passes else ()
    # g._data, this local, getrefcount's own: nobody else
    if sys.getrefcount(data) > 3 or id(data) in foreign:
        return False
    base = data.base
    if base is None:
        return True
    # data.base, this local, getrefcount's own (+ the base tensor a view op remembers, when
    # only that view refers to it); and the base must own its memory
    allowed = 3
    view_of = g._view_of
    if view_of is not None and view_of.base._data is base and sys.getrefcount(view_of.base) <= 2:
        allowed += 1
    return base.base is None and sys.getrefcount(base) <= allowed and id(base) not in foreign


def _accumulate_into(tensor, g, create_graph: bool) -> None:
    from chainrule._tensor import Tensor

    current = tensor._grad
    if current is None:
        if create_graph:
            tensor._grad = g
        else:
            tensor._grad = Tensor._wrap(g._data if _owned_by_engine(g) else g._data.copy())
    elif create_graph or grad_mode.is_grad_enabled():
        tensor._grad = current + g
    else:
        current._data += g._data
        current._bump_version()
