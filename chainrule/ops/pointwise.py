"""Element-wise ops: arithmetic, the usual functions and activations.

Each op is one small class: ``forward`` computes the value with NumPy, ``backward``
multiplies the upstream gradient by the local derivative, written with Tensor ops so
the derivative can be differentiated again. Broadcast gradients are summed back to
each input's shape by the engine, so no rule here has to.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule.autograd import fp_errors, grad_mode
from chainrule.autograd.node import Op
from chainrule.ops._operands import as_float, ensure_tensor, promote
from chainrule._tensor import Tensor, register_function, tensor_method

# ---------------------------------------------------------------------------------------
# arithmetic


class Add(Op):
    symbol = "+"

    def forward(self, a, b):
        return a._data + b._data

    def backward(self, grad):
        return grad, grad


class Sub(Op):
    symbol = "-"

    def forward(self, a, b):
        return a._data - b._data

    def backward(self, grad):
        return grad, -grad


class Mul(Op):
    symbol = "*"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a._data * b._data

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad * b, grad * a


class Div(Op):
    symbol = "/"

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return a._data / b._data

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad / b, -grad * a / (b * b)


class Neg(Op):
    symbol = "neg"

    def forward(self, x):
        return -x._data

    def backward(self, grad):
        return -grad


class PowScalar(Op):
    """x ** p for a Python number p."""

    backward_name = "PowBackward0"
    symbol = "**"

    def forward(self, x, exponent):
        self.save_for_backward(x)
        self.exponent = exponent
        if exponent == -0.5 and x._data.dtype.kind == "f":
            # PyTorch computes x ** -0.5 as rsqrt(x): nan at -inf and -inf at -0.0, where
            # NumPy's pow gives 0 and inf. (Also what d(x ** 0.5)/dx evaluates.)
            return np.reciprocal(np.sqrt(x._data))
        return x._data**exponent

    def backward(self, grad):
        (x,) = self.saved_tensors
        p = self.exponent
        if p == 0:
            return grad * 0.0  # PyTorch: zero, not nan, even at x = 0
        return grad * p * x ** (p - 1)


class Pow(Op):
    """x ** y for two tensors: d/dx = y x^(y-1), d/dy = x^y log x (0 where x = 0 and y >= 0)."""

    backward_name = "PowBackward1"
    symbol = "**"

    def forward(self, x, y):
        self.save_for_backward(x, y)
        return self.save_output(x._data ** y._data)

    def backward(self, grad):
        x, y = self.saved_tensors
        out = self.output()
        dx = grad * y * x ** (y - 1)
        if (y._data == 0).any():
            dx = where(y == 0, 0.0, dx)  # x ** 0 is 1 everywhere: slope 0, even at x = 0 or nan (as torch)
        safe_log = where((x == 0) & (y >= 0), 0.0, x.log()) if (x._data == 0).any() else x.log()
        dy = grad * out * safe_log
        return dx, dy


class Maximum(Op):
    """At ties each input gets half of the gradient, as in PyTorch."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.maximum(a._data, b._data)

    def backward(self, grad):
        a, b = self.saved_tensors
        return _tie_split(grad, a, b, a._data < b._data), _tie_split(grad, a, b, b._data < a._data)


class Minimum(Op):
    def forward(self, a, b):
        self.save_for_backward(a, b)
        return np.minimum(a._data, b._data)

    def backward(self, grad):
        a, b = self.saved_tensors
        return _tie_split(grad, a, b, a._data > b._data), _tie_split(grad, a, b, b._data > a._data)


def _tie_split(grad, a, b, loses: np.ndarray):
    # PyTorch: nothing where this input lost, half at a tie, all of it otherwise (a NaN
    # compares false both ways, so both inputs get the full gradient there).
    share = np.where(loses, 0.0, np.where(a._data == b._data, 0.5, 1.0)).astype(grad._data.dtype)
    return grad * Tensor._wrap(share)


class Where(Op):
    """where(condition, a, b): the gradient goes to whichever input was chosen."""

    def forward(self, a, b, condition):
        self.condition = condition
        return np.where(condition, a._data, b._data)

    def backward(self, grad):
        zero = Tensor._wrap(np.zeros((), dtype=grad._data.dtype))
        keep = Tensor._wrap(self.condition)
        return where(keep, grad, zero), where(keep, zero, grad)


# ---------------------------------------------------------------------------------------
# functions of one input


