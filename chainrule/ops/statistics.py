"""Statistics of a tensor: nansum, nanmean, var_mean, std_mean, aminmax, quantile,
nanquantile, histc and bincount.

var_mean, std_mean and aminmax give two results from one node, as PyTorch does (one
``VarMeanBackward0`` behind both): its backward receives both gradients and adds what
each result contributes. quantile is built from sort, gather and interpolation, as in
PyTorch, so its gradient reaches the (at most two) sorted values it was interpolated
from. histc and bincount count; they have no gradient.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from chainrule import dtypes
from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.ops import reduce
from chainrule.ops.reduce import (
    _correction_arg, _divide_or_zero, _kept_shape, _require_float, _variance, _variance_slope, expand_reduced,
    normalize_dims, reduced_count, scalar_type_name, with_reduced_axes,
)
from chainrule.ops.pointwise import where
from chainrule.ops.shape import MultiOutputOp, Squeeze
from chainrule.ops.sorting import without_derivative
from chainrule.autograd.fp_errors import QUIET, reset_state, set_state
from chainrule._tensor import Tensor, _normalize_dim, register_function, tensor_method

# ---------------------------------------------------------------------------------------
# nansum, nanmean


class Nansum(Op):
    """The sum with NaN counted as 0; the gradient skips the NaN elements (a 0/1 mask)."""

    def forward(self, x, axes, keepdim):
        self.save_for_backward(x)
        self.axes, self.keepdim = axes, keepdim
        return np.nansum(x._data, axis=axes, keepdims=keepdim)

    def backward(self, grad):
        (x,) = self.saved_tensors
        counted = Tensor._wrap(~np.isnan(x._data))
        return expand_reduced(grad, x.shape, self.axes, self.keepdim) * counted


@tensor_method
def nansum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The sum over ``dim`` treating NaN as zero (bool and int tensors: ``sum``, int64).

    >>> import chainrule as torch
    >>> torch.tensor([1.0, float("nan"), 2.0]).nansum()
    tensor(3.)
    """
    if dtype is not None:
        input = input.to(dtypes.as_dtype(dtype))
    if input._data.dtype.kind in "biu":
        return reduce.sum(input, dim, keepdim)
    return Nansum.apply(input, axes=normalize_dims(dim, input._data.ndim, "nansum"), keepdim=keepdim)


