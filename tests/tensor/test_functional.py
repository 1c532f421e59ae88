"""autograd.functional (jacobian, hessian, vjp, jvp, hvp) and autograd.grad corner cases."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.autograd import Function
from chainrule.autograd.functional import hessian, hvp, jacobian, jvp, vjp


def _f(x):
    return (x * x).tanh() * 2 + x.exp()


def _scalar_f(x):
    return ((x * x).tanh() * x.exp()).sum()


X = np.array([0.3, -0.7, 1.1])


def _numeric_jacobian(f, x, eps=1e-6):
    cols = []
    for i in range(x.size):
        d = np.zeros_like(x)
        d[i] = eps
        cols.append((f(x + d) - f(x - d)) / (2 * eps))
    return np.stack(cols, axis=-1)


def _np_f(x):
    return np.tanh(x * x) * 2 + np.exp(x)


def _np_grad_scalar(x):
    return _numeric_jacobian(lambda v: np.array(np.sum(np.tanh(v * v) * np.exp(v))), x)


def test_jacobian_matches_finite_differences():
    J = jacobian(_f, cr.tensor(X, dtype=cr.float64))
    assert J.shape == (3, 3)
    np.testing.assert_allclose(J.numpy(), _numeric_jacobian(_np_f, X), rtol=1e-6, atol=1e-8)


def test_hessian_matches_finite_differences_of_the_gradient():
    H = hessian(_scalar_f, cr.tensor(X, dtype=cr.float64))
    np.testing.assert_allclose(H.numpy(), _numeric_jacobian(lambda v: _np_grad_scalar(v).reshape(-1), X),
                               rtol=1e-4, atol=1e-6)


def test_vjp_jvp_and_hvp_agree_with_the_jacobian_and_hessian():
    x = cr.tensor(X, dtype=cr.float64)
    v = cr.tensor([1.0, -2.0, 0.5], dtype=cr.float64)
    J = jacobian(_f, x).numpy()
    _, u = vjp(_f, x, v)
    np.testing.assert_allclose(u.numpy(), v.numpy() @ J, rtol=1e-10)
    _, w = jvp(_f, x, v)
    np.testing.assert_allclose(w.numpy(), J @ v.numpy(), rtol=1e-10)
    H = hessian(_scalar_f, x).numpy()
    _, hv = hvp(_scalar_f, x, v)
    np.testing.assert_allclose(hv.numpy(), H @ v.numpy(), rtol=1e-10)


def test_against_torch():
    torch = pytest.importorskip("torch")
    x = torch.tensor(X, dtype=torch.float64)
    J_t = torch.autograd.functional.jacobian(lambda t: (t * t).tanh() * 2 + t.exp(), x)
    H_t = torch.autograd.functional.hessian(lambda t: ((t * t).tanh() * t.exp()).sum(), x)
    np.testing.assert_allclose(jacobian(_f, cr.tensor(X, dtype=cr.float64)).numpy(), J_t.numpy(), rtol=1e-12)
    np.testing.assert_allclose(hessian(_scalar_f, cr.tensor(X, dtype=cr.float64)).numpy(), H_t.numpy(), rtol=1e-10)


def test_jacobian_of_several_inputs_is_a_tuple():
    a = cr.tensor([1.0, 2.0], dtype=cr.float64)
    b = cr.tensor([3.0], dtype=cr.float64)
    ja, jb = jacobian(lambda x, y: x * y, (a, b))
    assert ja.tolist() == [[3.0, 0.0], [0.0, 3.0]]
    assert jb.tolist() == [[1.0], [2.0]]


def test_grad_with_respect_to_a_non_leaf():
    x = cr.tensor(2.0, requires_grad=True)
    y = x * 3
    z = y * y
    (gy,) = cr.autograd.grad(z, y)
    assert gy.item() == 12.0 and x.grad is None


def test_backward_inputs_restricts_accumulation():
    a = cr.tensor(1.0, requires_grad=True)
    b = cr.tensor(2.0, requires_grad=True)
    (a * b).backward(inputs=[a])
    assert a.grad.item() == 2.0 and b.grad is None


def test_custom_function_with_two_outputs():
    class SinCos(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x.sin(), x.cos()

        @staticmethod
        def backward(ctx, gs, gc):
            (x,) = ctx.saved_tensors
            return gs * x.cos() - gc * x.sin()

    x = cr.tensor(0.4, dtype=cr.float64, requires_grad=True)
    s, c = SinCos.apply(x)
    (s * 2 + c * 3).backward()
    assert np.isclose(x.grad.item(), 2 * np.cos(0.4) - 3 * np.sin(0.4))
    x.grad = None
    s, c = SinCos.apply(x)
    s.backward()  # the unused output's gradient is materialised as zeros
    assert np.isclose(x.grad.item(), np.cos(0.4))


def test_grad_outputs_shape_mismatch_is_named():
    x = cr.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Mismatch in shape: grad_output\[0\] has a shape of torch.Size\(\[2\]\)"):
        cr.autograd.grad(x * 2, x, grad_outputs=cr.ones(2))
