"""The nn ops PyTorch records as one graph node: activations, linear, losses, normalisations.

Composed from small tensor ops (``mse_loss`` as sub, mul, mean), these give the right
numbers but a chain of small nodes, so a loss would print ``grad_fn=<MeanBackward0>``
where PyTorch prints ``<MseLossBackward0>``. Here each is one `Op`: the forward runs in
NumPy in one step, and beside it the derivative is written with Tensor ops, so
``create_graph=True`` still differentiates it again.
"""

from __future__ import annotations

import numpy as np

from chainrule._tensor import Tensor
from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.nn.conv_ops import _needs_grad
from chainrule.ops.pointwise import _stable_sigmoid

# ---------------------------------------------------------------------------------------
# activations


class LeakyRelu(Op):
    """x where x > 0, else slope * x; the derivative is 1 or the slope (a constant mask)."""

    symbol = "leaky_relu"

    def forward(self, x, negative_slope: float):
        self.save_for_backward(x)
        self.negative_slope = negative_slope
        return np.where(x._data > 0, x._data, x._data * negative_slope)

    def backward(self, grad):
        (x,) = self.saved_tensors
        slope = np.where(x._data > 0, 1.0, self.negative_slope).astype(x._data.dtype)
        return grad * Tensor._wrap(slope)


class Silu(Op):
    """x * σ(x); d/dx = σ(x) (1 + x (1 - σ(x)))."""

    symbol = "silu"

    def forward(self, x):
        self.save_for_backward(x)
        return x._data * _stable_sigmoid(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        s = x.sigmoid()
        return grad * (s * (1 + x * (1 - s)))


# ---------------------------------------------------------------------------------------
# linear


class Addmm(Op):
    """``bias + x @ w.T`` for a 2-D ``x``: `linear`'s one node, as PyTorch's addmm."""

    symbol = "linear"

    def forward(self, bias, x, w):
        # dL/dx needs only w and dL/dw only x (as in matmul): keep what the other side needs.
        self.save_for_backward(x if w._requires_grad else None, w if x._requires_grad else None)
        out = x._data @ w._data.T
        out += bias._data
        return out

    def backward(self, grad):
        x, w = self.saved_tensors
        d_bias = grad if _needs_grad(self, 0) else None
        if not grad_mode.is_grad_enabled():  # plain backward: two matrix products, no graph
            g = grad._data
            d_x = Tensor._wrap(g @ w._data) if w is not None else None
            d_w = Tensor._wrap(g.T @ x._data) if x is not None else None
            return d_bias, d_x, d_w
        d_x = grad.matmul(w) if w is not None else None
        d_w = grad.transpose(0, 1).matmul(x) if x is not None else None
        return d_bias, d_x, d_w

    def name(self) -> str:
        return "AddmmBackward0"


# ---------------------------------------------------------------------------------------
# losses: a per-element loss, then its reduction, in one node


class _PointwiseLoss(Op):
    """Subclasses give ``losses`` (arrays in, per-element losses out) and, beside it,
    ``derivatives`` (the gradient reaching each element, then the inputs as Tensors)."""

    def forward(self, *inputs, reduction: str):
        self.save_for_backward(*inputs)
        self.reduction = reduction
        with np.errstate(invalid="ignore", divide="ignore"):
            losses = self.losses(*(t._data for t in inputs))
        self.count = losses.size
        if reduction == "none":
            return losses
        if reduction == "sum":
            return losses.sum()
        with np.errstate(invalid="ignore"):  # the mean of no elements is nan, silently, as PyTorch
            return losses.mean()

    def backward(self, grad):
        if self.reduction == "mean":
            grad = grad / max(self.count, 1)
        return self.derivatives(grad, *self.saved_tensors)


class MseLoss(_PointwiseLoss):
    """(input - target)²; d/dinput = 2 (input - target) = -d/dtarget."""

    symbol = "mse_loss"

    def losses(self, input, target):
        difference = input - target
        return difference * difference

    def derivatives(self, grad, input, target):
        d_input = grad * 2 * (input - target)
        return d_input, (-d_input if _needs_grad(self, 1) else None)


def _clamped_log(x):
    """log(x), at least -100: PyTorch's BCE clamp, so p = 0 or 1 gives a finite loss."""
    if isinstance(x, Tensor):
        return x.log().clamp(min=-100.0)
    return np.maximum(np.log(x), -100.0)


def _log_likelihood(p, target):
    """t log p + (1 - t) log(1 - p), the logs clamped; arrays or Tensors."""
    return target * _clamped_log(p) + (1 - target) * _clamped_log(1 - p)


class BinaryCrossEntropy(_PointwiseLoss):
    """-w (t log p + (1 - t) log(1 - p)); d/dp = w (p - t) / (p (1 - p))."""

    symbol = "binary_cross_entropy"

    def losses(self, p, target, weight):
        return -_log_likelihood(p, target) * weight

    def derivatives(self, grad, p, target, weight):
        # PyTorch's guard: p (1 - p) is at least 1e-12, so p = 0 or 1 gives a large finite slope.
        d_p = grad * weight * (p - target) / (p * (1 - p)).clamp(min=1e-12)
        d_target = grad * weight * (_clamped_log(1 - p) - _clamped_log(p)) if _needs_grad(self, 1) else None
        d_weight = -grad * _log_likelihood(p, target) if _needs_grad(self, 2) else None
        return d_p, d_target, d_weight


def _neg_log_sigmoid(x: np.ndarray) -> np.ndarray:
    """-log σ(x) = max(-x, 0) + log(1 + e^{-|x|}): exp never sees a positive number."""
    return np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x)))


