"""Helpers for comparing chainrule layers with PyTorch's in float64."""

from __future__ import annotations

import numpy as np

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
