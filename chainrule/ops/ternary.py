"""Element-wise ops of three tensors, the steps of hand-written optimizers:
``addcmul`` (input + value * t1 * t2), ``addcdiv`` (input + value * t1 / t2) and ``lerp``
(input + weight * (end - input)).

Adam's update, for instance, is ``exp_avg.lerp_(grad, 1 - beta1)``,
``exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)`` and
``param.addcdiv_(exp_avg, denom, value=-step_size)``.
"""

from __future__ import annotations

import numbers

import numpy as np

from chainrule.autograd.node import Op
from chainrule.ops._elementwise import invalid_arguments, register_inplace, require_float, tensor_function
from chainrule.ops._operands import promote
from chainrule._tensor import Tensor, tensor_method


class Addcmul(Op):
    def forward(self, x, t1, t2, value):
        self.save_for_backward(t1, t2)
        self.value = value
        return x._data + value * t1._data * t2._data

    def backward(self, grad):
        t1, t2 = self.saved_tensors
        return grad, grad * (t2 * self.value), grad * (t1 * self.value)


class Addcdiv(Op):
    def forward(self, x, t1, t2, value):
        self.save_for_backward(t1, t2)
        self.value = value
        return x._data + value * t1._data / t2._data

    def backward(self, grad):
        t1, t2 = self.saved_tensors
        value = self.value
        return grad, grad * (value / t2), -grad * (value * t1 / (t2 * t2))


class LerpScalar(Op):
    """input + weight * (end - input) for a number weight."""

    backward_name = "LerpBackward0"

    def forward(self, start, end, weight):
        self.weight = weight
        return _lerp(start._data, end._data, weight)

    def backward(self, grad):
        return grad * (1 - self.weight), grad * self.weight


class Lerp(Op):
    """input + weight * (end - input) for a tensor weight, which gets the gradient (end - input)."""

    backward_name = "LerpBackward1"

    def forward(self, start, end, weight):
        self.save_for_backward(start, end, weight)
        return _lerp(start._data, end._data, weight._data)

    def backward(self, grad):
        start, end, weight = self.saved_tensors
        return grad * (1 - weight), grad * weight, grad * (end - start)


def _lerp(start: np.ndarray, end: np.ndarray, weight) -> np.ndarray:
    # PyTorch's formula: measured from the nearer end, so lerp(a, b, 1) is exactly b.
    small = np.abs(weight) < 0.5
    coefficient = np.where(small, weight, weight - 1)
    out = coefficient * (end - start) + np.where(small, start, end)
    return out.astype(np.result_type(start, end), copy=False)


def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 * tensor2``, the three broadcast together.

    >>> import chainrule as cr
    >>> cr.addcmul(cr.tensor([1.0, 1.0]), cr.tensor([2.0, 3.0]), cr.tensor([0.5, 2.0]), value=0.1)
    tensor([1.1000, 1.6000])
    """
    x, t1, t2 = promote(input, tensor1, tensor2, op="addcmul")
    if x._data.dtype == np.bool_:
        require_float(x, "addcmul_cpu_out")
    return Addcmul.apply(x, t1, t2, value=_value_for(x, value, "addcmul"))


def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value=1) -> Tensor:
    """``input + value * tensor1 / tensor2``, the three broadcast together (true division)."""
    if tensor1._data.dtype.kind in "biu" and tensor2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release addcdiv will perform "
            "a true division of tensor1 and tensor2. The historic addcdiv behavior can be implemented as (input + "
            "value * torch.trunc(tensor1 / tensor2)).to(input.dtype) for integer inputs and as (input + value * "
            "tensor1 / tensor2) for float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes.")
    x, t1, t2 = promote(input, tensor1, tensor2, op="addcdiv")
    return Addcdiv.apply(x, t1, t2, value=_value_for(x, value, "addcdiv"))


def _value_for(x: Tensor, value, op: str):
    """``value`` as the result's kind of number: integer results truncate it (PyTorch casts the
    scalar to the result's dtype)."""
    if isinstance(value, Tensor) or not isinstance(value, numbers.Number):
        raise TypeError(f"{op}(): argument 'value' must be Number, not {type(value).__name__}")
    return int(value) if x._data.dtype.kind in "iu" else value


addcmul = tensor_function(addcmul, tensors=("input", "tensor1", "tensor2"))
addcdiv = tensor_function(addcdiv, tensors=("input", "tensor1", "tensor2"))


@tensor_method
def lerp(input: Tensor, end: Tensor, weight) -> Tensor:
    """``input + weight * (end - input)``: a number or a tensor weight (0 gives input, 1 gives end).

    ``input`` and ``end`` must share a dtype, as in PyTorch (no promotion); so must a tensor
    weight that is not 0-d (a 0-d weight is promoted with them).

    >>> import chainrule as cr
    >>> cr.lerp(cr.tensor([0.0, 10.0]), cr.tensor([1.0, 20.0]), 0.25)
    tensor([ 0.2500, 12.5000])
    """
    weight_is_number = not isinstance(weight, Tensor)
    if not isinstance(end, Tensor) or not isinstance(input, Tensor) or (
            weight_is_number and not isinstance(weight, numbers.Number)):
        raise invalid_arguments("lerp", (input, end, weight), ("Tensor input, Tensor end, Tensor weight",
                                                               "Tensor input, Tensor end, Number weight"))
    _same_dtype(input, end, "end")
    if weight_is_number:
        require_float(input, "lerp_kernel_scalar")
        return LerpScalar.apply(input, end, weight=weight)
    if weight._data.ndim:
        _same_dtype(input, weight, "weight")
    else:  # a 0-d weight takes part in type promotion, as a number would
        input, end, weight = promote(input, end, weight, op="lerp")
    return Lerp.apply(require_float(input, "lerp_kernel_tensor"), end, weight)


_C10_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half", "int64": "long int",
              "int32": "int", "int16": "short int", "int8": "signed char", "uint8": "unsigned char", "bool": "bool"}


def _same_dtype(input: Tensor, other: Tensor, argument: str) -> None:
    if other._data.dtype != input._data.dtype:
        expected, got = (_C10_NAMES[t.dtype.name] for t in (input, other))
        raise RuntimeError(f"expected dtype {expected} for `{argument}` but got dtype {got}")


register_inplace("addcmul", "addcdiv", "lerp")
