"""Helpers for comparing chainrule layers with PyTorch's in float64."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule


def to_torch(t, requires_grad: bool = False):
    import torch

    out = torch.tensor(np.array(t._data if isinstance(t, chainrule.Tensor) else t))
    return out.requires_grad_(requires_grad)


def to_chainrule(t, requires_grad: bool = False):
    out = chainrule.tensor(t.detach().numpy().copy())
    return out.requires_grad_(requires_grad)


def copy_weights(ours, theirs) -> None:
    """Give the torch module the chainrule module's parameters and buffers (same names)."""
    import torch

    state = {k: torch.tensor(np.array(v._data)) for k, v in ours.state_dict().items()}
    theirs.load_state_dict(state)


def assert_close(ours, theirs, tol: float = 1e-10) -> None:
    expected = theirs.detach().numpy() if hasattr(theirs, "detach") else np.asarray(theirs)
    actual = ours._data if isinstance(ours, chainrule.Tensor) else np.asarray(ours)
    assert actual.shape == expected.shape, (actual.shape, expected.shape)
    np.testing.assert_allclose(actual, expected, rtol=tol, atol=tol)


def assert_same_grads(ours_module, theirs_module, tol: float = 1e-10) -> None:
    theirs = dict(theirs_module.named_parameters())
    for name, param in ours_module.named_parameters():
        other = theirs[name]
        if other.grad is None:
            assert param.grad is None, name
            continue
        assert param.grad is not None, f"{name} got no gradient"
        assert_close(param.grad, other.grad, tol)


def _first_and_second_derivatives(lib, fn, x, upstream):
    """y = fn(x), first = d<y², upstream>/dx (recorded), and d|first|²/dx, in either library."""
    y = fn(lib, x)
    (first,) = lib.autograd.grad((y * y * lib.tensor(upstream)).sum(), x, create_graph=True)
    (second,) = lib.autograd.grad((first * first).sum(), x)
    return y, first, second


def assert_matches_torch(fn, shape, seed=0, node_names=None, nodes_compared=2):
    """Values, gradients and second derivatives of ``fn(lib, x)`` agree with torch's, and so do
    the names of the nodes that made the output and (``nodes_compared=2``) the first derivative."""
    import torch

    rng = np.random.default_rng(seed)
    x = chainrule.tensor(rng.normal(size=shape), requires_grad=True)
    xt = to_torch(x, requires_grad=True)
    expected_out = fn(torch, xt)
    upstream = rng.normal(size=tuple(expected_out.shape))
    ours = _first_and_second_derivatives(chainrule, fn, x, upstream)
    theirs = _first_and_second_derivatives(torch, fn, xt, upstream)
    for a, e in zip(ours, theirs):
        assert_close(a, e)
    names = [t.grad_fn.name() for t in ours[:nodes_compared]]
    assert names == [type(t.grad_fn).__name__ for t in theirs[:nodes_compared]]
    if node_names is not None:
        assert names == node_names


def assert_same_error(call):
    """``call(lib)`` raises the same exception type in both libraries, chainrule's message starting with torch's."""
    import torch

    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(chainrule)
    assert str(ours.value).startswith(str(theirs.value)), (str(ours.value), str(theirs.value))