class NegLogSigmoid(Op):
    """-log σ(x) (softplus(-x)) for the derivatives below; d/dx = σ(x) - 1.

    Written as max(-x, 0) + log1p(e^{-|x|}) in Tensor ops, its two kinks at x = 0 would
    give the slope -1 there instead of -0.5; as one op the slope is right everywhere.
    """

    symbol = "-logsigmoid"

    def forward(self, x):
        self.save_for_backward(x)
        return _neg_log_sigmoid(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * (x.sigmoid() - 1)


def _logits_loss(x, target, pos_weight, neg_log_sigmoid):
    """(1 - t) x + (1 + (pw - 1) t) (-log σ(x)), given -log σ(x); arrays or Tensors."""
    return (1 - target) * x + (1 + (pos_weight - 1) * target) * neg_log_sigmoid


class BinaryCrossEntropyWithLogits(_PointwiseLoss):
    """w ((1 - t) x + (1 + (pw - 1) t) (-log σ(x))); d/dx = w ((1 + (pw - 1) t) σ(x) - pw t)."""

    symbol = "bce_with_logits"

    def losses(self, x, target, weight, pos_weight):
        return _logits_loss(x, target, pos_weight, _neg_log_sigmoid(x)) * weight

    def derivatives(self, grad, x, target, weight, pos_weight):
        scale = grad * weight
        d_x = scale * ((1 + (pos_weight - 1) * target) * x.sigmoid() - pos_weight * target)
        d_target = d_weight = d_pos_weight = None
        if _needs_grad(self, 1) or _needs_grad(self, 2) or _needs_grad(self, 3):
            softplus = NegLogSigmoid.apply(x)
            if _needs_grad(self, 1):
                d_target = scale * ((pos_weight - 1) * softplus - x)
            if _needs_grad(self, 2):
                d_weight = grad * _logits_loss(x, target, pos_weight, softplus)
            if _needs_grad(self, 3):
                d_pos_weight = scale * target * softplus
        return d_x, d_target, d_weight, d_pos_weight


class NllLoss(Op):
    """-w[t] * input[t] per sample (t the target class); ``mean`` divides by the total weight.

    ``labels`` has ignored targets replaced by 0 and ``sample_weight`` is 0 there, so the
    derivative is a constant: -w[t] (/ total) at each sample's target class, 0 elsewhere.
    """

    symbol = "nll_loss"

    def forward(self, input, labels: np.ndarray, sample_weight: np.ndarray, valid: np.ndarray, reduction: str):
        x = input._data
        # input[n, labels[n, ...], ...]: the labels on the class axis, aranges on the others
        grid = np.indices(labels.shape, sparse=True)
        self.picks = (grid[0], labels) + tuple(grid[1:]) if x.ndim > 1 else (labels,)
        self.input_shape, self.reduction = x.shape, reduction
        self.sample_weight, self.valid, self.total = sample_weight, valid, sample_weight.sum()
        losses = -x[self.picks] * sample_weight
        if reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: nan, as PyTorch
                return losses.sum() / self.total
        return losses if reduction == "none" else losses.sum()

    def backward(self, grad):
        scale = self.sample_weight
        if self.reduction == "mean":
            with np.errstate(invalid="ignore", divide="ignore"):
                # an ignored target gets 0; a zero total weight gives nan elsewhere, as PyTorch
                scale = np.where(self.valid, scale / self.total, 0.0).astype(scale.dtype)
        coefficient = np.zeros(self.input_shape, dtype=scale.dtype)
        if not grad_mode.is_grad_enabled():  # plain backward: write grad * -w straight into place
            coefficient[self.picks] = -scale * grad._data
            return Tensor._wrap(coefficient)
        coefficient[self.picks] = -scale
        if self.reduction == "none":  # one gradient per sample: give it the class axis to broadcast along
            class_dim = 1 if len(self.input_shape) > 1 else 0
            grad = grad.reshape(tuple(self.input_shape[:class_dim]) + (1,) + tuple(self.input_shape[class_dim + 1:]))
        return grad * Tensor._wrap(coefficient)

    def name(self) -> str:
        # PyTorch has a second kernel for images (N, C, H, W), with its own node name.
        return "NllLoss2DBackward0" if len(self.input_shape) == 4 else "NllLossBackward0"


# ---------------------------------------------------------------------------------------
# normalisation: (x - mean) / sqrt(var + eps) over some axes, then * weight + bias


def _mean(a, axes: tuple):
    """The mean over ``axes``, kept as size-1 axes, of an array or a Tensor."""
    return a.mean(axes, keepdim=True) if isinstance(a, Tensor) else a.mean(axis=axes, keepdims=True)


def _standardized(x, axes: tuple, eps: float) -> tuple:
    """(x̂, σ⁻¹): x̂ = (x - μ) σ⁻¹ with the biased variance, as PyTorch; arrays or Tensors."""
    centered = x - _mean(x, axes)
    rstd = (_mean(centered * centered, axes) + eps) ** -0.5
    return centered * rstd, rstd


class _Normalize(Op):
    """Inputs x, weight, bias (weight and bias already shaped to broadcast against x).

    With x̂ = (x - μ) σ⁻¹ and ĝ = grad * weight, the input's gradient is
    σ⁻¹ (ĝ - mean(ĝ) - x̂ mean(ĝ x̂)), the means over the normalised axes.
    """

    def forward(self, x, weight, bias, axes: tuple, eps: float):
        self.save_for_backward(x, weight)
        self.axes, self.eps = axes, eps
        x_hat, _ = _standardized(x._data, axes, eps)
        return x_hat * weight._data + bias._data

    def backward(self, grad):
        x, weight = self.saved_tensors
        plain = not grad_mode.is_grad_enabled()
        if plain:  # the same formulas on arrays: no graph to record
            grad, x, weight = grad._data, x._data, weight._data
        x_hat, rstd = _standardized(x, self.axes, self.eps)
        d_x = d_weight = d_bias = None
        if _needs_grad(self, 0):
            g_hat = grad * weight
            d_x = rstd * (g_hat - _mean(g_hat, self.axes) - x_hat * _mean(g_hat * x_hat, self.axes))
        if _needs_grad(self, 1):
            d_weight = grad * x_hat  # the engine sums it over the axes weight was broadcast along
        if _needs_grad(self, 2):
            d_bias = grad
        if plain:
            return tuple(Tensor._wrap(np.asarray(d)) if d is not None else None for d in (d_x, d_weight, d_bias))
        return d_x, d_weight, d_bias


class NativeLayerNorm(_Normalize):
    """layer_norm: normalise each sample over its last dimensions."""

    symbol = "layer_norm"


class NativeBatchNorm(_Normalize):
    """batch_norm (training): normalise each channel over the batch and spatial dimensions."""

    symbol = "batch_norm"


class NativeBatchNormEval(Op):
    """batch_norm (eval): (x - running mean) / sqrt(running var + eps) * weight + bias.

    The running statistics are constants here (buffers, not inputs), so the map is affine
    in x: its gradient is grad * weight * σ⁻¹.
    """

    backward_name = "NativeBatchNormBackward0"
    symbol = "batch_norm"

    def forward(self, x, weight, bias, mean: np.ndarray, var: np.ndarray, eps: float):
        self.save_for_backward(x, weight)
        self.mean, self.rstd = mean, 1.0 / np.sqrt(var + eps)
        return (x._data - mean) * self.rstd * weight._data + bias._data

    def backward(self, grad):
        x, weight = self.saved_tensors
        rstd = Tensor._wrap(self.rstd)
        d_x = grad * weight * rstd if _needs_grad(self, 0) else None
        d_weight = grad * (x - Tensor._wrap(self.mean)) * rstd if _needs_grad(self, 1) else None
        return d_x, d_weight, (grad if _needs_grad(self, 2) else None)
