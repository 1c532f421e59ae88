"""Random numbers: `manual_seed`, `Generator`, `rand`, `randn`, `randint`, ...

A `Generator` wraps NumPy's PCG64 generator. Streams are reproducible within chainrule
(the same seed gives the same numbers) but are not PyTorch's streams.
"""

from __future__ import annotations

import numpy as np

from chainrule import dtypes
from chainrule.factories import _dtype_or_default, _finish, _size
from chainrule._tensor import Tensor, register_function, tensor_method
from chainrule.autograd.node import Op
from chainrule.ops.reduce import scalar_type_name


class Generator:
    """`torch.Generator`: an independent random stream (``Generator().manual_seed(0)``)."""

    def __init__(self, device: str = "cpu") -> None:
        self._seed = 67280421310721  # PyTorch's default seed
        self._rng = np.random.Generator(np.random.PCG64(self._seed))

    def manual_seed(self, seed: int) -> "Generator":
        seed = int(seed)
        if seed < 0:
            seed &= (1 << 64) - 1
        self._seed = seed
        self._rng = np.random.Generator(np.random.PCG64(seed))
        return self

    def seed(self) -> int:
        seed = int(np.random.SeedSequence().entropy) & ((1 << 63) - 1)
        self.manual_seed(seed)
        return seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> Tensor:
        import json

        state = json.dumps(self._rng.bit_generator.state).encode()
        return Tensor._wrap(np.frombuffer(state, dtype=np.uint8).copy())

    def set_state(self, state: Tensor) -> "Generator":
        import json

        self._rng.bit_generator.state = json.loads(bytes(np.asarray(state._data, dtype=np.uint8)).decode())
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed chainrule's default generator (rand, randn, init, dropout, DataLoader shuffling)."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> Tensor:
    return default_generator.get_state()


def set_rng_state(state: Tensor) -> None:
    default_generator.set_state(state)


def _rng(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng


@register_function
def rand(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    np_dtype = _dtype_or_default(dtype)
    return _finish(_rng(generator).random(_size(size)).astype(np_dtype), requires_grad)


@register_function
def randn(*size, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    np_dtype = _dtype_or_default(dtype)
    return _finish(_rng(generator).standard_normal(_size(size)).astype(np_dtype), requires_grad)


@register_function
def randint(low, high=None, size=None, *, generator=None, dtype=None, device=None,
            requires_grad: bool = False) -> Tensor:
    """Integers in [low, high): ``randint(10, (3,))`` or ``randint(2, 10, (3,))``; int64 by default."""
    if size is None:
        if not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing the size argument, e.g. randint(10, (3,))")
        low, high, size = 0, low, high
    if high is None:
        low, high = 0, low
    np_dtype = dtypes.as_dtype(dtype).numpy if dtype is not None else np.int64
    return _finish(_rng(generator).integers(low, high, size=_size((size,))).astype(np_dtype), requires_grad)


@register_function
def randperm(n: int, *, generator=None, dtype=None, device=None, requires_grad: bool = False) -> Tensor:
    np_dtype = dtypes.as_dtype(dtype).numpy if dtype is not None else np.int64
    return _finish(_rng(generator).permutation(n).astype(np_dtype), requires_grad)


@register_function
def rand_like(input: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


@register_function
def randn_like(input: Tensor, *, dtype=None, requires_grad: bool = False) -> Tensor:
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


@register_function
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None) -> Tensor:
    if size is None:
        raise TypeError("normal(): give size=, e.g. normal(0.0, 1.0, size=(3,))")
    np_dtype = _dtype_or_default(dtype)
    return Tensor._wrap(_rng(generator).normal(mean, std, size=_size((size,))).astype(np_dtype))


@register_function
def bernoulli(input: Tensor, p=None, *, generator=None) -> Tensor:
    probs = input._data if p is None else np.full(input._data.shape, p)
    return Tensor._wrap((_rng(generator).random(input._data.shape) < probs).astype(input._data.dtype))


@register_function
def multinomial(input: Tensor, num_samples: int, replacement: bool = False, *, generator=None) -> Tensor:
    probs = np.asarray(input._data, dtype=np.float64)
    rows = probs.reshape(-1, probs.shape[-1])
    out = [_rng(generator).choice(rows.shape[1], size=num_samples, replace=replacement, p=r / r.sum()) for r in rows]
    out = np.asarray(out, dtype=np.int64)
    return Tensor._wrap(out.reshape(probs.shape[:-1] + (num_samples,)))


class _Poisson(Op):
    """Samples: their derivative with respect to the rates is zero, as PyTorch defines it."""

    backward_name = "PoissonBackward0"

    def forward(self, rates, generator):
        return _rng(generator).poisson(rates._data).astype(rates._data.dtype)

    def backward(self, grad):
        return grad * 0.0


@register_function
def poisson(input: Tensor, generator=None) -> Tensor:
    """One Poisson sample per element, with the element as its rate (float tensors only)."""
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f'"poisson_cpu" not implemented for \'{scalar_type_name(input._data.dtype)}\'')
    if (input._data < 0).any() or np.isnan(input._data).any():
        raise RuntimeError("invalid Poisson rate, expected rate to be non-negative")
    return _Poisson.apply(input, generator=generator)


@register_function
def dropout(input: Tensor, p: float, train: bool) -> Tensor:
    """`torch.dropout`: `chainrule.nn.functional.dropout` with ``train`` for ``training``."""
    if not 0.0 <= p <= 1.0:
        raise RuntimeError(f"dropout probability has to be between 0 and 1, but got {p}")
    from chainrule.nn.functional import dropout as functional_dropout

    return functional_dropout(input, p, training=train)


# In-place samplers used by chainrule.nn.init (no graph: they overwrite a tensor's values).


def _fill_(self: Tensor, values: np.ndarray) -> Tensor:
    from chainrule.ops.inplace import before_inplace_write  # the one gate for in-place writes

    before_inplace_write(self, needs_graph=False)
    self._data[...] = values.astype(self._data.dtype)
    self._bump_version()
    return self


@tensor_method(function=False)
def uniform_(self, a: float = 0.0, b: float = 1.0, *, generator=None) -> Tensor:
    return _fill_(self, _rng(generator).uniform(a, b, size=self._data.shape))


@tensor_method(function=False)
def normal_(self, mean: float = 0.0, std: float = 1.0, *, generator=None) -> Tensor:
    return _fill_(self, _rng(generator).normal(mean, std, size=self._data.shape))


@tensor_method(function=False)
def bernoulli_(self, p: float = 0.5, *, generator=None) -> Tensor:
    return _fill_(self, _rng(generator).random(self._data.shape) < p)


@tensor_method(function=False)
def random_(self, low: int = 0, high: int | None = None, *, generator=None) -> Tensor:
    if high is None:
        low, high = 0, low if low else 2**24
    return _fill_(self, _rng(generator).integers(low, high, size=self._data.shape))
