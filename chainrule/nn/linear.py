"""`Linear` (y = x Wᵀ + b), `Identity` and `Flatten`."""

from __future__ import annotations

import math

from chainrule._tensor import Tensor
from chainrule.factories import empty
from chainrule.nn import functional as F
from chainrule.nn import init
from chainrule.nn.module import Module
from chainrule.nn.parameter import Parameter


class Linear(Module):
    """An affine map ``y = x @ weight.T + bias`` from ``in_features`` to ``out_features``.

    Initialised as PyTorch: weight and bias from U(-1/sqrt(in_features), 1/sqrt(in_features)),
    drawn from chainrule's generator (``chainrule.manual_seed`` makes it repeatable).

    >>> import chainrule as torch
    >>> layer = torch.nn.Linear(3, 2)
    >>> layer(torch.ones(5, 3)).shape
    torch.Size([5, 2])
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True, device=None, dtype=None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        self.weight = Parameter(empty(out_features, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(out_features, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        # kaiming_uniform with a=sqrt(5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)): PyTorch's default.
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            reset_bias(self.bias, self.in_features)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return f"in_features={self.in_features}, out_features={self.out_features}, bias={self.bias is not None}"


def reset_bias(bias: Parameter, fan_in: int) -> None:
    """PyTorch's default bias: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) (zero-width when fan_in is 0)."""
    bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0.0
    init.uniform_(bias, -bound, bound)


class Identity(Module):
    """Returns its input unchanged (a placeholder layer); accepts and ignores any arguments."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Flatten(Module):
    """Merge dimensions ``start_dim`` .. ``end_dim`` into one: (N, C, H, W) -> (N, C*H*W)."""

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, input: Tensor) -> Tensor:
        ndim = max(input.dim(), 1)
        start, end = self.start_dim % ndim, self.end_dim % ndim
        if start > end:
            raise RuntimeError(f"flatten() has invalid args: start_dim ({self.start_dim}) cannot come after "
                               f"end_dim ({self.end_dim}) for a {input.dim()}-d input")
        shape = tuple(input.shape)
        return input.reshape(shape[:start] + (-1,) + shape[end + 1:])

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"
