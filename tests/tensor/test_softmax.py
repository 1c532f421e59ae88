"""softmax and log_softmax against PyTorch 2.13 and finite differences: values, stability,
grad_fn names, first and second derivatives (the Hessian of a cross-entropy loss), errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule.autograd.functional import hessian
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.tensor.test_reduce import assert_matches_torch, random

WIDE = np.array([[1000.0, 0.0, -1000.0], [3.0, 3.0, 3.0]])  # exp would overflow without the shift

CASES = [
    ("softmax_last", lambda lib, x: x.softmax(-1), random(3, 4)),
    ("softmax_first", lambda lib, x: lib.softmax(x, 0), random(3, 4)),
    ("softmax_middle", lambda lib, x: x.softmax(dim=1), random(2, 3, 4)),
    ("softmax_wide", lambda lib, x: x.softmax(1), WIDE),
    ("softmax_0d", lambda lib, x: x.softmax(0), random()),
    ("softmax_empty", lambda lib, x: x.softmax(1), random(3, 0)),
    ("softmax_1d", lambda lib, x: x.softmax(0), random(5)),
    ("log_softmax_last", lambda lib, x: x.log_softmax(-1), random(3, 4)),
    ("log_softmax_first", lambda lib, x: lib.log_softmax(x, 0), random(3, 4)),
    ("log_softmax_middle", lambda lib, x: x.log_softmax(1), random(2, 3, 4)),
    ("log_softmax_wide", lambda lib, x: x.log_softmax(1), WIDE),
    ("log_softmax_0d", lambda lib, x: x.log_softmax(-1), random()),
    ("log_softmax_empty", lambda lib, x: x.log_softmax(0), random(0, 3)),
]


@pytest.mark.parametrize("name, fn, array", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, array):
    assert_matches_torch(fn, array)


@pytest.mark.parametrize("special", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
def test_nan_and_inf_give_torchs_values_and_gradients(op, special):
    array = random(3, 4)
    array[1, 2] = special
    with np.errstate(all="ignore"):
        assert_matches_torch(lambda lib, x: getattr(x, op)(1), array, second=False)


def _cross_entropy(lib, logits, targets):
    picked = logits.log_softmax(1) * lib.tensor(np.eye(logits.shape[1])[targets], dtype=lib.float64)
    return -picked.sum() / logits.shape[0]


def test_hessian_of_softmax_cross_entropy_matches_torch():
    torch = pytest.importorskip("torch")
    logits, targets = random(2, 3), [2, 0]
    ours = hessian(lambda z: _cross_entropy(chainrule, z, targets), chainrule.tensor(logits))
    theirs = torch.autograd.functional.hessian(lambda z: _cross_entropy(torch, z, targets), torch.tensor(logits))
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-10, atol=1e-12)


def test_softmax_dtype_argument_and_masked_rows_match_torch():
    torch = pytest.importorskip("torch")
    x = random(2, 3).astype(np.float32)
    ours = chainrule.softmax(chainrule.tensor(x), 1, dtype=chainrule.float64)
    theirs = torch.softmax(torch.tensor(x), 1, dtype=torch.float64)
    assert ours.dtype == chainrule.float64
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-12)
    masked = np.array([[-math.inf, 0.0, 1.0], [-math.inf, -math.inf, -math.inf]])
    for name in ("softmax", "log_softmax"):
        mine = getattr(chainrule.tensor(masked), name)(1).numpy()
        np.testing.assert_allclose(mine, getattr(torch.tensor(masked), name)(1).numpy(), rtol=1e-12)


def test_errors():
    x = chainrule.ones(2, 3)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        x.softmax(2)
    with pytest.raises(TypeError):
        x.softmax()
    with pytest.raises(RuntimeError, match="softmax: expected a floating point tensor, got Long"):
        x.long().softmax(0)
    with pytest.raises(RuntimeError, match="log_softmax: expected a floating point tensor, got Bool"):
        chainrule.log_softmax(x.bool(), 0)


# -- without torch ------------------------------------------------------------------------


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_first_and_second_derivatives_match_finite_differences(op, dim):
    x = chainrule.tensor(random(3, 4), requires_grad=True)
    fn = lambda t: getattr(t, op)(dim)  # noqa: E731
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_values_are_stable_and_normalised():
    x = chainrule.tensor([[1000.0, 0.0], [-1000.0, -1000.0]])
    probabilities = x.softmax(1)
    assert probabilities.tolist() == [[1.0, 0.0], [0.5, 0.5]]
    np.testing.assert_allclose(x.log_softmax(1).numpy(), [[0.0, -1000.0], [-math.log(2), -math.log(2)]], rtol=1e-6)
    y = chainrule.randn(4, 5, dtype=chainrule.float64)
    np.testing.assert_allclose(y.softmax(0).sum(0).numpy(), np.ones(5), rtol=1e-12)
    np.testing.assert_allclose(y.log_softmax(1).exp().numpy(), y.softmax(1).numpy(), rtol=1e-12)


def test_grad_fn_names_and_cross_entropy_gradient():
    logits = chainrule.tensor([[2.0, 1.0, 0.1]], dtype=chainrule.float64, requires_grad=True)
    assert logits.softmax(1).grad_fn.name() == "SoftmaxBackward0"
    assert logits.log_softmax(1).grad_fn.name() == "LogSoftmaxBackward0"
    _cross_entropy(chainrule, logits, [0]).backward()
    # d(cross-entropy)/d(logits) = softmax(logits) - one_hot(target)
    expected = logits.detach().softmax(1).numpy() - np.array([[1.0, 0.0, 0.0]])
    np.testing.assert_allclose(logits.grad.numpy(), expected, rtol=1e-12)
