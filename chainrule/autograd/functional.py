"""`torch.autograd.functional`: jacobian, hessian, vjp, jvp, hvp, vhp of a Python function.

All are built from reverse mode (`chainrule.autograd.grad`): a Jacobian is one
vector-Jacobian product per output element, a Hessian is the Jacobian of the gradient,
and a Jacobian-vector product uses the "double-vjp" trick: for u = J^T g (linear in g),
d(u . v)/dg = J v.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from chainrule.autograd import grad_mode
from chainrule.autograd.engine import grad as _grad


def _as_tuple(x, what: str) -> tuple[tuple, bool]:
    from chainrule._tensor import Tensor

    if isinstance(x, Tensor):
        return (x,), False
    if isinstance(x, (tuple, list)) and all(isinstance(t, Tensor) for t in x):
        return tuple(x), True
    raise TypeError(f"The {what} given to the function must be either a Tensor or a tuple of Tensors")


def _prepare_inputs(inputs: tuple, create_graph: bool) -> tuple:
    # Fresh leaves, so the caller's tensors keep no history from us (unless create_graph).
    return tuple(t if create_graph and t.requires_grad else t.detach().requires_grad_(True) for t in inputs)


def _grad_or_zeros(outputs, inputs, grad_outputs, create_graph: bool, strict: bool) -> tuple:
    from chainrule.factories import zeros_like

    needs = [o for o in outputs if o.requires_grad]
    if not needs:
        if strict:
            raise RuntimeError("The output of the user-provided function is independent of the inputs")
        return tuple(zeros_like(t) for t in inputs)
    pairs = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    grads = _grad(
        [o for o, _ in pairs], inputs, [g for _, g in pairs],
        retain_graph=True, create_graph=create_graph, allow_unused=True,
    )
    out = []
    for t, g in zip(inputs, grads):
        if g is None:
            if strict:
                raise RuntimeError("The output of the user-provided function is independent of an input")
            g = zeros_like(t)
        out.append(g)
    return tuple(out)


def vjp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product.

    >>> import chainrule as torch
    >>> from chainrule.autograd.functional import vjp
    >>> vjp(lambda x: x ** 2, torch.tensor([1.0, 2.0]), torch.tensor([1.0, 1.0]))[1]
    tensor([2., 4.])
    """
    from chainrule.factories import ones_like

    inputs_t, is_tuple = _as_tuple(inputs, "inputs")
    with grad_mode.enable_grad():
        xs = _prepare_inputs(inputs_t, create_graph)
        outputs = func(*xs)
        outs, out_tuple = _as_tuple(outputs, "outputs of the user-provided function")
        if v is None:
            if len(outs) != 1 or outs[0].numel() != 1:
                raise RuntimeError("The vector v can only be None if the user-provided function returns a single Tensor with a single element.")
            vs = (ones_like(outs[0]),)
        else:
            vs, _ = _as_tuple(v, "v")
        _check_shapes(vs, outs, "v", "outputs")
        grads = _grad_or_zeros(outs, xs, vs, create_graph, strict)
    outputs = _detach_all(outs, create_graph)
    return (outputs if out_tuple else outputs[0]), (grads if is_tuple else grads[0])


def jvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product, by the double-vjp trick."""
    from chainrule.factories import ones_like, zeros_like

    inputs_t, is_tuple = _as_tuple(inputs, "inputs")
    if v is None:
        if len(inputs_t) != 1 or inputs_t[0].numel() != 1:
            raise RuntimeError("The vector v can only be None if the input to the user-provided function is a single Tensor with a single element.")
        vs = (ones_like(inputs_t[0]),)
    else:
        vs, _ = _as_tuple(v, "v")
    _check_shapes(vs, inputs_t, "v", "inputs")
    with grad_mode.enable_grad():
        xs = _prepare_inputs(inputs_t, create_graph)
        outs, out_tuple = _as_tuple(func(*xs), "outputs of the user-provided function")
        # u = J^T g is linear in the dummy g; differentiating u . v by g gives J v.
        dummies = tuple(zeros_like(o).requires_grad_(True) for o in outs)
        us = _grad_or_zeros(outs, xs, dummies, create_graph=True, strict=strict)
        pairs = [(u, vv) for u, vv in zip(us, vs) if u.requires_grad]
        if pairs:
            jv = _grad([u for u, _ in pairs], dummies, [vv for _, vv in pairs],
                       retain_graph=True, create_graph=create_graph, allow_unused=True)
        else:
            jv = (None,) * len(outs)
        jv = tuple(g if g is not None else zeros_like(o) for g, o in zip(jv, outs))
    outputs = _detach_all(outs, create_graph)
    if not create_graph:
        jv = tuple(g.detach() for g in jv)
    return (outputs if out_tuple else outputs[0]), (jv if out_tuple else jv[0])


def jacobian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
             vectorize: bool = False, strategy: str = "reverse-mode"):
    """The Jacobian of ``func`` at ``inputs``: shape ``output.shape + input.shape``.

    For several inputs/outputs, a tuple (per output) of tuples (per input), as PyTorch.
    """
    from chainrule.factories import zeros_like

    inputs_t, in_tuple = _as_tuple(inputs, "inputs")
    with grad_mode.enable_grad():
        xs = _prepare_inputs(inputs_t, create_graph)
        outs, out_tuple = _as_tuple(func(*xs), "outputs of the user-provided function")
        result = []
        for out in outs:
            rows_per_input: list[list] = [[] for _ in xs]
            flat = out.reshape(-1)
            for k in range(flat.numel()):
                if out.requires_grad:
                    grads = _grad(flat[k], xs, retain_graph=True, create_graph=create_graph, allow_unused=True)
                else:
                    grads = (None,) * len(xs)
                for j, (g, x) in enumerate(zip(grads, xs)):
                    if g is None:
                        if strict:
                            raise RuntimeError(f"Output {k} of the user-provided function is independent of input {j}.")
                        g = zeros_like(x)
                    rows_per_input[j].append(g)
            per_input = []
            for j, x in enumerate(xs):
                stacked = _stack_rows(rows_per_input[j], x)
                per_input.append(stacked.reshape(tuple(out.shape) + tuple(x.shape)))
            result.append(tuple(per_input))
    if not create_graph:
        result = [tuple(j.detach() for j in row) for row in result]
    if not out_tuple and not in_tuple:
        return result[0][0]
    if not out_tuple:
        return result[0]
    if not in_tuple:
        return tuple(row[0] for row in result)
    return tuple(result)


def hessian(func: Callable, inputs, create_graph: bool = False, strict: bool = False,
            vectorize: bool = False, outer_jacobian_strategy: str = "reverse-mode"):
    """The Hessian of a scalar function: the Jacobian of its gradient."""
    inputs_t, in_tuple = _as_tuple(inputs, "inputs")

    def gradient(*xs):
        out = func(*xs)
        if out.numel() != 1:
            raise RuntimeError("The function given to hessian should return a single element Tensor")
        grads = _grad(out.reshape(()), xs, create_graph=True, allow_unused=True)
        from chainrule.factories import zeros_like

        return tuple(g if g is not None else zeros_like(x) for g, x in zip(grads, xs))

    result = jacobian(gradient, inputs_t, create_graph=create_graph, strict=strict)
    if not in_tuple:
        return result[0][0]
    return result


def vhp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H)."""
    inputs_t, is_tuple = _as_tuple(inputs, "inputs")
    vs = _as_tuple(v, "v")[0] if v is not None else None
    with grad_mode.enable_grad():
        xs = _prepare_inputs(inputs_t, True)
        out = func(*xs)
        grads = _grad(out, xs, create_graph=True, allow_unused=True)
        from chainrule.factories import zeros_like

        if vs is None:
            vs = tuple(zeros_like(x) + 1 for x in xs) if all(x.numel() == 1 for x in xs) else None
            if vs is None:
                raise RuntimeError("v must be given unless every input has a single element")
        pairs = [(g, vv) for g, vv in zip(grads, vs) if g is not None and g.requires_grad]
        hv = _grad([g for g, _ in pairs], xs, [vv for _, vv in pairs], create_graph=create_graph,
                   allow_unused=True) if pairs else (None,) * len(xs)
        hv = tuple(h if h is not None else zeros_like(x) for h, x in zip(hv, xs))
    out = out if create_graph else out.detach()
    if not create_graph:
        hv = tuple(h.detach() for h in hv)
    return out, (hv if is_tuple else hv[0])


def hvp(func: Callable, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v); the Hessian is symmetric, so this equals v^T H."""
    return vhp(func, inputs, v, create_graph, strict)


def _check_shapes(given: tuple, expected: tuple, given_name: str, expected_name: str) -> None:
    if len(given) != len(expected):
        raise RuntimeError(
            f"The given {given_name} should contain {len(expected)} Tensors (one per {expected_name}), "
            f"got {len(given)}"
        )
    for i, (g, e) in enumerate(zip(given, expected)):
        if tuple(g.shape) != tuple(e.shape):
            raise RuntimeError(
                f"Entry {i} in {given_name} has invalid size: should be {e.shape} but got {g.shape}"
            )


def _detach_all(tensors: tuple, keep: bool) -> tuple:
    return tensors if keep else tuple(t.detach() for t in tensors)


def _stack_rows(rows: list, like):
    import chainrule

    if not rows:  # an output with no elements has an empty Jacobian
        from chainrule._tensor import Tensor

        return Tensor._wrap(np.zeros((0,) + tuple(like.shape), dtype=like._data.dtype))
    return chainrule.stack(rows)


__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]