@tensor_method
def nanmean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The mean of the non-NaN elements over ``dim``: ``nansum / (number of non-NaN)``, as PyTorch
    computes it (NaN where every element is NaN).

    >>> import chainrule as torch
    >>> torch.tensor([1.0, float("nan"), 2.0]).nanmean()
    tensor(1.5000)
    """
    if input._data.dtype.kind != "f":
        raise RuntimeError("nanmean(): expected input to have floating point or complex dtype but got "
                           f"{scalar_type_name(input._data.dtype)}")
    counted = np.sum(~np.isnan(input._data), axis=normalize_dims(dim, input._data.ndim, "nanmean"), keepdims=keepdim)
    return nansum(input, dim, keepdim, dtype=dtype) / Tensor._wrap(np.asarray(counted, dtype=np.int64))


# ---------------------------------------------------------------------------------------
# two results from one node: var_mean, std_mean, aminmax


class _TwoResults(MultiOutputOp):
    """Two results of one node that are not views (MultiOutputOp makes views only on request)."""

    @classmethod
    def apply(cls, x: Tensor, **params) -> tuple:
        state = set_state(QUIET)  # quiet NumPy, as Op.apply runs every op
        try:
            return super().apply(x, **params)
        finally:
            reset_state(state)

    def remakes(self) -> tuple:
        return ()


def _unused(grad: Tensor) -> bool:
    """A gradient the engine filled in with zeros for a result nobody used (PyTorch leaves it
    undefined and skips its term, which matters where that term would be 0 * nan)."""
    return not grad._requires_grad and not grad._data.any()


def _running_mean(a: np.ndarray, axes, keepdim: bool) -> np.ndarray:
    """var_mean's mean as PyTorch computes it, a running (Welford) mean: the plain mean, except
    that after an inf every further element gives inf - inf, so the mean is nan unless the
    only infinite element comes last (in row-major order over the reduced dimensions)."""
    total = np.add.reduce(a, axis=axes, keepdims=keepdim)
    mean = total / np.array(reduced_count(a.shape, axes), dtype=total.dtype)  # 0/0 is nan for no elements
    infinite = np.isinf(a)
    if not infinite.any():
        return mean
    reduced = tuple(range(a.ndim)) if axes is None else axes
    trailing = tuple(range(a.ndim - len(reduced), a.ndim))
    infinite = np.moveaxis(infinite, reduced, trailing).reshape(np.shape(np.sum(a, axis=axes)) + (-1,))
    last_only = (infinite.sum(-1) == 1) & infinite[..., -1]
    return np.where((infinite.any(-1) & ~last_only).reshape(mean.shape), np.nan, mean)


class VarMean(_TwoResults):
    def forward(self, x, axes, correction, keepdim, op):
        self.save_for_backward(x)
        self.axes, self.correction, self.keepdim = axes, correction, keepdim
        spread = _variance(x._data, axes, correction, keepdim, op)
        return [self._spread(spread), _running_mean(x._data, axes, keepdim)]

    def _spread(self, variance: np.ndarray) -> np.ndarray:
        return variance

    def _spread_grad(self, grad: Tensor, x: Tensor) -> Tensor:
        """The gradient w.r.t. the variance from the gradient w.r.t. the first result."""
        return with_reduced_axes(grad, x.shape, self.axes, self.keepdim)

    def backward(self, grad_spread, grad_mean):
        (x,) = self.saved_tensors
        total = None
        if not _unused(grad_spread):
            total = self._spread_grad(grad_spread, x) * _variance_slope(x, self.axes, self.correction)
        if not _unused(grad_mean):
            share = expand_reduced(grad_mean / reduced_count(x.shape, self.axes), x.shape, self.axes, self.keepdim)
            total = share if total is None else total + share
        return total if total is not None else grad_mean.new_zeros(x.shape)


class StdMean(VarMean):
    def _spread(self, variance):
        return np.sqrt(variance)

    def _spread_grad(self, grad, x):
        # d sqrt(v) = dv / (2 sqrt(v)), and 0 where the std is 0 (PyTorch's rule, as for std).
        # The std is computed again from x, so that create_graph differentiates through it.
        std = reduce.std(x, dim=self.axes, keepdim=True, correction=self.correction)
        return _divide_or_zero(with_reduced_axes(grad, x.shape, self.axes, self.keepdim), 2 * std)


def _spread_and_mean(op_class, input: Tensor, dim, unbiased, keepdim, correction, op: str) -> tuple:
    dim, correction = _correction_arg(op, dim, unbiased, correction)
    _require_float(input, op + " only support floating point and complex dtypes")
    axes = normalize_dims(dim, input._data.ndim, op)
    return op_class.apply(input, axes=axes, correction=correction, keepdim=keepdim, op=op)


@register_function
def var_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple:
    """``(var(input, dim), mean(input, dim))`` in one pass, as a plain tuple.

    >>> import chainrule as torch
    >>> torch.var_mean(torch.tensor([1.0, 2.0, 3.0, 4.0]))
    (tensor(1.6667), tensor(2.5000))
    """
    return _spread_and_mean(VarMean, input, dim, unbiased, keepdim, correction, "var_mean")


@register_function
def std_mean(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
             correction: float | None = None) -> tuple:
    """``(std(input, dim), mean(input, dim))`` in one pass, as a plain tuple."""
    return _spread_and_mean(StdMean, input, dim, unbiased, keepdim, correction, "std_mean")


class _MinMax(tuple):
    """``torch.return_types.aminmax``: a (min, max) pair that prints as PyTorch's."""

    __slots__ = ()
    min = property(operator.itemgetter(0), doc="The smallest values.")
    max = property(operator.itemgetter(1), doc="The largest values.")

    def __repr__(self) -> str:
        return f"torch.return_types.aminmax(\nmin={self[0]!r},\nmax={self[1]!r})"


