"""The scalar engine: `Value` (the walk-through's idea, made fast) and a small neural-net kit.

* `Value` - a number that records how it was computed; `backward()` fills in ``.grad``.
* `grad` - gradients as Values, for second and higher derivatives.
* `numerical_grad` - the walk-through's finite-difference check, per input.
* `chainrule.scalar.nn` - micrograd's `Neuron`, `Layer`, `MLP`.

>>> from chainrule.scalar import Value
>>> x = Value(2.0); y = x ** 3; y.backward(); x.grad
12.0
"""

from chainrule.scalar.higher_order import grad
from chainrule.scalar.numerical import GradientCheck, GradientReport, numerical_grad
from chainrule.scalar.value import Value

__all__ = ["Value", "grad", "numerical_grad", "GradientCheck", "GradientReport"]
