"""Reductions: sum, mean, prod, var, std, max, min, amax, amin, argmax, argmin,
logsumexp, norm, all, any and cumsum.

The gradient of a reduction is the upstream gradient spread back over the reduced axes
(`expand_reduced`), times how much each input element moved the result: 1 for sum,
1/N for mean, the product of the other elements for prod, a 0/1 mask for max.
Every backward is written with Tensor ops, so it can be differentiated again.
"""

from __future__ import annotations

import builtins  # sum, max, min, any and all below are the tensor reductions
import math
from types import SimpleNamespace

import numpy as np

from chainrule import dtypes
from chainrule._user_warnings import warn_at_user
from chainrule.autograd import grad_mode
from chainrule.autograd.node import Op
from chainrule.ops._operands import as_float
from chainrule.ops.pointwise import maximum, minimum, where
from chainrule._tensor import Tensor, _normalize_dim, tensor_method

# ---------------------------------------------------------------------------------------
# helpers shared by the reductions

def scalar_type_name(np_dtype) -> str:
    """PyTorch's name for a dtype in error messages: ``Float``, ``Double``, ``Long``."""
    return dtypes.legacy_name(np_dtype)


def normalize_dims(dim, ndim: int, op: str) -> tuple | None:
    """``dim`` (None, an int, or a sequence) as a sorted tuple of non-negative axes.

    None means "all dimensions" (so does ``()``, as in PyTorch).
    """
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:
        return None
    axes = [_normalize_dim(int(d), ndim, op) for d in dims]
    if len(set(axes)) != len(axes):
        repeated = next(a for a in axes if axes.count(a) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    if ndim == 0:
        return None
    return tuple(sorted(axes))


def single_dim(dim, ndim: int, op: str) -> int | None:
    """An int ``dim`` as a non-negative axis (None for a 0-d tensor, which has no axes)."""
    if not isinstance(dim, (int, np.integer)) or isinstance(dim, bool):
        raise TypeError(f"{op}(): argument 'dim' must be int, not {type(dim).__name__}")
    axis = _normalize_dim(int(dim), ndim, op)
    return axis if ndim else None


def expand_reduced(grad: Tensor, input_shape: tuple, axes: tuple | None, keepdim: bool) -> Tensor:
    """Put back the reduced axes (size 1) so ``grad`` broadcasts against the input."""
    if not grad_mode._grad_enabled.get():
        # Plain backward (no graph to record): the same reshape-and-broadcast in NumPy,
        # without three op records; every reduction's backward passes through here.
        data = grad._data
        if not keepdim:
            data = data.reshape(_kept_shape(data.shape, input_shape, axes))
        if math.prod(input_shape) <= 4096:
            # Small: filling a new array is cheaper than np.broadcast_to's Python wrapper.
            out = np.empty(input_shape, dtype=data.dtype)
            out[...] = data
            return Tensor._wrap(out)
        return Tensor._wrap(np.broadcast_to(data, input_shape))
    return with_reduced_axes(grad, input_shape, axes, keepdim).expand(input_shape)


def _kept_shape(shape: tuple, input_shape: tuple, axes: tuple | None) -> tuple:
    if axes is None:
        return (1,) * len(input_shape)
    kept = list(shape)
    for axis in axes:
        kept.insert(axis, 1)
    return tuple(kept)


def with_reduced_axes(t: Tensor, input_shape: tuple, axes: tuple | None, keepdim: bool) -> Tensor:
    """``t`` reshaped as if it had been reduced with ``keepdim=True`` (for broadcasting)."""
    if keepdim:
        return t
    return t.reshape(_kept_shape(tuple(t.shape), input_shape, axes))


def reduced_count(input_shape: tuple, axes: tuple | None) -> int:
    """How many input elements meet in each output element."""
    if axes is None:
        return math.prod(input_shape)
    return math.prod(input_shape[a] for a in axes)


def _constant(array: np.ndarray) -> Tensor:
    return Tensor._wrap(np.asarray(array))


def _require_float(input: Tensor, message: str) -> None:
    if input._data.dtype.kind != "f":
        raise RuntimeError(message.format(scalar_type_name(input._data.dtype)))


def _cast_to(input: Tensor, dtype) -> Tensor:
    return input if dtype is None else input.to(dtypes.as_dtype(dtype))


# ---------------------------------------------------------------------------------------
# sum and mean


class Sum(Op):
    def forward(self, x, axes=None, keepdim=False, dtype=None, dim_given=False):
        self.input_shape = x._data.shape
        self.axes, self.keepdim, self.dim_given = axes, keepdim, dim_given
        return np.add.reduce(x._data, axis=axes, keepdims=keepdim, dtype=dtype)  # np.sum minus its wrapper

    def backward(self, grad):
        return expand_reduced(grad, self.input_shape, self.axes, self.keepdim)

    def name(self) -> str:
        return "SumBackward1" if self.dim_given else "SumBackward0"


class Mean(Op):
    def forward(self, x, axes=None, keepdim=False, dim_given=False):
        self.input_shape = x._data.shape
        self.axes, self.keepdim, self.dim_given = axes, keepdim, dim_given
        data = x._data
        if data.size == 0:
            # the mean of nothing is nan, as in PyTorch (0 / 0, and no "Mean of empty slice" warning)
            total = np.add.reduce(data, axis=axes, keepdims=keepdim)
            self.count = 0
            return total / np.array(0, dtype=total.dtype)
        if data.dtype == np.float16:
            # np.mean sums float16 in float32
            out = np.mean(data, axis=axes, keepdims=keepdim)
            self.count = data.size // builtins.max(out.size, 1)
            return out
        # What np.mean does, without its Python wrapper (it costs more than small reductions).
        total = np.add.reduce(data, axis=axes, keepdims=keepdim)
        self.count = data.size // builtins.max(total.size, 1)
        return total / self.count

    def backward(self, grad):
        # Divide before spreading out: one number per output element instead of per input.
        return expand_reduced(grad / self.count, self.input_shape, self.axes, self.keepdim)

    def name(self) -> str:
        return "MeanBackward1" if self.dim_given else "MeanBackward0"


@tensor_method
def sum(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (all by default). Bool and int tensors sum to int64, as in PyTorch.

    >>> import chainrule as torch
    >>> torch.tensor([[1.0, 2.0], [3.0, 4.0]]).sum(1)
    tensor([3., 7.])
    """
    axes = normalize_dims(dim, input._data.ndim, "sum")
    input = _cast_to(input, dtype)
    out_dtype = np.int64 if input._data.dtype.kind in "biu" else None
    return Sum.apply(input, axes=axes, keepdim=keepdim, dtype=out_dtype, dim_given=dim is not None)


@tensor_method
def mean(input: Tensor, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The average over ``dim`` (all by default); floating-point tensors only, as in PyTorch."""
    if input._data.dtype.kind != "f" and dtype is None:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {scalar_type_name(input._data.dtype)}"
        )
    input = _cast_to(input, dtype)
    axes = normalize_dims(dim, input._data.ndim, "mean")
    return Mean.apply(as_float(input), axes=axes, keepdim=keepdim, dim_given=dim is not None)


# ---------------------------------------------------------------------------------------
# prod


class Prod(Op):
    """The product; d(prod)/dx_i is the product of the *other* elements (right even at zeros)."""

    def forward(self, x, axis=None, keepdim=False, dim_given=False):
        self.save_for_backward(x)
        self.axis, self.keepdim, self.dim_given = axis, keepdim, dim_given
        return self.save_output(np.prod(x._data, axis=axis, keepdims=keepdim))

    def backward(self, grad):
        (x,) = self.saved_tensors
        axes = None if self.axis is None else (self.axis,)
        grad = expand_reduced(grad, x.shape, axes, self.keepdim)
        if not (x._data == 0).any():
            # Without zeros, prod / x_i is the product of the others (PyTorch's rule: at an
            # inf or nan element it gives nan, as torch does).
            out = with_reduced_axes(self.output(), x.shape, axes, self.keepdim)
            return grad * out / x
        if not grad_mode.is_grad_enabled():
            return grad * _constant(_product_of_others(x._data, self.axis))
        return grad * _product_of_others_differentiable(x, self.axis)

    def name(self) -> str:
        return "ProdBackward1" if self.dim_given else "ProdBackward0"


def _product_of_others(a: np.ndarray, axis: int | None) -> np.ndarray:
    """For each element, the product of the other elements along ``axis`` (all when None).

    Exclusive cumulative products from the left and from the right: no division, so zeros
    in the input are fine.
    """
    if axis is None:
        return _product_of_others(a.reshape(-1), 0).reshape(a.shape)
    n = a.shape[axis]
    if n == 0:
        return np.ones_like(a)
    ones = np.ones_like(np.take(a, [0], axis=axis))
    before = np.cumprod(np.take(a, range(n - 1), axis=axis), axis=axis)  # x0, x0 x1, ...
    after = np.cumprod(np.flip(np.take(a, range(1, n), axis=axis), axis=axis), axis=axis)
    left = np.concatenate([ones, before], axis=axis)
    right = np.flip(np.concatenate([ones, after], axis=axis), axis=axis)
    return left * right


def _product_of_others_differentiable(x: Tensor, axis: int | None) -> Tensor:
    """The same, in Tensor ops (for create_graph): an n-by-n "leave one out" product.

    Each element's row is x with that element replaced by 1; the product of a row is the
    product of the others. It costs n times the memory of x along ``axis``.
    """
    if axis is None:
        return _product_of_others_differentiable(x.reshape(-1), 0).reshape(x.shape)
    n = x.shape[axis]
    rows = x.reshape(x.shape[:axis] + (1,) + x.shape[axis:])
    eye_shape = (n, n) + (1,) * (x.dim() - axis - 1)
    is_self = _constant(np.eye(n, dtype=bool).reshape(eye_shape))
    return prod(where(is_self, 1.0, rows), axis + 1)


@tensor_method
def prod(input: Tensor, dim: int | None = None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """The product over one ``dim`` (or all elements). Bool and int tensors give int64.

    >>> import chainrule as torch
    >>> torch.tensor([[1.0, 2.0], [3.0, 4.0]]).prod(0)
    tensor([3., 8.])
    """
    axis = None if dim is None else single_dim(dim, input._data.ndim, "prod")
    input = _cast_to(input, dtype)
    if input._data.dtype.kind in "biu":
        input = Tensor._wrap(input._data.astype(np.int64))
    return Prod.apply(input, axis=axis, keepdim=keepdim and dim is not None, dim_given=dim is not None)


# ---------------------------------------------------------------------------------------
# var and std


class Var(Op):
    def forward(self, x, axes=None, correction=1, keepdim=False):
        self.save_for_backward(x)
        self.axes, self.correction, self.keepdim = axes, correction, keepdim
        return _variance(x._data, axes, correction, keepdim, "var")

    def backward(self, grad):
        (x,) = self.saved_tensors
        return expand_reduced(grad, x.shape, self.axes, self.keepdim) * _variance_slope(
            x, self.axes, self.correction)


class Std(Op):
    def forward(self, x, axes=None, correction=1, keepdim=False):
        self.save_for_backward(x)
        self.axes, self.correction, self.keepdim = axes, correction, keepdim
        return self.save_output(np.sqrt(_variance(x._data, axes, correction, keepdim, "std")))

    def backward(self, grad):
        # d sqrt(v) = dv / (2 sqrt(v)); PyTorch gives 0, not nan, where the std is 0.
        (x,) = self.saved_tensors
        std = with_reduced_axes(self.output(), x.shape, self.axes, self.keepdim)
        scale = _divide_or_zero(with_reduced_axes(grad, x.shape, self.axes, self.keepdim), 2 * std)
        return scale * _variance_slope(x, self.axes, self.correction)


def _variance(a: np.ndarray, axes, correction, keepdim: bool, op: str) -> np.ndarray:
    count = reduced_count(a.shape, axes)
    if count - correction <= 0:
        warn_at_user(
            f"{op}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel)."
        )
    # (no elements: 0 / 0 is nan, as in PyTorch; ops run with NumPy's warnings off)
    centred = a - np.mean(a, axis=axes, keepdims=True) if a.size else a
    squares = np.sum(centred * centred, axis=axes, keepdims=keepdim)
    return squares / builtins.max(count - correction, 0)


def _variance_slope(x: Tensor, axes, correction) -> Tensor:
    """d var / d x_i = 2 (x_i - mean) / (N - correction)."""
    count = reduced_count(x.shape, axes)
    centred = x - x.mean(dim=axes, keepdim=True)
    return centred * (2.0 / (count - correction) if count - correction > 0 else math.inf)


def _divide_or_zero(numerator: Tensor, denominator: Tensor) -> Tensor:
    """numerator / denominator, and 0 where the denominator is 0 (no nan in any derivative)."""
    zero = denominator._data == 0
    if not zero.any():
        return numerator / denominator
    is_zero = _constant(zero)
    return where(is_zero, 0.0, numerator / where(is_zero, 1.0, denominator))


def _correction_arg(op: str, dim, unbiased, correction):
    """PyTorch's overloads: var(unbiased), var(dim, unbiased, keepdim), var(dim, correction=)."""
    if isinstance(dim, bool):  # x.var(False): the legacy (unbiased) overload
        dim, unbiased = None, dim
    if unbiased is not None and correction is not None:
        raise TypeError(f"{op}(): give either 'unbiased' or 'correction', not both")
    if correction is None:
        correction = 1 if unbiased is None or unbiased else 0
    return dim, correction


@tensor_method
def var(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """The variance over ``dim``, with Bessel's correction (``correction=1``) by default.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0, 3.0, 4.0]).var(), torch.tensor([1.0, 2.0, 3.0, 4.0]).var(correction=0)
    (tensor(1.6667), tensor(1.2500))
    """
    dim, correction = _correction_arg("var", dim, unbiased, correction)
    _require_float(input, "std and var only support floating point and complex dtypes")
    return Var.apply(input, axes=normalize_dims(dim, input._data.ndim, "var"), correction=correction,
                     keepdim=keepdim)


@tensor_method
def std(input: Tensor, dim=None, unbiased: bool | None = None, keepdim: bool = False, *,
        correction: float | None = None) -> Tensor:
    """The standard deviation over ``dim`` (``correction=1`` by default), the square root of `var`."""
    dim, correction = _correction_arg("std", dim, unbiased, correction)
    _require_float(input, "std and var only support floating point and complex dtypes")
    return Std.apply(input, axes=normalize_dims(dim, input._data.ndim, "std"), correction=correction,
                     keepdim=keepdim)


# ---------------------------------------------------------------------------------------
# max, min, amax, amin, argmax, argmin


class _ExtremeShared(Op):
    """max()/amax(): the gradient is shared evenly among the elements that tie for the extreme.

    As in PyTorch, max() *places* the shares on the winners (nan elements win a nan result)
    and leaves exact zeros elsewhere, while amax *multiplies* the gradient by the shares:
    a nan or inf gradient then reaches the whole slice, and a slice holding nan (no element
    equals nan: a share of 0/0) gets nan.
    """

    numpy_function = None
    places_gradient = False

    def forward(self, x, axes=None, keepdim=False):
        self.save_for_backward(x)
        self.axes, self.keepdim = axes, keepdim
        return self.save_output(type(self).numpy_function(x._data, axis=axes, keepdims=keepdim))

    def backward(self, grad):
        (x,) = self.saved_tensors
        out = with_reduced_axes(self.output(), x.shape, self.axes, self.keepdim)
        winners = x._data == out._data
        if self.places_gradient:
            winners |= np.isnan(x._data) & np.isnan(out._data)
        share = _constant((winners / np.sum(winners, axis=self.axes, keepdims=True)).astype(x._data.dtype))
        grad = expand_reduced(grad, x.shape, self.axes, self.keepdim)
        if self.places_gradient:
            return where(_constant(winners), grad * share, 0.0)
        return grad * share


class MaxAll(_ExtremeShared):
    backward_name = "MaxBackward1"
    places_gradient = True
    numpy_function = staticmethod(np.max)


class MinAll(_ExtremeShared):
    backward_name = "MinBackward1"
    places_gradient = True
    numpy_function = staticmethod(np.min)


class Amax(_ExtremeShared):
    numpy_function = staticmethod(np.max)


class Amin(_ExtremeShared):
    numpy_function = staticmethod(np.min)


class _ExtremeAlongDim(Op):
    """max(dim)/min(dim): the whole gradient goes to the index that was returned."""

    def forward(self, x, axis, keepdim, indices):
        self.input_shape = x._data.shape
        self.axis, self.keepdim, self.indices = axis, keepdim, indices
        if axis is None:  # a 0-d tensor
            return x._data.copy()
        values = np.take_along_axis(x._data, np.expand_dims(indices, axis) if not keepdim else indices, axis)
        return values if keepdim else np.squeeze(values, axis)

    def backward(self, grad):
        if self.axis is None:
            return grad
        chosen = np.zeros(self.input_shape, dtype=bool)
        index = self.indices if self.keepdim else np.expand_dims(self.indices, self.axis)
        np.put_along_axis(chosen, index, True, self.axis)
        # Placed, not multiplied: the other elements get exact zeros even if grad is inf or nan.
        return where(_constant(chosen), expand_reduced(grad, self.input_shape, (self.axis,), self.keepdim), 0.0)


class MaxDim(_ExtremeAlongDim):
    backward_name = "MaxBackward0"


class MinDim(_ExtremeAlongDim):
    backward_name = "MinBackward0"


class _ReturnType(tuple):
    """``torch.return_types.max``: a (values, indices) pair that prints as PyTorch's."""

    __slots__ = ()
    _op = ""

    def __new__(cls, values: Tensor, indices: Tensor):
        return tuple.__new__(cls, (values, indices))

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        return f"torch.return_types.{self._op}(\nvalues={self[0]!r},\nindices={self[1]!r})"


def _return_type(op: str) -> type:
    return type(op, (_ReturnType,), {"__slots__": (), "_op": op})


# torch.return_types.max / .min
return_types = SimpleNamespace(max=_return_type("max"), min=_return_type("min"))


def _check_nonempty(input: Tensor, axis, op: str) -> None:
    if input._data.size:
        return
    if axis is None:
        raise RuntimeError(
            f"{op}(): Expected reduction dim to be specified for input.numel() == 0. Specify the "
            "reduction dim with the 'dim' argument."
        )
    for a in (axis if isinstance(axis, tuple) else (axis,)):
        if input._data.shape[a] == 0:
            raise IndexError(f"{op}(): Expected reduction dim {a} to have non-zero size.")


def _extreme(input: Tensor, dim, keepdim: bool, op: str, all_class, dim_class, arg_function):
    if isinstance(dim, Tensor):  # torch.max(a, b) is the element-wise maximum
        return (maximum if op == "max" else minimum)(input, dim)
    if dim is None:
        _check_nonempty(input, None, op)
        return all_class.apply(input)
    axis = single_dim(dim, input._data.ndim, op)
    if axis is None:  # 0-d: the value itself at index 0
        indices = np.zeros((), dtype=np.int64)
    else:
        _check_nonempty(input, axis, op)
        indices = arg_function(input._data, axis=axis, keepdims=keepdim).astype(np.int64, copy=False)
    values = dim_class.apply(input, axis=axis, keepdim=keepdim, indices=indices)
    return getattr(return_types, op)(values, Tensor._wrap(indices))


@tensor_method
def max(input: Tensor, dim=None, keepdim: bool = False):
    """The largest element; with ``dim``, a ``(values, indices)`` pair (``torch.return_types.max``).

    Without ``dim`` the gradient is shared among ties; with ``dim`` it goes to the returned index.

    >>> import chainrule as torch
    >>> torch.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    torch.return_types.max(
    values=tensor([5., 7.]),
    indices=tensor([1, 0]))
    """
    return _extreme(input, dim, keepdim, "max", MaxAll, MaxDim, np.argmax)


@tensor_method
def min(input: Tensor, dim=None, keepdim: bool = False):
    """The smallest element; with ``dim``, a ``(values, indices)`` pair (``torch.return_types.min``)."""
    return _extreme(input, dim, keepdim, "min", MinAll, MinDim, np.argmin)


def _amax_amin(op_class, input: Tensor, dim, keepdim: bool, op: str) -> Tensor:
    axes = normalize_dims(dim, input._data.ndim, op) if dim is not None else None
    _check_nonempty(input, axes, op)
    return op_class.apply(input, axes=axes, keepdim=keepdim)


@tensor_method
def amax(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The largest value over ``dim`` (an int or a tuple; all by default); ties share the gradient."""
    return _amax_amin(Amax, input, dim, keepdim, "amax")


@tensor_method
def amin(input: Tensor, dim=(), keepdim: bool = False) -> Tensor:
    """The smallest value over ``dim`` (an int or a tuple; all by default); ties share the gradient."""
    return _amax_amin(Amin, input, dim, keepdim, "amin")


def _arg_extreme(input: Tensor, dim, keepdim: bool, op: str, arg_function) -> Tensor:
    data = input._data
    if dim is None:
        if data.size == 0:
            raise IndexError(f"{op}(): Expected reduction dim to be specified for input.numel() == 0.")
        index = np.asarray(arg_function(data.reshape(-1)), dtype=np.int64)
        return Tensor._wrap(index.reshape((1,) * data.ndim) if keepdim else index)
    axis = single_dim(dim, data.ndim, op)
    if axis is None:
        return Tensor._wrap(np.zeros((), dtype=np.int64))
    _check_nonempty(input, axis, op)
    return Tensor._wrap(np.asarray(arg_function(data, axis=axis, keepdims=keepdim), dtype=np.int64))


@tensor_method
def argmax(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the largest element (of the flattened tensor when ``dim`` is None); int64.

    >>> import chainrule as torch
    >>> torch.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax()
    tensor(2)
    """
    return _arg_extreme(input, dim, keepdim, "argmax", np.argmax)


@tensor_method
def argmin(input: Tensor, dim: int | None = None, keepdim: bool = False) -> Tensor:
    """The index of the smallest element (of the flattened tensor when ``dim`` is None); int64."""
    return _arg_extreme(input, dim, keepdim, "argmin", np.argmin)


# ---------------------------------------------------------------------------------------
# logsumexp


class Logsumexp(Op):
    """log(sum(exp(x))); its derivative is softmax(x) = exp(x - logsumexp(x))."""

    def forward(self, x, axes=None, keepdim=False):
        self.save_for_backward(x)
        self.axes, self.keepdim = axes, keepdim
        return self.save_output(_logsumexp(x._data, axes, keepdim))

    def backward(self, grad):
        (x,) = self.saved_tensors
        out = with_reduced_axes(self.output(), x.shape, self.axes, self.keepdim)
        return with_reduced_axes(grad, x.shape, self.axes, self.keepdim) * (x - out).exp()


def _logsumexp(a: np.ndarray, axes, keepdim: bool) -> np.ndarray:
    # exp overflows for large inputs: factor the largest value out first (log-sum-exp trick).
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if a.size == 0:
            return np.log(np.sum(np.exp(a), axis=axes, keepdims=keepdim))
        shift = np.max(a, axis=axes, keepdims=True)
        shift = np.where(np.isfinite(shift), shift, 0).astype(a.dtype, copy=False)
        total = np.log(np.sum(np.exp(a - shift), axis=axes, keepdims=True)) + shift
    if not keepdim:
        total = total.reshape(np.sum(a, axis=axes).shape) if axes is not None else total.reshape(())
    return total


@tensor_method
def logsumexp(input: Tensor, dim, keepdim: bool = False) -> Tensor:
    """log(sum(exp(input))) over ``dim``, computed without overflow.

    >>> import chainrule as torch
    >>> torch.tensor([1000.0, 1000.0]).logsumexp(0)
    tensor(1000.6932)
    """
    input = as_float(input)
    return Logsumexp.apply(input, axes=normalize_dims(dim, input._data.ndim, "logsumexp"), keepdim=keepdim)


# ---------------------------------------------------------------------------------------
# norm


class VectorNorm(Op):
    """The p-norm (sum |x|^p)^(1/p) over ``axes``; the gradient at a zero norm is 0, as in PyTorch."""

    backward_name = "LinalgVectorNormBackward0"

    def forward(self, x, ord=2.0, axes=None, keepdim=False):
        self.save_for_backward(x)
        self.ord, self.axes, self.keepdim = ord, axes, keepdim
        return self.save_output(_vector_norm(x._data, ord, axes, keepdim))

    def backward(self, grad):
        (x,) = self.saved_tensors
        p = self.ord
        grad = with_reduced_axes(grad, x.shape, self.axes, self.keepdim)
        norm = with_reduced_axes(self.output(), x.shape, self.axes, self.keepdim)
        if p == 0:
            return x * 0.0 * grad
        if p == 1:
            return x.sign() * grad
        if p == 2:
            return x * _divide_or_zero(grad, norm)
        if math.isinf(p):
            # Only the elements at the extreme count; ties share the gradient.
            winners = np.abs(x._data) == norm._data
            share = winners / np.maximum(np.sum(winners, axis=self.axes, keepdims=True), 1)
            return x.sign() * grad * _constant(share.astype(x._data.dtype))
        magnitude = x.abs()
        if p < 1:
            # |x|^(p-1) is infinite at 0 where the true one-sided slope is undefined: use 0, as PyTorch.
            slope = x.sign() * _divide_or_zero(magnitude.new_ones(()), magnitude ** (1 - p))
            return slope * grad * norm ** (1 - p)
        return x.sign() * magnitude ** (p - 1) * _divide_or_zero(grad, norm ** (p - 1))


def _vector_norm(a: np.ndarray, p: float, axes, keepdim: bool) -> np.ndarray:
    magnitude = np.abs(a)
    if math.isinf(p):
        if a.size == 0 and (axes is None or builtins.any(a.shape[i] == 0 for i in axes)):
            raise RuntimeError(
                f"linalg.vector_norm cannot compute the {'-' if p < 0 else ''}inf norm on an empty tensor "
                "because the operation does not have an identity"
            )
        return (np.max if p > 0 else np.min)(magnitude, axis=axes, keepdims=keepdim)
    if p == 0:
        return np.sum(magnitude != 0, axis=axes, keepdims=keepdim).astype(a.dtype)
    if p == 1:
        return np.sum(magnitude, axis=axes, keepdims=keepdim)
    if p == 2:
        return np.sqrt(np.sum(a * a, axis=axes, keepdims=keepdim))
    return np.sum(magnitude**p, axis=axes, keepdims=keepdim) ** (1.0 / p)


def _check_norm_dtype(input: Tensor, dtype, op: str) -> Tensor:
    """``input`` cast to ``dtype``, which must hold the input's values without narrowing."""
    if dtype is None:
        return input
    target = dtypes.as_dtype(dtype)
    if np.promote_types(input._data.dtype, target.numpy) != target.numpy:
        raise RuntimeError(
            f"{op}: the dtype of the input ({scalar_type_name(input._data.dtype)}) should "
            f"be convertible without narrowing to the specified dtype ({scalar_type_name(target.numpy)})"
        )
    return input.to(target)


def vector_norm(x: Tensor, ord=2, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.vector_norm``: (sum |x|^ord)^(1/ord) over ``dim`` (all elements by default),
    for any number ``ord`` (0 counts non-zeros, inf is the largest magnitude).

    >>> import chainrule as torch
    >>> torch.linalg.vector_norm(torch.tensor([[3.0, 4.0], [0.0, 0.0]]))
    tensor(5.)
    """
    if isinstance(ord, str) or not isinstance(ord, (int, float, np.integer, np.floating)):
        raise TypeError(f"linalg_vector_norm(): argument 'ord' (position 2) must be Number, not {type(ord).__name__}")
    _require_float(x, "linalg.vector_norm: Expected a floating point or complex tensor as input. Got {}")
    x = _check_norm_dtype(x, dtype, "linalg.vector_norm")
    axes = normalize_dims(dim, x._data.ndim, "linalg.vector_norm")
    return VectorNorm.apply(x, ord=float(ord), axes=axes, keepdim=keepdim)


def _order_text(ord: float) -> str:
    """An order as PyTorch prints it in messages: 3, 3.5, inf."""
    return str(int(ord)) if float(ord).is_integer() else str(ord)


def _matrix_norm_dims(A: Tensor, dim, low_precision_ok: bool, dtype) -> tuple:
    """PyTorch's checks of linalg.matrix_norm, in its order; the two dims, non-negative."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError("linalg.matrix_norm: The input tensor A must have at least 2 dimensions.")
    _require_float(A, "linalg.matrix_norm: Expected a floating point or complex tensor as input. Got {}")
    if a.dtype == np.float16 and not low_precision_ok:
        raise RuntimeError("linalg.matrix_norm: Low precision dtypes not supported. Got Half")
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {' '.join(str(d) for d in dims)}")
    d0, d1 = (_normalize_dim(int(d), a.ndim, "linalg.matrix_norm") for d in dims)
    if d0 == d1:
        raise RuntimeError(f"linalg.matrix_norm: dims must be different. Got ({d0}, {d1})")
    _check_norm_dtype(A, dtype, "linalg.matrix_norm")
    return d0, d1


def _largest_or_smallest(t: Tensor, dim: int, ord: float, keepdim: bool) -> Tensor:
    """amax (ord > 0) or amin over ``dim``. As in PyTorch, the largest of nothing is 0 (the norm of
    an empty matrix) and the smallest of nothing is an error."""
    if t._data.shape[dim] == 0:
        if ord > 0:
            shape = list(t._data.shape)
            if keepdim:
                shape[dim] = 1
            else:
                del shape[dim]  # dim may be negative (-1 on the singular values): as PyTorch prints it
            return Tensor._wrap(np.zeros(shape, dtype=t._data.dtype))
        raise IndexError(f"amin(): Expected reduction dim {dim} to have non-zero size.")
    return amax(t, dim, keepdim) if ord > 0 else amin(t, dim, keepdim)


def matrix_norm(A: Tensor, ord="fro", dim=(-2, -1), keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.matrix_norm`` over the matrices in dims ``dim`` (the last two by default):

    'fro' (the 2-norm of the entries), 'nuc' (the sum of the singular values), 2 / -2 (the
    largest / smallest singular value), 1 / -1 (the largest / smallest column sum of |A|),
    inf / -inf (the same for rows). Built as PyTorch builds it (svdvals, amax, sum), so
    gradients and grad_fn names follow: the spectral norm's gradient is u1 v1^T, the
    nuclear norm's U V^T; tied largest singular values share the gradient, as amax does.

    >>> import chainrule as torch
    >>> A = torch.tensor([[1.0, -2.0], [3.0, 4.0]])
    >>> torch.linalg.matrix_norm(A, 1), torch.linalg.matrix_norm(A, float("inf"))
    (tensor(6.), tensor(7.))
    """
    if isinstance(ord, str):
        if ord not in ("fro", "nuc"):
            raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")
        d0, d1 = _matrix_norm_dims(A, dim, ord == "fro", dtype)
        if ord == "fro":
            return vector_norm(A, 2, (d0, d1), keepdim, dtype=dtype)
        return _singular_value_norm(A, "nuc", d0, d1, keepdim, dtype)
    ord = float(ord)
    if builtins.abs(ord) not in (1.0, 2.0, math.inf):
        raise RuntimeError(f"linalg.matrix_norm: Order {_order_text(ord)} not supported.")
    d0, d1 = _matrix_norm_dims(A, dim, builtins.abs(ord) != 2, dtype)
    if builtins.abs(ord) == 2:
        return _singular_value_norm(A, ord, d0, d1, keepdim, dtype)
    if math.isinf(ord):  # the inf-norm is the 1-norm of the transpose: rows instead of columns
        d0, d1 = d1, d0
    if not keepdim and d0 < d1:
        d1 -= 1  # the first reduction removed a dim in front of d1
    return _largest_or_smallest(vector_norm(A, 1, d0, keepdim, dtype=dtype), d1, ord, keepdim)


def _singular_value_norm(A: Tensor, ord, d0: int, d1: int, keepdim: bool, dtype) -> Tensor:
    """The nuclear (ord 'nuc') or spectral (2, -2) norm: move the two dims last, take svdvals."""
    from chainrule.ops.decompositions import svdvals  # decompositions imports this module

    A = _check_norm_dtype(A, dtype, "linalg.matrix_norm")
    ndim = A._data.ndim
    order = [d for d in range(ndim) if d not in (d0, d1)] + [d0, d1]
    singular_values = svdvals(A.permute(*order))
    if ord == "nuc":
        result = sum(singular_values, -1, keepdim)
    else:
        result = _largest_or_smallest(singular_values, -1, ord, keepdim)
    if keepdim:
        result = result.unsqueeze(-1).permute(*np.argsort(order).tolist())
    return result


def linalg_norm(A: Tensor, ord=None, dim=None, keepdim: bool = False, *, dtype=None) -> Tensor:
    """``torch.linalg.norm``: a matrix norm for a 2-D input or a 2-tuple ``dim``, else a vector
    norm; ``ord=None`` is the 2-norm of the entries (Frobenius for matrices).

    >>> import chainrule as torch
    >>> A = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
    >>> torch.linalg.norm(A), torch.linalg.norm(A, 2)
    (tensor(5.), tensor(4.))
    """
    if dim is not None:
        dims = [int(dim)] if isinstance(dim, (int, np.integer)) else [int(d) for d in dim]
        if len(dims) not in (1, 2):
            raise RuntimeError(f"linalg.norm: If dim is specified, it must be of length 1 or 2. Got {dims}")
    else:
        dims = None
        if ord is not None and A._data.ndim not in (1, 2):
            raise RuntimeError(
                f"linalg.norm: If dim is not specified but ord is, the input must be 1D or 2D. Got {A._data.ndim}D."
            )
    if isinstance(ord, str):
        return matrix_norm(A, ord, tuple(dims) if dims is not None else (0, 1), keepdim, dtype=dtype)
    if ord is not None and ((dims is not None and len(dims) == 2) or (dims is None and A._data.ndim == 2)):
        return matrix_norm(A, ord, tuple(dims) if dims is not None else (0, 1), keepdim, dtype=dtype)
    return vector_norm(A, 2 if ord is None else ord, dims, keepdim, dtype=dtype)


@tensor_method
def norm(input: Tensor, p="fro", dim=None, keepdim: bool = False, dtype=None) -> Tensor:
    """``torch.norm`` (legacy): a number ``p`` is the vector p-norm over ``dim`` (all elements
    by default, even of a matrix: ``A.norm(2)`` is not the spectral norm); 'fro' is the 2-norm
    over up to two dims; 'nuc' is the nuclear norm of the matrices in ``dim`` (a 2-tuple, or
    all the dims of a 2-D input). See `matrix_norm` and `linalg_norm` for matrix norms.

    >>> import chainrule as torch
    >>> torch.tensor([3.0, 4.0]).norm(), torch.tensor([3.0, -4.0]).norm(p=1)
    (tensor(5.), tensor(7.))
    """
    dims = None if dim is None else ([dim] if isinstance(dim, (int, np.integer)) else list(dim))
    if isinstance(p, str):
        if p == "fro" and (dims is None or len(dims) <= 2):
            return vector_norm(input, 2, dims, keepdim, dtype=dtype)
        # 'nuc', or 'fro' over more than two dims (refused by matrix_norm, as in PyTorch)
        return matrix_norm(input, p, tuple(dims) if dims is not None else tuple(range(input._data.ndim)), keepdim,
                           dtype=dtype)
    return vector_norm(input, 2.0 if p is None else p, dims, keepdim, dtype=dtype)


# ---------------------------------------------------------------------------------------
# all and any: logical reductions, no gradient


def _logical(numpy_function, name: str):
    def function(input: Tensor, dim=None, keepdim: bool = False) -> Tensor:
        axes = normalize_dims(dim, input._data.ndim, name)
        return Tensor._wrap(np.asarray(numpy_function(input._data, axis=axes, keepdims=keepdim)))

    function.__name__ = name
    function.__doc__ = f"Whether {name} elements over ``dim`` are non-zero (bool; all dims by default)."
    return tensor_method(function)


all = _logical(np.all, "all")
any = _logical(np.any, "any")


# ---------------------------------------------------------------------------------------
# cumsum


class Cumsum(Op):
    """Running sums along ``axis``; the gradient is the running sum from the other end."""

    def forward(self, x, axis, reverse=False):
        self.axis, self.reverse = axis, reverse
        if axis is None:  # 0-d
            return x._data.copy()
        if reverse:
            return np.flip(np.cumsum(np.flip(x._data, axis), axis), axis)
        return np.cumsum(x._data, axis)

    def backward(self, grad):
        return Cumsum.apply(grad, axis=self.axis, reverse=not self.reverse)


@tensor_method
def cumsum(input: Tensor, dim: int, *, dtype=None) -> Tensor:
    """Running sums along ``dim``; bool and int tensors give int64, as in PyTorch.

    >>> import chainrule as torch
    >>> torch.tensor([1.0, 2.0, 3.0]).cumsum(0)
    tensor([1., 3., 6.])
    """
    axis = single_dim(dim, input._data.ndim, "cumsum")
    input = _cast_to(input, dtype)
    if input._data.dtype.kind in "biu":
        input = Tensor._wrap(input._data.astype(np.int64))
    return Cumsum.apply(input, axis=axis)