_MinMax.__name__ = _MinMax.__qualname__ = "aminmax"
reduce.return_types.aminmax = _MinMax


def _shared_among_ties(grad: Tensor, x: Tensor, extreme: np.ndarray, axes, keepdim: bool) -> Tensor:
    """amax's rule: the gradient split evenly among the elements equal to the extreme (NaN
    where none is, as for a NaN extreme: 0/0 as in PyTorch)."""
    kept = extreme if keepdim else extreme.reshape(_kept_shape(extreme.shape, x.shape, axes))
    hits = x._data == kept
    share = (hits / np.sum(hits, axis=axes, keepdims=True)).astype(x._data.dtype)
    return expand_reduced(grad, x.shape, axes, keepdim) * Tensor._wrap(share)


class Aminmax(_TwoResults):
    def forward(self, x, axes, keepdim):
        self.save_for_backward(x)
        self.axes, self.keepdim = axes, keepdim
        self.extremes = [np.min(x._data, axis=axes, keepdims=keepdim), np.max(x._data, axis=axes, keepdims=keepdim)]
        return [e.copy() for e in self.extremes]

    def backward(self, grad_min, grad_max):
        (x,) = self.saved_tensors
        grads = [_shared_among_ties(g, x, e, self.axes, self.keepdim)
                 for g, e in zip((grad_min, grad_max), self.extremes) if not _unused(g)]
        return grads[0] + grads[1] if len(grads) == 2 else grads[0] if grads else grad_min.new_zeros(x.shape)


@tensor_method
def aminmax(input: Tensor, *, dim: int | None = None, keepdim: bool = False):
    """The smallest and the largest value (over ``dim``, or all elements) from one pass:
    ``torch.return_types.aminmax(min, max)``; ties share the gradient.

    >>> import chainrule as torch
    >>> torch.tensor([3.0, 1.0, 4.0]).aminmax()
    torch.return_types.aminmax(
    min=tensor(1.),
    max=tensor(4.))
    """
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(
                "aminmax(): cannot compute aminmax over an empty dimension as the operation has no identity.")
        axes = None
    else:
        axis = _normalize_dim(int(dim), input._data.ndim, "aminmax")
        if input._data.ndim and input._data.shape[axis] == 0:
            raise IndexError(f"aminmax: Expected reduction dim {axis} to have non-zero size.")
        axes = (axis,) if input._data.ndim else None
    return _MinMax(Aminmax.apply(input, axes=axes, keepdim=keepdim))


# ---------------------------------------------------------------------------------------
# quantile, nanquantile

_INTERPOLATIONS = ("linear", "lower", "higher", "midpoint", "nearest")


def _check_quantile_args(input: Tensor, q, dim, interpolation: str, op: str) -> tuple:
    """PyTorch's checks, in its order; ``(q as a tensor of the input's dtype, the axis)``."""
    if not isinstance(q, Tensor):
        if not 0 <= q <= 1:
            raise RuntimeError(f"quantile() q must be in the range [0, 1] but got {q:g}")
        q = Tensor._wrap(np.asarray(q, dtype=input._data.dtype if input._data.dtype.kind == "f" else np.float64))
    if interpolation not in _INTERPOLATIONS:
        raise RuntimeError("quantile() interpolation must be one of linear, lower, higher, midpoint or nearest, "
                           f"but got {interpolation}")
    axis = _normalize_dim(int(dim) if dim is not None else 0, input._data.ndim, op)
    if input._data.size == 0:
        raise RuntimeError("quantile() input tensor must be non-empty")
    if q._data.ndim > 1:
        raise RuntimeError("quantile() q must be a scalar or 1D tensor")
    if input._data.dtype not in (np.float32, np.float64):
        raise RuntimeError("quantile() input tensor must be either float or double dtype")
    if q._data.dtype != input._data.dtype:
        raise RuntimeError("quantile() q tensor must be same dtype as the input tensor")
    if not ((q._data >= 0) & (q._data <= 1)).all():
        raise RuntimeError("quantile() q values must be in the range [0, 1]")
    return q, axis