class Exp(Op):
    def forward(self, x):
        return self.save_output(np.exp(x._data))

    def backward(self, grad):
        return grad * self.output()  # d/dx e^x = e^x


class Log(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return np.log(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad / x


class Log1p(Op):
    backward_name = "Log1PBackward0"

    def forward(self, x):
        self.save_for_backward(x)
        return np.log1p(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad / (x + 1)


class Expm1(Op):
    def forward(self, x):
        return self.save_output(np.expm1(x._data))

    def backward(self, grad):
        return grad * (self.output() + 1)


class Sqrt(Op):
    def forward(self, x):
        return self.save_output(np.sqrt(x._data))

    def backward(self, grad):
        return grad / (2 * self.output())  # inf at 0, as in PyTorch


class Rsqrt(Op):
    def forward(self, x):
        return self.save_output(1 / np.sqrt(x._data))

    def backward(self, grad):
        return -0.5 * grad * self.output() ** 3


class Reciprocal(Op):
    def forward(self, x):
        return self.save_output(1 / x._data)

    def backward(self, grad):
        out = self.output()
        return -grad * out * out


class Sin(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return np.sin(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * x.cos()


class Cos(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return np.cos(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return -grad * x.sin()


class Tan(Op):
    def forward(self, x):
        return self.save_output(np.tan(x._data))

    def backward(self, grad):
        out = self.output()
        return grad * (1 + out * out)


class Tanh(Op):
    def forward(self, x):
        return self.save_output(np.tanh(x._data))

    def backward(self, grad):
        out = self.output()
        return grad * (1 - out * out)


class Sigmoid(Op):
    def forward(self, x):
        return self.save_output(_stable_sigmoid(x._data))

    def backward(self, grad):
        out = self.output()
        return grad * out * (1 - out)


def _stable_sigmoid(x: np.ndarray) -> np.ndarray:
    # exp of a large positive number overflows; split by sign so exp only sees x <= 0.
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)


class Relu(Op):
    def forward(self, x):
        return self.save_output(np.maximum(x._data, 0))

    def backward(self, grad):
        # relu'(0) = 0, as in PyTorch; the mask is a constant, so relu'' = 0.
        blocked = self._saved_output <= 0  # NaN is not blocked: it passes the gradient, as in PyTorch
        if not grad_mode._grad_enabled.get():
            return Tensor._wrap(zero_where(blocked, grad._data))
        return ReluGrad.apply(grad, self.output())


_SAME_SIZE_INT = {2: np.int16, 4: np.int32, 8: np.int64}


def zero_where(blocked: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``np.where(blocked, 0, values)`` (a new array), without a branch per element.

    np.where branches per element, and on a mask with no pattern (relu's: about half the
    units, at random) mispredictions make it ~7x slower than a multiply. Multiplying by the
    mask would not be exact (inf * 0 is nan, -3 * 0 is -0.0); AND-ing each float's bits
    with all-zeros or all-ones is.
    """
    ints = _SAME_SIZE_INT.get(values.dtype.itemsize)
    if values.dtype.kind != "f" or ints is None or blocked.shape != values.shape:
        return np.where(blocked, 0, values).astype(values.dtype, copy=False)
    keep = np.subtract(blocked.view(np.int8), 1, dtype=ints)  # blocked: 0, kept: -1 (all ones)
    out = np.empty(values.shape, dtype=values.dtype)
    np.bitwise_and(values.view(ints), keep, out=out.view(ints))
    return out


class ReluGrad(Op):
    """relu's backward as an op of (grad, relu's output), so a second derivative is recorded.

    d/d(grad) is the same mask; d/d(output) is zero (the mask is flat): grad(grad(relu)) gives
    zeros, as PyTorch's ThresholdBackwardBackward0 does, rather than "does not require grad".
    """

    backward_name = "ThresholdBackwardBackward0"

    def forward(self, grad, out):
        blocked = out._data <= 0
        self.passes = ~blocked
        return zero_where(blocked, grad._data)

    def backward(self, grad_grad):
        mask = Tensor._wrap(self.passes.astype(grad_grad._data.dtype))
        return grad_grad * mask, grad_grad * 0.0


class Abs(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return np.abs(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * x.sign()  # abs'(0) = sign(0) = 0


class Erf(Op):
    def forward(self, x):
        self.save_for_backward(x)
        return _erf(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return grad * (2 / math.sqrt(math.pi)) * (-(x * x)).exp()


def _erf(x: np.ndarray) -> np.ndarray:
    try:
        from scipy.special import erf
    except ImportError:  # numpy has no erf; math.erf is exact but element by element
        erf = np.frompyfunc(math.erf, 1, 1)
    return np.asarray(erf(x), dtype=x.dtype)


class Gelu(Op):
    def forward(self, x, approximate="none"):
        self.save_for_backward(x)
        self.approximate = approximate
        a = x._data
        if approximate == "tanh":
            inner = math.sqrt(2 / math.pi) * (a + 0.044715 * a**3)
            return 0.5 * a * (1 + np.tanh(inner))
        return 0.5 * a * (1 + _erf(a / math.sqrt(2)))

    def backward(self, grad):
        (x,) = self.saved_tensors
        if self.approximate == "tanh":
            k = math.sqrt(2 / math.pi)
            t = (k * (x + 0.044715 * x**3)).tanh()
            return grad * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044715 * x * x))
        cdf = 0.5 * (1 + (x / math.sqrt(2)).erf())
        pdf = (-0.5 * x * x).exp() / math.sqrt(2 * math.pi)
        return grad * (cdf + x * pdf)


class Softplus(Op):
    """log(1 + e^(beta x)) / beta, linear above ``threshold`` for stability (PyTorch's rule)."""

    def forward(self, x, beta=1.0, threshold=20.0):
        self.save_for_backward(x)
        self.beta, self.threshold = beta, threshold
        bx = x._data * beta
        soft = np.logaddexp(0, bx) / beta
        return np.where(bx > threshold, x._data, soft).astype(x._data.dtype, copy=False)

    def backward(self, grad):
        (x,) = self.saved_tensors
        linear = Tensor._wrap(x._data * self.beta > self.threshold)
        return grad * where(linear, 1.0, (x * self.beta).sigmoid())


class Clamp(Op):
    backward_name = "ClampBackward1"

    def name(self) -> str:
        # clamp_min(x, m) and clamp_max(x, m) are their own nodes in PyTorch
        return getattr(self, "torch_name", None) or self.backward_name

    def forward(self, x, min=None, max=None):
        self.save_for_backward(x)
        self.bounds = (min, max)
        return np.clip(x._data, min, max)

    def backward(self, grad):
        (x,) = self.saved_tensors
        low, high = self.bounds
        inside = np.ones(x._data.shape, dtype=bool)
        if low is not None:
            inside &= x._data >= low
        if high is not None:
            inside &= x._data <= high
        return grad * Tensor._wrap(inside.astype(grad._data.dtype))


class Remainder(Op):
    """a - b * floor(a / b): d/da = 1, d/db = -floor(a / b)."""

    def forward(self, a, b, by_number=False):
        self.save_for_backward(a, b)
        self.by_number = by_number
        return np.remainder(a._data, b._data)  # NumPy's: remainder(0, -inf) is 0, as in torch

    def backward(self, grad):
        a, b = self.saved_tensors
        return grad, -grad * (a / b).floor()

    def name(self) -> str:
        return "RemainderBackward0" if self.by_number else "RemainderBackward1"


class _PiecewiseConstant(Op):
    """sign, floor, ceil, round: flat almost everywhere, so the gradient is zero."""

    numpy_function = None

    def forward(self, x):
        return type(self).numpy_function(x._data)

    def backward(self, grad):
        return grad * 0.0


def _sign(x: np.ndarray) -> np.ndarray:
    # sign(nan) is 0 in PyTorch (np.sign gives nan); the comparisons are false for NaN.
    if x.dtype == np.bool_:
        return x.copy()  # True is positive, False is zero: sign leaves a bool tensor as it is
    return ((x > 0).astype(x.dtype) - (x < 0).astype(x.dtype)) if x.dtype.kind == "f" else np.sign(x)


class Sign(_PiecewiseConstant):
    numpy_function = staticmethod(_sign)


class Floor(_PiecewiseConstant):
    numpy_function = staticmethod(np.floor)


class Ceil(_PiecewiseConstant):
    numpy_function = staticmethod(np.ceil)


class Round(_PiecewiseConstant):
    numpy_function = staticmethod(np.round)


class Trunc(_PiecewiseConstant):
    numpy_function = staticmethod(np.trunc)


class ToCopy(Op):
    """A dtype cast; the engine casts the gradient back to the input's dtype."""

    def forward(self, x, dtype):
        return x._data.astype(dtype)

    def backward(self, grad):
        return grad


class Clone(Op):
    def forward(self, x):
        return x._data.copy()

    def backward(self, grad):
        return grad


# ---------------------------------------------------------------------------------------
# the public functions and Tensor methods


def _binary(op_class, name):
    def function(input, other):
        a, b = promote(input, other, op=name)
        return op_class.apply_binary(a, b)

    function.__name__ = name
    return function


def _reflected(op_class, name):
    def method(self, other):
        a, b = promote(other, self, op=name)
        return op_class.apply_binary(a, b)

    method.__name__ = f"__r{name}__"
    return method


@tensor_method
def add(input, other, *, alpha=1):
    """``input + alpha * other`` with broadcasting."""
    if alpha != 1:
        other = other * alpha
    a, b = promote(input, other, op="add")
    return Add.apply_binary(a, b)


@tensor_method
def sub(input, other, *, alpha=1):
    if alpha != 1:
        other = other * alpha
    a, b = promote(input, other, op="sub")
    return Sub.apply_binary(a, b)


mul = tensor_method(_binary(Mul, "mul"))


@tensor_method
def div(input, other, *, rounding_mode=None):
    """True division; integer inputs give the default float dtype, as in PyTorch."""
    a, b = promote(input, other, op="div")
    if rounding_mode is not None:
        return _rounded_division(a, b, rounding_mode)
    return Div.apply(as_float(a), as_float(b))


def _rounded_division(a, b, rounding_mode):
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"div expected rounding_mode to be one of None, 'trunc', or 'floor' but found '{rounding_mode}'")
    if a._data.dtype.kind in "iub":
        quotient = np.floor_divide(a._data, b._data) if rounding_mode == "floor" else np.trunc(
            a._data / b._data).astype(a._data.dtype)
        return Tensor._wrap(np.asarray(quotient))
    q = div(a, b)
    return q.floor() if rounding_mode == "floor" else q.trunc()


@tensor_method
def floor_divide(input, other):
    return div(input, other, rounding_mode="floor")


@tensor_method
def remainder(input, other):
    """Python's ``%``: the result takes the divisor's sign (as torch.remainder)."""
    by_number = not isinstance(other, Tensor)
    a, b = promote(input, other, op="remainder")
    if a._data.dtype.kind != "f":
        return Tensor._wrap(np.asarray(np.remainder(a._data, b._data)))
    return Remainder.apply(a, b, by_number=by_number)


@tensor_method
def true_divide(input, other):
    return div(input, other)


@tensor_method
def pow(input, exponent):
    """``input ** exponent``; a number exponent keeps the tensor's dtype (x ** 2 stays float32)."""
    if isinstance(input, Tensor) and not isinstance(exponent, Tensor):
        if input._data.dtype.kind in "iub" and isinstance(exponent, float):
            input = as_float(input)
        return PowScalar.apply(input, exponent=exponent)
    a, b = promote(input, exponent, op="pow")
    return Pow.apply_binary(a, b)


@tensor_method
def neg(input):
    return Neg.apply(input)


negative = register_function(neg, name="negative")


@tensor_method
def maximum(input, other):
    a, b = promote(input, other, op="maximum")
    return Maximum.apply_binary(a, b)


@tensor_method
def minimum(input, other):
    a, b = promote(input, other, op="minimum")
    return Minimum.apply_binary(a, b)


@register_function
def where(condition, input, other):
    """``input`` where ``condition`` holds, else ``other`` (numbers allowed on either side)."""
    cond = condition._data if isinstance(condition, Tensor) else np.asarray(condition)
    if cond.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype {cond.dtype}")
    a, b = promote(input, other, op="where")
    return Where.apply(a, b, condition=cond)


def _tensor_where(self, condition, other):
    return where(condition, self, other)


Tensor.where = _tensor_where


def _unary(op_class, name, *, to_float=True):
    def function(input):
        if not isinstance(input, Tensor):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}")
        return op_class.apply(as_float(input) if to_float else input)

    function.__name__ = name
    function.__doc__ = f"Element-wise {name}, differentiable."
    return tensor_method(function)


exp = _unary(Exp, "exp")
log = _unary(Log, "log")
log1p = _unary(Log1p, "log1p")
expm1 = _unary(Expm1, "expm1")
sqrt = _unary(Sqrt, "sqrt")
rsqrt = _unary(Rsqrt, "rsqrt")
reciprocal = _unary(Reciprocal, "reciprocal")
sin = _unary(Sin, "sin")
cos = _unary(Cos, "cos")
tan = _unary(Tan, "tan")
tanh = _unary(Tanh, "tanh")
sigmoid = _unary(Sigmoid, "sigmoid")
erf = _unary(Erf, "erf")
relu = _unary(Relu, "relu", to_float=False)
abs = _unary(Abs, "abs", to_float=False)
sign = _unary(Sign, "sign", to_float=False)
floor = _unary(Floor, "floor", to_float=False)
ceil = _unary(Ceil, "ceil", to_float=False)
round = _unary(Round, "round", to_float=False)
trunc = _unary(Trunc, "trunc", to_float=False)
absolute = register_function(abs, name="absolute")


@tensor_method
def square(input):
    return pow(input, 2)  # PyTorch records x ** 2 (PowBackward0)


@tensor_method
def gelu(input, approximate="none"):
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")
    return Gelu.apply(as_float(input), approximate=approximate)


@tensor_method
def softplus(input, beta=1.0, threshold=20.0):
    return Softplus.apply(as_float(input), beta=beta, threshold=threshold)


@tensor_method
def clamp(input, min=None, max=None):
    """Limit values to [min, max]; the gradient passes where min <= x <= max (inclusive, as PyTorch)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = input
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    if input._data.dtype.kind in "iub" and any(isinstance(v, float) for v in (min, max)):
        input = as_float(input)
    return Clamp.apply(input, min=min, max=max)


clip = register_function(clamp, name="clip")
Tensor.clip = clamp


@tensor_method(function=False)
def clamp_min(input, min):
    out = clamp(input, min=min)
    if out.grad_fn is not None and type(out.grad_fn) is Clamp:
        out.grad_fn.torch_name = "ClampMinBackward0"
    return out


@tensor_method(function=False)
def clamp_max(input, max):
    out = clamp(input, max=max)
    if out.grad_fn is not None and type(out.grad_fn) is Clamp:
        out.grad_fn.torch_name = "ClampMaxBackward0"
    return out


@tensor_method
def clone(input, *, memory_format=None):
    return Clone.apply(input)


def to(self, *args, **kwargs):
    """``t.to(dtype)`` (differentiable cast); device arguments other than "cpu" are refused."""
    from chainrule import dtypes

    target = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    copy = kwargs.pop("copy", False)
    device = kwargs.pop("device", None)
    for arg in args:
        if isinstance(arg, Tensor):
            target = arg.dtype
        elif isinstance(arg, str) or arg is None or type(arg).__name__ == "device":
            device = arg
        else:
            target = arg
    if device is not None and not str(device).startswith("cpu"):
        raise RuntimeError(f"chainrule tensors live on the CPU; cannot move to device {device!r}")
    if target is None:
        return self.clone() if copy else self
    target = dtypes.as_dtype(target)
    if self._data.dtype == target.numpy:
        return self.clone() if copy else self
    if not target.is_floating_point:
        # integers and bools carry no gradient, as in torch (and nan casts silently, as there)
        state = fp_errors.set_state(fp_errors.QUIET)
        try:
            return Tensor._wrap(self._data.astype(target.numpy))
        finally:
            fp_errors.reset_state(state)
    return ToCopy.apply(self, dtype=target.numpy)


Tensor.to = to


def _cast_method(name, dtype_name):
    def method(self):
        from chainrule import dtypes

        return self.to(getattr(dtypes, dtype_name))

    method.__name__ = name
    return method


for _name, _dtype in (("float", "float32"), ("double", "float64"), ("half", "float16"),
                      ("long", "int64"), ("int", "int32"), ("short", "int16"), ("bool", "bool_")):
    setattr(Tensor, _name, _cast_method(_name, _dtype))


def _type_as(self, other):
    return self.to(other.dtype)


Tensor.type_as = _type_as


# ---------------------------------------------------------------------------------------
# comparisons and logic: no gradient, bool results


def _comparison(numpy_function, name):
    def function(input, other):
        a, b = promote(input, other, op=name)
        return Tensor._wrap(np.asarray(numpy_function(a._data, b._data)))

    function.__name__ = name
    return tensor_method(function)


eq = _comparison(np.equal, "eq")
ne = _comparison(np.not_equal, "ne")
lt = _comparison(np.less, "lt")
le = _comparison(np.less_equal, "le")
gt = _comparison(np.greater, "gt")
ge = _comparison(np.greater_equal, "ge")
logical_and = _comparison(np.logical_and, "logical_and")
logical_or = _comparison(np.logical_or, "logical_or")
logical_xor = _comparison(np.logical_xor, "logical_xor")
greater, less, greater_equal, less_equal, not_equal = gt, lt, ge, le, ne


def _predicate(numpy_function, name):
    """An element-wise test with a bool result (no gradient): isnan, isinf, ..."""

    def function(input):
        return Tensor._wrap(np.asarray(numpy_function(input._data)))

    function.__name__ = name
    return tensor_method(function)


logical_not = _predicate(np.logical_not, "logical_not")
isnan = _predicate(np.isnan, "isnan")
isinf = _predicate(np.isinf, "isinf")
isfinite = _predicate(np.isfinite, "isfinite")


@tensor_method
def equal(input, other) -> bool:
    return input.shape == other.shape and bool(np.array_equal(input._data, other._data))


@tensor_method
def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    return bool(np.allclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


@tensor_method
def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    return Tensor._wrap(np.isclose(input._data, other._data, rtol=rtol, atol=atol, equal_nan=equal_nan))


def _bitwise(numpy_function, name):
    def method(self, other):
        a, b = promote(self, other, op=name)
        if a._data.dtype.kind == "f":
            raise TypeError(f"{name}: bitwise operations need bool or integer tensors, got {a.dtype}")
        return Tensor._wrap(np.asarray(numpy_function(a._data, b._data)))

    return method


# ---------------------------------------------------------------------------------------
# Python operators

def _fast_operator(op_class, general):
    """``a + b`` etc.: skip promotion when both are tensors of one dtype (the per-op budget)."""
    def operator(self, other):
        if type(other) is Tensor and other._data.dtype is self._data.dtype:
            # looked up per call, so gradcheck's recording of ops sees these too
            return op_class.apply_binary(self, other)
        return general(self, other)

    operator.__name__ = general.__name__
    return operator


Tensor.__add__ = _fast_operator(Add, add)
Tensor.__radd__ = _reflected(Add, "add")
Tensor.__sub__ = _fast_operator(Sub, sub)
class RsubScalar(Sub):
    """``3.0 - t``: the same derivative as Sub; PyTorch names the node RsubBackward1."""

    backward_name = "RsubBackward1"


class PowScalarBase(Pow):
    """``2.0 ** t``: the same derivative as Pow; PyTorch names the node PowBackward2."""

    backward_name = "PowBackward2"


Tensor.__rsub__ = _reflected(RsubScalar, "sub")
Tensor.__mul__ = _fast_operator(Mul, mul)
Tensor.__rmul__ = _reflected(Mul, "mul")
Tensor.__truediv__ = div


def _rtruediv(self, other):
    return div(other, self)


def _rpow(self, other):
    base, exponent = promote(other, self, op="pow")
    return PowScalarBase.apply(base, exponent)


def _rfloordiv(self, other):
    return floor_divide(other, self)


def _rmod(self, other):
    return remainder(other, self)


Tensor.__rtruediv__ = _rtruediv
Tensor.__floordiv__ = floor_divide
Tensor.__rfloordiv__ = _rfloordiv
Tensor.__mod__ = remainder
Tensor.__rmod__ = _rmod
Tensor.__pow__ = pow
Tensor.__rpow__ = _rpow
Tensor.__neg__ = neg
Tensor.__pos__ = lambda self: self
Tensor.__abs__ = abs
Tensor.__eq__ = eq
Tensor.__ne__ = ne
Tensor.__lt__ = lt
Tensor.__le__ = le
Tensor.__gt__ = gt
Tensor.__ge__ = ge
Tensor.__and__ = _bitwise(np.bitwise_and, "and")
Tensor.__or__ = _bitwise(np.bitwise_or, "or")
Tensor.__xor__ = _bitwise(np.bitwise_xor, "xor")
Tensor.__rand__ = Tensor.__and__
Tensor.__ror__ = Tensor.__or__
Tensor.__rxor__ = Tensor.__xor__


def _invert(self):
    if self._data.dtype.kind == "f":
        raise TypeError("~ (bitwise_not) is only supported for integer and bool tensors")
    return Tensor._wrap(np.invert(self._data))


Tensor.__invert__ = _invert
