"""Scans (running results along one dimension): cumprod, cummax, cummin, logcumsumexp, and
diff (differences of neighbours). cumsum lives with the reductions.

cumprod's derivative is the one to read: d y_j / d x_k is the product of x_1..x_j
without x_k. Where no input is zero that is ``y_j / x_k``, one division; a zero makes
that 0/0, and the product without it has to be formed another way (see `Cumprod`).
"""

from __future__ import annotations

import numpy as np

from chainrule import dtypes
from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.ops.inplace import _inplace
from chainrule.ops.pointwise import where
from chainrule.ops.reduce import Cumsum, _return_type, return_types, scalar_type_name, single_dim
from chainrule.ops.shape import cat, narrow
from chainrule.ops.sorting import _from_rows, _to_rows, pick
from chainrule._tensor import Tensor, _normalize_dim, tensor_method

return_types.cummax = _return_type("cummax")
return_types.cummin = _return_type("cummin")


def _reversed_cumsum(t: Tensor, axis: int) -> Tensor:
    """sum_{j >= k} t_j for every k: the running sum from the far end."""
    return Cumsum.apply(t, axis=axis, reverse=True)


# ---------------------------------------------------------------------------------------
# cumprod


class Cumprod(Op):
    """Running products. Backward: sum_{j >= k} grad_j * y_j / x_k, where x_k != 0 everywhere;
    with zeros, PyTorch's exact formulas (the product that leaves x_k out)."""

    def forward(self, x, axis):
        self.save_for_backward(x)
        self.axis = axis
        if axis is None:  # 0-d
            return self.save_output(x._data.copy())
        return self.save_output(np.cumprod(x._data, axis))

    def backward(self, grad):
        (x,) = self.saved_tensors
        axis = self.axis
        if x._data.size <= 1 or x._data.shape[axis] == 1:
            return grad
        if not (x._data == 0).any():
            return _reversed_cumsum(grad * self.output(), axis) / x
        if not grad_mode.is_grad_enabled():
            return Tensor._wrap(_cumprod_grad_with_zeros(x._data, grad._data, self.output()._data, axis))
        return _cumprod_grad_differentiable(x, grad, axis)


def _cumprod_grad_with_zeros(x: np.ndarray, grad: np.ndarray, out: np.ndarray, axis: int) -> np.ndarray:
    """PyTorch's O(n) gradient for inputs with zeros, mask for mask (so NaN and inf land alike).

    Let z1 be a row's first zero. Before z1 the division formula still holds (over [0, z1));
    past z1 every product holds the zero x_z1: 0. At z1 itself: prod(x[:z1]) times
    sum_{z1 <= j < z2} grad_j * prod(x[z1+1 .. j]), z2 being the next zero.
    """
    zeros_so_far = np.cumsum(x == 0, axis=axis)
    before_first = zeros_so_far == 0
    with np.errstate(all="ignore"):
        running = np.flip(np.cumsum(np.flip(np.where(before_first, out * grad, 0), axis), axis), axis)
        result = np.where(before_first, running / x, 0).astype(grad.dtype)
        first_zero = (x == 0) & (zeros_so_far == 1)
        between = (zeros_so_far == 1) & ~first_zero
        after_zero = np.cumprod(np.where(between, x, 1), axis=axis) * np.where(zeros_so_far == 1, grad, 0)
        z1 = np.argmax(zeros_so_far == 1, axis=axis)[..., None]
        z1 = np.moveaxis(z1, -1, axis)
        before = np.take_along_axis(out, np.maximum(z1 - 1, 0), axis)  # prod(x[:z1]) = y_{z1-1}
        before = np.where(z1 == 0, 1, before)
        at_zero = np.sum(after_zero, axis=axis, keepdims=True) * before
    return np.where(first_zero, at_zero, result)


def _cumprod_grad_differentiable(x: Tensor, grad: Tensor, axis: int) -> Tensor:
    """The same in Tensor ops, for create_graph: d y_j / d x_k = cumprod of x with x_k set to 1,
    for each k at once (an n-by-n "leave one out" stack, as reduce's prod does), summed
    against grad over j >= k."""
    n = x.shape[axis]
    rows = x.unsqueeze(axis)  # axis + 1 runs over j; axis over k
    eye_shape = (n, n) + (1,) * (x.dim() - axis - 1)
    is_k = Tensor._wrap(np.eye(n, dtype=bool).reshape(eye_shape))
    j_at_least_k = Tensor._wrap(np.triu(np.ones((n, n), dtype=bool)).reshape(eye_shape))
    without_k = cumprod(where(is_k, 1.0, rows), axis + 1)
    return (where(j_at_least_k, without_k, 0.0) * grad.unsqueeze(axis)).sum(axis + 1)


def _integers_as_long(input: Tensor, dtype) -> Tensor:
    """``dtype`` applied first; bool and int tensors then count as int64 (cumsum's rule)."""
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype))
    if input._data.dtype.kind in "biu" and input._data.dtype != np.int64:
        input = Tensor._wrap(input._data.astype(np.int64))
    return input


