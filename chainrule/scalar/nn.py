"""A tiny neural-net kit on `Value`s, compatible with micrograd's `nn` module.

Same classes, constructor arguments, parameter order and reprs as micrograd 0.1.0,
with the weights drawn uniformly from [-1, 1] by NumPy's global generator (as the
walk-through's `Neuron` does: ``np.random.seed(0)`` makes a model reproducible) and
biases starting at 0. One fix: micrograd's `Layer` returns a bare Value when it has a
single neuron, which breaks the next layer of an `MLP` (``MLP(2, [1, 3])`` fails);
here inner layers always pass a list on, and only the final layer's single output is
unwrapped, so ``model(x)`` still gives one Value for a one-output MLP.

Example:
    >>> import numpy as np
    >>> np.random.seed(0)
    >>> model = MLP(2, [4, 1])
    >>> model
    MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(4)]]
    >>> len(model.parameters())
    17
    >>> model([1.0, -2.0])
    Value(data=-0.006059647017921095)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from chainrule.scalar.value import Value

__all__ = ["Module", "Neuron", "Layer", "MLP"]

Inputs = Sequence[Value | float]


class Module:
    """Something with parameters (`Value`s) whose gradients can be reset."""

    def zero_grad(self) -> None:
        """Set every parameter's gradient to 0.0 (leaf gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def parameters(self) -> list[Value]:
        return []


class Neuron(Module):
    """``relu(w · x + b)``, or ``w · x + b`` with ``nonlin=False``.

    Example:
        >>> np.random.seed(1)
        >>> Neuron(3, nonlin=False)([1.0, -3.4, 2.4])
        Value(data=-4.063613546878272)
    """

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        if int(nin) != nin or nin < 1:
            raise ValueError(f"Neuron(nin={nin!r}): nin must be a positive integer (inputs per neuron)")
        self.w = [Value(np.random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin

    def __call__(self, x: Inputs) -> Value:
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(x)}")
        act = sum((wi * xi for wi, xi in zip(self.w, x)), self.b)
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons reading the same inputs; returns their outputs as a list.

    A one-neuron layer called directly returns its single Value, as in micrograd.
    """

    def __init__(self, nin: int, nout: int, **kwargs: bool) -> None:
        if int(nout) != nout or nout < 1:
            raise ValueError(f"Layer(nout={nout!r}): nout must be a positive integer (neurons)")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def __call__(self, x: Inputs) -> Value | list[Value]:
        out = self.outputs(x)
        return out[0] if len(out) == 1 else out

    def outputs(self, x: Inputs) -> list[Value]:
        """The neurons' outputs, always as a list (what the next layer needs)."""
        return [n(x) for n in self.neurons]

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A stack of layers: ReLU on every layer but the last, which is linear.

    ``MLP(2, [16, 16, 1])`` is micrograd's two-moons classifier.
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        if not nouts:
            raise ValueError("MLP(nin, nouts): nouts must list at least one layer size, e.g. [16, 16, 1]")
        sz = [nin] + list(nouts)
        self.layers = [Layer(sz[i], sz[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))]

    def __call__(self, x: Inputs) -> Value | list[Value]:
        for layer in self.layers:
            x = layer.outputs(x)
        return x[0] if len(x) == 1 else x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