def _lerp(start: Tensor, end: Tensor, weight: Tensor) -> Tensor:
    """start + weight * (end - start), measured from the nearer end as PyTorch's lerp does (so
    lerp(-inf, 1, 0.9) is -inf, not nan)."""
    return where(weight < 0.5, start + weight * (end - start), end - (end - start) * (1 - weight))


def _as_index(ranks: Tensor) -> Tensor:
    """Ranks truncated to int64 positions: integers, outside the graph."""
    return Tensor._wrap(ranks._data.astype(np.int64))


def _quantile(input: Tensor, q, dim, keepdim: bool, interpolation: str, ignore_nan: bool) -> Tensor:
    """PyTorch's quantile_impl step by step: sort, turn each q into a fractional rank, read the
    values below and above that rank, interpolate."""
    op = "nanquantile" if ignore_nan else "quantile"
    ndim = input._data.ndim
    q, axis = _check_quantile_args(input, q, dim, interpolation, op)
    # The result's shape: q's length first (if q is a vector), then the kept dimensions.
    if dim is not None and ndim > 0:
        out_shape = list(input._data.shape)
        if keepdim:
            out_shape[axis] = 1
        else:
            del out_shape[axis]
    else:
        out_shape = [1] * ndim if keepdim else []
    if dim is None:
        ordered = input.flatten().sort().values
    elif axis == ndim - 1:
        ordered = input.sort().values
    else:
        ordered = input.unsqueeze(-1).transpose(axis, -1).sort().values
    ordered = ordered.reshape(tuple(out_shape) + (ordered.shape[-1],))  # one row per result, q apart
    n = ordered.shape[-1]
    nan = ordered.isnan()
    if ignore_nan:
        ranks = q * ((~nan).sum(-1, keepdim=True) - 1)
        ranks = ranks.masked_fill(ranks < 0, 0.0)  # all NaN: rank 0, which is NaN
    else:
        ranks = (q * (n - 1)).masked_fill(nan.any(-1, keepdim=True), float(n - 1))  # a NaN: the last, NaN
    if interpolation == "lower":
        ranks = ranks.floor()
    elif interpolation == "higher":
        ranks = ranks.ceil()
    elif interpolation == "nearest":
        ranks = ranks.round()  # half to even, as PyTorch's round
    below = _as_index(ranks)
    result = ordered.gather(-1, below)
    if interpolation in ("linear", "midpoint"):
        weights = ranks.new_full(ranks.shape, 0.5) if interpolation == "midpoint" else ranks - below
        above = ordered.gather(-1, _as_index(ranks.ceil()))
        result = _lerp(result, above, weights)
    if q._data.ndim:
        result = result.unsqueeze(0).transpose(0, -1)
    # PyTorch ends with an in-place squeeze_ (its node: SqueezeBackward4).
    return Squeeze.apply(result, shape=result.shape[:-1], variant=4)


@tensor_method
def quantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
             interpolation: str = "linear") -> Tensor:
    """The ``q``-th quantiles (q a number or a 1-d tensor in [0, 1]) over ``dim`` (all elements
    by default), interpolated between the two nearest sorted values; NaN if a NaN is present.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0, 3.0, 4.0]).quantile(0.5)
    tensor(2.5000)
    """
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=False)