@tensor_method
def cumprod(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running products along ``dim``; bool and int tensors give int64, as in PyTorch.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0, 3.0, 4.0]).cumprod(0)
    tensor([ 1.,  2.,  6., 24.])
    """
    axis = single_dim(dim, input._data.ndim, "cumprod")
    return Cumprod.apply(_integers_as_long(input, dtype), axis=axis)


Tensor.cumprod_ = _inplace("cumprod_", cumprod)


# ---------------------------------------------------------------------------------------
# cummax, cummin


def _running_extreme_indices(data: np.ndarray, axis: int, better) -> np.ndarray:
    """For each position, the index of the running max (min) so far.

    PyTorch's loop: a NaN always takes over (and stays, unless a later NaN takes over), and
    an equal value does too (``>=``), so ties point at the latest of them.
    """
    rows = _to_rows(data, axis)
    index = np.zeros(rows.shape, dtype=np.int64)
    if rows.shape[1]:
        best = rows[:, 0].copy()
        current = np.zeros(len(rows), dtype=np.int64)
        is_float = rows.dtype.kind == "f"
        for i in range(rows.shape[1]):
            value = rows[:, i]
            if is_float:
                take = np.isnan(value) | (~np.isnan(best) & better(value, best))
            else:
                take = better(value, best)
            best = np.where(take, value, best)
            current = np.where(take, i, current)
            index[:, i] = current
    return _from_rows(index, data.shape, axis)


def _cumulative_extreme(input: Tensor, dim: int, op: str, better):
    axis = _normalize_dim(int(dim), input._data.ndim, op)
    label = op.capitalize() + "Backward0"
    make = getattr(return_types, op)
    if input._data.ndim == 0:
        return make(pick(input, None, None, label), Tensor._wrap(np.zeros((), dtype=np.int64)))
    index = _running_extreme_indices(input._data, axis, better)
    return make(pick(input, index, axis, label, accumulate=True), Tensor._wrap(index))


@tensor_method
def cummax(input: Tensor, dim: int):
    """The running maximum along ``dim`` and where it was found (ties: the latest; NaN wins).

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 3.0, 2.0, 3.0]).cummax(0)
    torch.return_types.cummax(
    values=tensor([1., 3., 3., 3.]),
    indices=tensor([0, 1, 1, 3]))
    """
    return _cumulative_extreme(input, dim, "cummax", np.greater_equal)


@tensor_method
def cummin(input: Tensor, dim: int):
    """The running minimum along ``dim`` and where it was found (ties: the latest; NaN wins)."""
    return _cumulative_extreme(input, dim, "cummin", np.less_equal)


# ---------------------------------------------------------------------------------------
# logcumsumexp


class Logcumsumexp(Op):
    """log(sum_{j <= k} exp(x_j)), computed as running log-add-exp (no overflow).

    Backward: d out_j / d x_k = exp(x_k - out_j) for j >= k. PyTorch sums the positive and
    the negative parts of the gradient in log space (TensorFlow's trick), so large values
    neither overflow nor lose the small terms; the same formula here.
    """

    def forward(self, x, axis):
        self.save_for_backward(x)
        self.axis = axis
        if axis is None:
            return self.save_output(x._data.copy())
        return self.save_output(np.logaddexp.accumulate(x._data, axis=axis))

    def backward(self, grad):
        (x,) = self.saved_tensors
        if self.axis is None or grad._data.size == 0:
            return grad
        out, axis = self.output(), self.axis
        lowest = np.finfo(grad._data.dtype).min

        def from_the_end(t: Tensor) -> Tensor:
            return logcumsumexp(t.flip(axis), axis).flip(axis)

        log_abs = grad.abs().log()
        positive = where(grad > 0, log_abs, lowest)
        negative = where(grad < 0, log_abs, lowest)
        return (from_the_end(positive - out) + x).exp() - (from_the_end(negative - out) + x).exp()


@tensor_method
def logcumsumexp(input: Tensor, dim: int) -> Tensor:
    """log(cumsum(exp(input))) along ``dim``, without overflow.

    >>> import chainrule as torch
    >>> torch.tensor([0.0, 1.0, 100.0]).logcumsumexp(0)
    tensor([  0.0000,   1.3133, 100.0000])
    """
    if input._data.dtype.kind != "f":
        raise NotImplementedError(
            f"\"logcumsumexp_out_cpu\" not implemented for '{scalar_type_name(input._data.dtype)}'")
    axis = single_dim(dim, input._data.ndim, "logcumsumexp")
    return Logcumsumexp.apply(input, axis=axis)


# ---------------------------------------------------------------------------------------
# diff


def _check_diff_operand(input: Tensor, other: Tensor | None, axis: int) -> None:
    if other is None:
        return
    if other._data.ndim != input._data.ndim:
        raise RuntimeError("diff expects prepend or append to be the same dimension as input")
    for i, (a, b) in enumerate(zip(input._data.shape, other._data.shape)):
        if i != axis and a != b:
            raise RuntimeError(
                "diff expects the shape of tensor to prepend or append to match that of input except along the "
                f"differencing dimension; input.size({i}) = {a}, but got tensor.size({i}) = {b}")


@tensor_method
def diff(input: Tensor, n: int = 1, dim: int = -1, prepend: Tensor | None = None,
         append: Tensor | None = None) -> Tensor:
    """The ``n``-th forward difference along ``dim``: ``out[i] = input[i + 1] - input[i]``, n times
    (``prepend``/``append`` are joined on first). Bool tensors differ by xor, as in PyTorch.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 4.0, 9.0, 16.0]).diff()
    tensor([3., 5., 7.])
    """
    if input._data.ndim < 1:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    if n < 0:
        raise RuntimeError(f"order must be non-negative but got {n}")
    axis = _normalize_dim(int(dim), input._data.ndim, "diff")
    _check_diff_operand(input, prepend, axis)
    _check_diff_operand(input, append, axis)
    if n == 0:  # PyTorch copies into zeros_like (CopyBackwards)
        return input.new_zeros(input.shape).copy_(input)
    joined = [t for t in (prepend, input, append) if t is not None]
    result = cat(joined, axis) if len(joined) > 1 else input
    length = result._data.shape[axis] - 1
    for _ in range(min(n, result._data.shape[axis])):
        later, earlier = narrow(result, axis, 1, length), narrow(result, axis, 0, length)
        result = later ^ earlier if result._data.dtype == np.bool_ else later - earlier
        length -= 1
    return result
