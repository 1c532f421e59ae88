"""Pairwise distances: ``cdist(x1, x2, p)``, the p-norm distance between every row of x1
and every row of x2.

For one pair with difference d = x1_i - x2_j and distance r = ||d||_p, the derivative
of r with respect to x1_i is d * |d|^(p-2) / r^(p-1) (d / r for p = 2, sign(d) for p = 1,
sign(d) where |d| is largest for p = inf); x2_j's is its negative. Where r = 0 the
gradient is 0, a subgradient, as in PyTorch.

For p = 2 and more than 25 rows PyTorch computes ||a||^2 - 2 a.b + ||b||^2 with one matrix
product instead (faster, a little less exact); chainrule does the same, with the same
derivative, so both agree there too.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, register_function
from chainrule.ops.reduce import scalar_type_name
from chainrule.ops.shape import reshape

_COMPUTE_MODES = {"use_mm_for_euclid_dist_if_necessary": 0, "use_mm_for_euclid_dist": 1,
                  "donot_use_mm_for_euclid_dist": 2}


def _p_norm(magnitudes: np.ndarray, p: float) -> np.ndarray:
    """The p-norm of the last axis of ``|d|``, computed as PyTorch's cdist kernel does."""
    if p == 0:  # the number of nonzero differences, counted as min(ceil(|d|), 1) (NaN stays NaN)
        return np.sum(np.minimum(np.ceil(magnitudes), 1), axis=-1)
    if p == 1:
        return np.sum(magnitudes, axis=-1)
    if p == 2:
        return np.sqrt(np.sum(magnitudes * magnitudes, axis=-1))
    if math.isinf(p):  # a running max from 0 that passes over NaN, as the kernel's std::max does
        return np.fmax.reduce(magnitudes, axis=-1, initial=0)
    return np.power(np.sum(np.power(magnitudes, p), axis=-1), 1.0 / p)


def _safe(t: Tensor, zero: Tensor) -> Tensor:
    """``t`` with its zeros (where ``zero``) replaced by ones: a denominator that never divides by 0,
    so the branch a `where` discards has no inf or NaN in its own derivative either."""
    return t.masked_fill(zero, 1.0)


def _sign(t: Tensor) -> Tensor:
    """sign(t), NaN where t is NaN (the cdist kernel's sign; ``Tensor.sign`` gives 0 there)."""
    return t.sign().masked_fill(t.isnan(), math.nan)


def _pair_gradient(diff: Tensor, dist: Tensor, p: float) -> Tensor:
    """d(dist)/d(x1_i) for every pair, shaped like ``diff`` (``dist`` has a trailing 1)."""
    if p == 0:
        return Tensor._wrap(np.zeros_like(diff._data))
    if p == 1:
        return _sign(diff)
    if math.isinf(p):  # only the largest |d| moves the distance: 1 - min(1, ceil(||d| - dist|)) picks it
        largest = 1 - (diff.abs() - dist).abs().ceil().clamp(max=1)
        return _sign(diff) * largest
    at_zero = dist == 0
    if p == 2:
        return (diff / _safe(dist, at_zero)).masked_fill(at_zero, 0.0)
    magnitude = diff.abs()
    if p < 2:  # |d|^(p-1) is 0 at d = 0 for p > 1 and infinite for p < 1, where PyTorch gives 0
        at_zero_diff = diff == 0
        ratio = diff.sign() * _safe(magnitude, at_zero_diff) ** (p - 1) / _safe(dist, at_zero) ** (p - 1)
        return ratio.masked_fill(at_zero | at_zero_diff, 0.0)
    return (diff * magnitude ** (p - 2) / _safe(dist, at_zero) ** (p - 1)).masked_fill(at_zero, 0.0)


class Cdist(Op):
    def forward(self, x1, x2, p):
        self.save_for_backward(x1, x2)
        self.p = p
        diff = x1._data[..., :, None, :] - x2._data[..., None, :, :]
        return self.save_output(_p_norm(np.abs(diff), p))

    def backward(self, grad):
        x1, x2 = self.saved_tensors
        dist = self.output().unsqueeze(-1)
        diff = x1.unsqueeze(-2) - x2.unsqueeze(-3)
        per_pair = _pair_gradient(diff, dist, self.p) * grad.unsqueeze(-1)
        return per_pair.sum(dim=-2), -per_pair.sum(dim=-3)


class EuclideanDist(Op):
    """Euclidean distances through one matrix product: sqrt(max(|a|^2 - 2 a.b + |b|^2, 0))."""

    def forward(self, x1, x2):
        self.save_for_backward(x1, x2)
        a, b = x1._data, x2._data
        squares = (np.sum(a * a, axis=-1)[..., :, None] - 2 * np.matmul(a, np.swapaxes(b, -1, -2))
                   + np.sum(b * b, axis=-1)[..., None, :])
        return self.save_output(np.sqrt(np.maximum(squares, 0)))

    def backward(self, grad):
        x1, x2 = self.saved_tensors
        dist = self.output()
        ratio = (grad / _safe(dist, dist == 0)).masked_fill(dist == 0, 0.0)
        return (x1 * ratio.sum(dim=-1, keepdim=True) - ratio @ x2,
                x2 * ratio.sum(dim=-2).unsqueeze(-1) - ratio.mT @ x1)


@register_function
def cdist(x1: Tensor, x2: Tensor, p: float = 2.0, compute_mode: str = "use_mm_for_euclid_dist_if_necessary") -> Tensor:
    """The ``p``-norm distance between each row of ``x1`` (..., P, M) and each row of ``x2``
    (..., R, M): shape (..., P, R), batch dimensions broadcasting.

    >>> import chainrule as torch
    >>> torch.cdist(torch.tensor([[0., 0.], [1., 1.]]), torch.tensor([[3., 4.]]))
    tensor([[5.0000],
            [3.6056]])
    """
    from chainrule.ops.broadcasting import _broadcast_pair, broadcast_to

    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.ndim < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: {t._data.ndim}D")
    if x1._data.shape[-1] != x2._data.shape[-1]:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {x1._data.shape[-1]} X2: "
                           f"{x2._data.shape[-1]}")
    for name, t in (("X1", x1), ("X2", x2)):
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{scalar_type_name(t._data.dtype)}")
    if p < 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {scalar_type_name(x1._data.dtype)} but found "
                           f"{scalar_type_name(x2._data.dtype)}")
    batch = _broadcast_pair(x1._data.shape[:-2], x2._data.shape[:-2])
    rows1, rows2 = x1._data.shape[-2], x2._data.shape[-2]
    mode = _COMPUTE_MODES[compute_mode]
    by_matmul = p == 2 and (mode == 1 or (mode == 0 and (rows1 > 25 or rows2 > 25)))
    if not by_matmul or x1._data.size == 0 or x2._data.size == 0:
        return Cdist.apply(x1, x2, p=float(p))
    x1 = broadcast_to(x1, batch + x1._data.shape[-2:]) if x1._data.shape[:-2] != batch else x1
    x2 = broadcast_to(x2, batch + x2._data.shape[-2:]) if x2._data.shape[:-2] != batch else x2
    return reshape(EuclideanDist.apply(x1, x2), batch + (rows1, rows2))
