"""What the element-wise op families beside pointwise.py share: ops written as a table row
(a NumPy function and the chain rule through it), PyTorch's argument checks, and the
registration of in-place forms.

PyTorch's binary math functions (``atan2``, ``hypot``, ``logaddexp``, ``fmax``, ...) take
tensors only, where ``add`` and ``mul`` also take numbers; several kernels exist only
for floating-point dtypes. The checks here refuse what PyTorch refuses, with its words.
"""

from __future__ import annotations

import functools
from typing import Callable

from chainrule.autograd.node import Op
from chainrule._tensor import Tensor, register_function, tensor_method
from chainrule.ops.inplace import _inplace
from chainrule.ops.reduce import scalar_type_name


class FunctionOfX(Op):
    """y = f(x) element-wise for a NumPy function f; backward is ``times_derivative(grad, x)``."""

    def forward(self, x):
        self.save_for_backward(x)
        return self.numpy_function(x._data)

    def backward(self, grad):
        (x,) = self.saved_tensors
        return self.times_derivative(grad, x)


class FunctionOfPair(Op):
    """y = f(a, b) element-wise; backward is ``times_derivatives(grad, a, b)``, one term per input."""

    def forward(self, a, b):
        self.save_for_backward(a, b)
        return self.numpy_function(a._data, b._data)

    def backward(self, grad):
        a, b = self.saved_tensors
        return self.times_derivatives(grad, a, b)


def function_of_x(name: str, numpy_function: Callable, times_derivative: Callable) -> type:
    """The op class ``name`` (its node is ``<name>Backward0``) computing ``numpy_function``, with
    the chain rule through it: ``times_derivative(grad, x)`` is grad * f'(x), in Tensor ops."""
    return type(name, (FunctionOfX,), {"numpy_function": staticmethod(numpy_function),
                                       "times_derivative": staticmethod(times_derivative)})


def function_of_pair(name: str, numpy_function: Callable, times_derivatives: Callable) -> type:
    """`function_of_x` for two inputs: ``times_derivatives(grad, a, b)`` gives (grad * df/da, grad * df/db)."""
    return type(name, (FunctionOfPair,), {"numpy_function": staticmethod(numpy_function),
                                          "times_derivatives": staticmethod(times_derivatives)})


def require_tensor(x, op: str, argument: str, position: int) -> Tensor:
    """``x`` if it is a Tensor, else PyTorch's TypeError for argument ``argument`` of ``op``."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{op}(): argument '{argument}' (position {position}) must be Tensor, "
                        f"not {type(x).__name__}")
    return x


def invalid_arguments(op: str, args: tuple, signatures: tuple) -> TypeError:
    """PyTorch's TypeError for arguments that match none of an op's signatures."""
    got = ", ".join(type(a).__name__ for a in args)
    listed = "".join(f"\n * ({signature})" for signature in signatures)
    return TypeError(f"{op}() received an invalid combination of arguments - got ({got}), but expected one of:{listed}")


def require_float(x: Tensor, kernel: str) -> Tensor:
    """``x`` if it is floating point; else PyTorch's error naming the kernel that is missing."""
    if x._data.dtype.kind != "f":
        raise NotImplementedError(f'"{kernel}" not implemented for \'{scalar_type_name(x._data.dtype)}\'')
    return x


def tensor_function(compute: Callable, tensors: tuple = ("input", "other"), name: str | None = None) -> Callable:
    """``chainrule.<name>`` and ``Tensor.<name>`` computing ``compute``, whose leading arguments
    ``tensors`` must be tensors, not numbers: PyTorch's TypeError names the argument and its
    position, which is one less in the method (``self`` is not counted)."""
    name = name or compute.__name__

    def function(*args, **options):
        for position, (argument, value) in enumerate(zip(tensors, args), start=1):
            require_tensor(value, name, argument, position)
        return compute(*args, **options)

    def method(self, *args, **options):
        for position, (argument, value) in enumerate(zip(tensors[1:], args), start=1):
            require_tensor(value, name, argument, position)
        return compute(self, *args, **options)

    for wrapper in (function, method):
        functools.update_wrapper(wrapper, compute)
        wrapper.__name__ = wrapper.__qualname__ = name
    register_function(function, name=name)
    tensor_method(method, name=name, function=False)
    return function


def register_inplace(*names: str) -> None:
    """``Tensor.<name>_`` for each name: the out-of-place op computed, then written into self
    (recorded as that op when autograd needs it; see chainrule/ops/inplace.py)."""
    for name in names:
        setattr(Tensor, name + "_", _inplace(name + "_", getattr(Tensor, name)))


def alias(name: str, of: str, *, inplace: bool = True) -> None:
    """PyTorch's other spelling of an op (``arcsin`` for ``asin``): function, method, in-place."""
    from chainrule._tensor import FUNCTIONS

    register_function(FUNCTIONS[of], name=name)
    setattr(Tensor, name, getattr(Tensor, of))
    if inplace:
        setattr(Tensor, name + "_", getattr(Tensor, of + "_"))