@tensor_method
def nanquantile(input: Tensor, q, dim: int | None = None, keepdim: bool = False, *,
                interpolation: str = "linear") -> Tensor:
    """`quantile` of the non-NaN values (NaN only where all are NaN)."""
    return _quantile(input, q, dim, keepdim, interpolation, ignore_nan=True)


# ---------------------------------------------------------------------------------------
# histc, bincount


def _as_cpp(value: float) -> str:
    """A double as C++ streams print it (6 significant digits; a negative NaN as -nan)."""
    if math.isnan(value):
        return "-nan" if math.copysign(1.0, value) < 0 else "nan"
    return f"{value:g}"


def _outer_edges(data: np.ndarray, low: float, high: float) -> tuple:
    """histc's range: [min, max] as given, the data's range when they are equal, widened by 1
    each way if that is a single point."""
    if low == high and data.size:
        low, high = float(np.min(data)), float(np.max(data))
        if data.size > 1 and np.isnan(low):
            # PyTorch's vectorized aminmax makes a fresh NaN: x86's default NaN, negative
            low = high = -math.nan
    if low == high:
        low, high = low - 1, high + 1
    if not (np.isfinite(low) and np.isfinite(high)):
        raise RuntimeError(f"torch.histc: range of [{_as_cpp(low)}, {_as_cpp(high)}] is not finite")
    if not low < high:
        raise RuntimeError("torch.histc: max must be larger than min")
    return low, high


@tensor_method
def histc(input: Tensor, bins: int = 100, min=0, max=0) -> Tensor:
    """Counts of the elements in ``bins`` equal-width bins over [min, max] (the data's range
    when min == max); elements outside the range and NaN are not counted. Not differentiable.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0, 1.0, 4.0]).histc(bins=3, min=1, max=4)
    tensor([2., 1., 1.])
    """
    data = input._data
    if data.dtype.kind != "f":
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{scalar_type_name(data.dtype)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histogram(): bins must be > 0, but got {bins} for dimension 0")
    low, high = _outer_edges(data, float(min), float(max))
    # PyTorch's arithmetic, in the input's dtype: bin = (x - low) * bins / (high - low), truncated;
    # the top edge belongs to the last bin.
    lo, hi = data.dtype.type(low), data.dtype.type(high)
    inside = data[(data >= lo) & (data <= hi)]
    position = ((inside - lo) * data.dtype.type(bins) / (hi - lo)).astype(np.int64)
    position = np.minimum(position, bins - 1)
    return Tensor._wrap(np.bincount(position, minlength=bins).astype(data.dtype))


@tensor_method
def bincount(input: Tensor, weights: Tensor | None = None, minlength: int = 0) -> Tensor:
    """How often each value 0, 1, 2, ... occurs in a 1-d tensor of non-negative integers (or
    the sum of ``weights`` at each value). Not differentiable.

    >>> import chainrule as torch
    >>> torch.tensor([0, 2, 2, 5]).bincount()
    tensor([1, 0, 2, 0, 0, 1])
    """
    data = input._data
    if data.dtype.kind not in "iu":
        raise NotImplementedError(f"\"bincount_cpu\" not implemented for '{scalar_type_name(data.dtype)}'")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if data.ndim != 1 or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    length = max(int(data.max()) + 1 if data.size else 0, minlength)
    if weights is None:
        return Tensor._wrap(np.bincount(data, minlength=length).astype(np.int64))
    if weights._data.ndim != 1 or weights._data.shape[0] != data.shape[0]:
        raise RuntimeError("weights should be 1-d and have the same length as input")
    # float32 weights sum in float32, one after another as PyTorch's loop does; others in float64
    dtype = np.float32 if weights._data.dtype == np.float32 else np.float64
    counts = np.zeros(length, dtype=dtype)
    np.add.at(counts, data, weights._data.astype(dtype))
    if weights._requires_grad and grad_mode.is_grad_enabled():
        return without_derivative(weights, counts, "NotImplemented",
                                  RuntimeError("derivative for aten::bincount is not implemented"))
    return Tensor._wrap(counts)

