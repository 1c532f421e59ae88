"""One table of the tensor engine's ops, and what holds for each: it drives tests/trust.

Each `OpSpec` says how to call the op, what it should compute (a NumPy reference), where
to sample its inputs (its domain, away from points where it is not differentiable), and
which properties to test: gradients, second derivatives, broadcasting, 0-d and empty
inputs, NaN propagation, agreement with PyTorch. Adding an op to chainrule means adding
one entry here; every property test then covers it.

``call(lib, *tensors)`` is written once for both libraries: ``lib`` is the `chainrule`
module or the `torch` module, and the tensors are of the matching kind, so the same line
checks chainrule against PyTorch (``lambda lib, x: lib.exp(x)``,
``lambda lib, x: x.sum(dim=1, keepdim=True)``).

>>> from chainrule.testing.op_table import OPS, op
>>> op("exp").reference(0.0)
np.float64(1.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

__all__ = ["OpSpec", "OPS", "op", "available_ops", "missing_ops", "BROADCAST_SHAPES", "broadcastable_pairs",
           "sample_inputs"]

Sampler = Callable[[np.random.Generator, tuple], np.ndarray]


# -- domains: where to sample inputs ---------------------------------------------------------


def uniform(low: float, high: float) -> Sampler:
    return lambda rng, shape: rng.uniform(low, high, size=shape)


def away_from(points: Sequence[float], low: float = -2.0, high: float = 2.0, gap: float = 0.1) -> Sampler:
    """Uniform in [low, high] but at least ``gap`` from each of ``points`` (kinks, jumps)."""

    def sample(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        x = rng.uniform(low, high, size=shape)
        for p in points:
            near = np.abs(x - p) < gap
            x = np.where(near, p + np.where(x >= p, gap, -gap) * 1.5, x)
        return x

    return sample


def distinct(low: float = -2.0, high: float = 2.0) -> Sampler:
    """Values at least 0.05 apart, so max/min/sort have no ties and no near-ties."""

    def sample(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        n = int(np.prod(shape)) if shape else 1
        grid = np.linspace(low, high, max(n, 1))
        return rng.permutation(grid)[:n].reshape(shape)

    return sample


def _orthonormal(rng: np.random.Generator, rows: int, columns: int) -> np.ndarray:
    q, r = np.linalg.qr(rng.standard_normal((rows, columns)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def with_singular_values(*values: float) -> Sampler:
    """Matrices U diag(s) V^T with the given singular values (the first min(m, n) of them),
    for matrix functions whose derivatives divide by gaps between singular values (or
    eigenvalues) and by the values themselves: distinct and away from zero keeps them tame."""

    def sample(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        *batch, m, n = shape
        k = min(m, n)
        out = np.empty(shape)
        for index in np.ndindex(*batch):
            s = rng.permutation(values[:k]) if k else np.zeros(0)
            out[index] = _orthonormal(rng, m, k) @ np.diag(np.sort(s)[::-1]) @ _orthonormal(rng, n, k).T
        return out

    return sample


def symmetric_with_eigenvalues(*values: float) -> Sampler:
    """Symmetric matrices Q diag(l) Q^T / 2 with the given eigenvalues (halved: calls add x + x^T)."""

    def sample(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        *batch, n, _ = shape
        out = np.empty(shape)
        for index in np.ndindex(*batch):
            q = _orthonormal(rng, n, n)
            out[index] = q @ np.diag(np.asarray(values[:n]) / 2) @ q.T
        return out

    return sample


def singular_first(*values: float) -> Sampler:
    """Like `with_singular_values`, but the first matrix of the batch has a zero singular value
    (det's derivative there is the SVD formula of the cofactor matrix)."""
    regular = with_singular_values(*values)

    def sample(rng: np.random.Generator, shape: tuple) -> np.ndarray:
        out = regular(rng, shape)
        first = out[(0,) * (len(shape) - 2)]
        u, s, vh = np.linalg.svd(first)
        s[-1] = 0.0
        out[(0,) * (len(shape) - 2)] = (u * s) @ vh
        return out

    return sample


ANY = uniform(-2.0, 2.0)
SPREAD = with_singular_values(3.0, 2.2, 1.5, 1.0, 0.6)  # distinct, away from 0 and each other
SYMMETRIC = symmetric_with_eigenvalues(-2.0, 3.0, 1.0, -0.5, 2.0)
POSITIVE = uniform(0.3, 2.5)
UNIT = uniform(-0.9, 0.9)
NONZERO = away_from([0.0], gap=0.3)
NOT_NEAR_INTEGERS = away_from([-2.0, -1.0, 0.0, 1.0, 2.0], low=-2.4, high=2.4, gap=0.15)
NOT_NEAR_HALVES = away_from([-1.5, -0.5, 0.5, 1.5], low=-2.4, high=2.4, gap=0.15)


@dataclass(frozen=True)
class OpSpec:
    """One op and the properties its tests check.

    ``shapes`` lists input-shape tuples to test (one shape per tensor argument);
    ``domains`` gives one sampler per argument (or one for all).
    """

    name: str
    call: Callable  # (lib, *tensors) -> Tensor | tuple
    reference: Callable | None  # (*float64 arrays) -> array | tuple, NumPy; None: PyTorch is the reference
    shapes: tuple = (((),), ((5,),), ((2, 3),))
    domains: tuple = (ANY,)
    differentiable: bool = True  # False: no gradient flows (comparisons), or it is zero a.e.
    second_derivative: bool = True
    broadcasts: bool = False  # an element-wise op of several tensors: check every broadcast pair
    elementwise: bool = False  # output[i] depends on input[i] only: 0-d, empty and NaN tests apply
    empty_ok: bool = True  # the op accepts empty inputs (shape with a 0)
    torch: bool = True  # the same call works on torch tensors
    needs: tuple = ()  # chainrule names the call uses (default: the op's name)
    eps: float = 1e-6  # finite-difference step (smaller for ops with large curvature)
    tags: frozenset = field(default_factory=frozenset)

    def __str__(self) -> str:
        return self.name

    @property
    def arity(self) -> int:
        return len(self.shapes[0])

    def domain(self, i: int) -> Sampler:
        return self.domains[i] if i < len(self.domains) else self.domains[-1]

    def required_names(self) -> tuple:
        return self.needs or (self.name,)


def sample_inputs(spec: OpSpec, shapes: tuple, seed: int = 0) -> list[np.ndarray]:
    """Float64 arrays for ``spec`` with the given shapes, from its domains."""
    rng = np.random.default_rng(seed)
    return [np.asarray(spec.domain(i)(rng, tuple(s)), dtype=np.float64) for i, s in enumerate(shapes)]


# -- broadcasting: every pair of broadcastable shapes from a small set -----------------------

BROADCAST_SHAPES = ((), (1,), (3,), (2, 1), (2, 3), (1, 3), (4, 1, 3), (0,), (2, 0))


def _broadcastable(a: tuple, b: tuple) -> bool:
    try:
        np.broadcast_shapes(a, b)
        return True
    except ValueError:
        return False


def broadcastable_pairs(shapes: Sequence[tuple] = BROADCAST_SHAPES) -> list[tuple]:
    return [(a, b) for a in shapes for b in shapes if _broadcastable(a, b)]


# -- NumPy references that NumPy lacks under one name ---------------------------------------


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def _erf(x):
    import math

    return np.vectorize(math.erf, otypes=[np.float64])(x)


def _gelu(x):
    return 0.5 * x * (1.0 + _erf(x / np.sqrt(2.0)))


def _gelu_tanh(x):
    return 0.5 * x * (1.0 + np.tanh(np.sqrt(2.0 / np.pi) * (x + 0.044715 * x**3)))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(x * beta > threshold, x, np.logaddexp(0.0, beta * x) / beta)


def _logsumexp(x, axis=None, keepdims=False):
    m = np.max(x, axis=axis, keepdims=True)
    out = m + np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True))
    return out if keepdims else np.squeeze(out, axis=axis) if axis is not None else out.reshape(())


def _softmax(x, axis):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _log_softmax(x, axis):
    return x - _logsumexp(x, axis=axis, keepdims=True)


def _scatter(x, index, src, add):
    """torch.scatter(_add) along dim 0: out[index[i, j], j] = (or +=) src[i, j]."""
    out = x.copy()
    for i in range(index.shape[0]):
        for j in range(index.shape[1]):
            if add:
                out[index[i, j], j] += src[i, j]
            else:
                out[index[i, j], j] = src[i, j]
    return out


def _solve(a, b):
    """A^-1 B with PyTorch's rule for B: a (batch of) vector(s) if 1-D or shaped like A without its last dim."""
    if b.ndim == 1 or b.shape == a.shape[:-1]:
        return np.linalg.solve(a, b[..., None])[..., 0]
    return np.linalg.solve(a, b)


def _index_put(x, rows, values, accumulate):
    """x with ``values`` written (or added, repeats summing) at ``rows``."""
    out = x.copy()
    if accumulate:
        np.add.at(out, rows, values)
    else:
        out[rows] = values
    return out


def _linalg(lib):
    """``torch.linalg`` or ``chainrule.linalg``."""
    import importlib

    return importlib.import_module(lib.__name__ + ".linalg")


def _column_signs(lib, V):
    """+-1 per column, making each column's first entry positive: singular vectors and
    eigenvectors are unique only up to sign, and LAPACK builds (NumPy's OpenBLAS, PyTorch's
    MKL) choose differently; the table compares them with the signs fixed."""
    return lib.sign(V[..., :1, :])


def _svd_fixed(lib, A, full_matrices=False):
    U, S, Vh = _linalg(lib).svd(A, full_matrices=full_matrices)
    k = S.shape[-1]
    signs = _column_signs(lib, U[..., :k])
    return U[..., :k] * signs, S, Vh[..., :k, :] * signs.mT


def _eigh_fixed(lib, A, UPLO="L"):
    L, V = _linalg(lib).eigh(A + A.mT, UPLO=UPLO)
    return L, V * _column_signs(lib, V)


def _positive_definite(lib, x):
    n = x.shape[-1]
    return x @ x.mT + lib.eye(n, dtype=x.dtype)


# -- the table ----------------------------------------------------------------------------------


def _unary(name, reference, domain=ANY, call=None, **flags) -> OpSpec:
    return OpSpec(name, call or (lambda lib, x, _n=name: getattr(lib, _n)(x)), reference, domains=(domain,),
                  elementwise=True, **flags)


def _binary(name, reference, domains=(ANY, ANY), call=None, **flags) -> OpSpec:
    return OpSpec(name, call or (lambda lib, a, b, _n=name: getattr(lib, _n)(a, b)), reference,
                  shapes=(((2, 3), (2, 3)), ((), ()), ((4,), ())), domains=domains, broadcasts=True,
                  elementwise=True, **flags)


REDUCE_SHAPES = (((2, 3, 4),), ((5,),), ((),))

OPS: list[OpSpec] = [
    # arithmetic
    _binary("add", np.add),
    _binary("sub", np.subtract),
    _binary("mul", np.multiply),
    _binary("div", np.divide, domains=(ANY, NONZERO)),
    _binary("pow", np.power, domains=(POSITIVE, ANY)),
    _binary("maximum", np.maximum, domains=(distinct(-2, 2), distinct(-1.97, 2.03)), second_derivative=True),
    _binary("minimum", np.minimum, domains=(distinct(-2, 2), distinct(-1.97, 2.03))),
    _binary("add_alpha", lambda a, b: a + 2.5 * b, call=lambda lib, a, b: lib.add(a, b, alpha=2.5), needs=("add",)),
    _binary("operator_rsub_number", lambda a, b: 3.0 - a * b, call=lambda lib, a, b: 3.0 - a * b, needs=("mul",)),
    _binary("remainder", np.remainder, domains=(uniform(0.1, 0.9), uniform(1.2, 2.0))),
    OpSpec("where", lambda lib, a, b: lib.where(a > b, a, b * 2), lambda a, b: np.where(a > b, a, b * 2),
           shapes=(((2, 3), (2, 3)), ((), ())), domains=(distinct(-2, 2), distinct(-1.97, 2.03)), broadcasts=True,
           elementwise=True),
    OpSpec("pow_scalar", lambda lib, x: x ** 3, lambda x: x ** 3, domains=(ANY,), elementwise=True, needs=("pow",)),
    OpSpec("pow_fractional", lambda lib, x: x ** 0.5, lambda x: x ** 0.5, domains=(POSITIVE,), elementwise=True,
           needs=("pow",)),
    # torch computes x ** -0.5 as rsqrt: nan at -inf and -inf at -0.0 (NumPy's pow: 0 and inf)
    OpSpec("pow_rsqrt", lambda lib, x: x ** -0.5, lambda x: 1 / np.sqrt(x), domains=(POSITIVE,), elementwise=True,
           needs=("pow",)),
    OpSpec("rpow", lambda lib, x: 2.0 ** x, lambda x: 2.0 ** x, elementwise=True, needs=("pow",)),
    OpSpec("square", lambda lib, x: lib.square(x), np.square, elementwise=True),
    # functions of one input
    _unary("neg", np.negative),
    _unary("exp", np.exp),
    _unary("log", np.log, POSITIVE),
    _unary("log1p", np.log1p, uniform(-0.5, 2.0)),
    _unary("expm1", np.expm1),
    _unary("sqrt", np.sqrt, POSITIVE),
    _unary("rsqrt", lambda x: 1 / np.sqrt(x), POSITIVE),
    _unary("reciprocal", np.reciprocal, NONZERO),
    _unary("sin", np.sin),
    _unary("cos", np.cos),
    _unary("tan", np.tan, UNIT),
    _unary("tanh", np.tanh),
    _unary("sigmoid", _sigmoid),
    _unary("erf", _erf),
    _unary("relu", lambda x: np.maximum(x, 0.0), NONZERO),
    _unary("abs", np.abs, NONZERO),
    _unary("gelu", _gelu, call=lambda lib, x: _functional(lib).gelu(x), needs=("nn.functional.gelu",)),
    _unary("gelu_tanh", _gelu_tanh, call=lambda lib, x: _functional(lib).gelu(x, approximate="tanh"),
           needs=("nn.functional.gelu",)),
    _unary("softplus", _softplus, call=lambda lib, x: _functional(lib).softplus(x), needs=("nn.functional.softplus",)),
    _unary("clamp", lambda x: np.clip(x, -0.5, 0.8), away_from([-0.5, 0.8]),
           call=lambda lib, x: lib.clamp(x, min=-0.5, max=0.8)),
    _unary("clamp_min", lambda x: np.maximum(x, 0.2), away_from([0.2]), call=lambda lib, x: x.clamp_min(0.2),
           needs=("clamp",)),
    _unary("sign", np.sign, NONZERO, second_derivative=False),
    _unary("floor", np.floor, NOT_NEAR_INTEGERS, second_derivative=False),
    _unary("ceil", np.ceil, NOT_NEAR_INTEGERS, second_derivative=False),
    _unary("round", np.round, NOT_NEAR_HALVES, second_derivative=False),
    _unary("trunc", np.trunc, NOT_NEAR_INTEGERS, second_derivative=False),
    _unary("clone", np.copy),
    # reductions
    OpSpec("sum", lambda lib, x: x.sum(), np.sum, shapes=REDUCE_SHAPES),
    OpSpec("sum_dim", lambda lib, x: x.sum(dim=-1, keepdim=True), lambda x: np.sum(x, axis=-1, keepdims=True),
           shapes=REDUCE_SHAPES[:2], needs=("sum",)),
    OpSpec("sum_dims", lambda lib, x: x.sum(dim=(0, 2)), lambda x: np.sum(x, axis=(0, 2)),
           shapes=REDUCE_SHAPES[:1], needs=("sum",)),
    OpSpec("mean", lambda lib, x: x.mean(), np.mean, shapes=REDUCE_SHAPES, empty_ok=False),
    OpSpec("mean_dim", lambda lib, x: x.mean(dim=0), lambda x: np.mean(x, axis=0), shapes=REDUCE_SHAPES[:2],
           needs=("mean",)),
    OpSpec("prod", lambda lib, x: x.prod(), np.prod, shapes=REDUCE_SHAPES, domains=(NONZERO,)),
    OpSpec("prod_dim", lambda lib, x: x.prod(dim=1), lambda x: np.prod(x, axis=1), shapes=REDUCE_SHAPES[:1],
           domains=(NONZERO,), needs=("prod",)),
    OpSpec("var", lambda lib, x: x.var(), lambda x: np.var(x, ddof=1), shapes=REDUCE_SHAPES[:2], empty_ok=False),
    OpSpec("var_dim", lambda lib, x: x.var(dim=1, keepdim=True), lambda x: np.var(x, axis=1, ddof=1, keepdims=True),
           shapes=REDUCE_SHAPES[:1], needs=("var",)),
    OpSpec("std", lambda lib, x: x.std(dim=0), lambda x: np.std(x, axis=0, ddof=1), shapes=REDUCE_SHAPES[:1],
           empty_ok=False),
    OpSpec("max", lambda lib, x: x.max(), np.max, shapes=REDUCE_SHAPES, domains=(distinct(),), empty_ok=False),
    OpSpec("max_dim", lambda lib, x: x.max(dim=1), lambda x: (np.max(x, axis=1), np.argmax(x, axis=1)),
           shapes=REDUCE_SHAPES[:1], domains=(distinct(),), needs=("max",)),
    OpSpec("min", lambda lib, x: x.min(), np.min, shapes=REDUCE_SHAPES, domains=(distinct(),), empty_ok=False),
    OpSpec("min_dim", lambda lib, x: x.min(dim=-1, keepdim=True),
           lambda x: (np.min(x, axis=-1, keepdims=True), np.argmin(x, axis=-1, keepdims=True)),
           shapes=REDUCE_SHAPES[:1], domains=(distinct(),), needs=("min",)),
    OpSpec("amax", lambda lib, x: x.amax(dim=(0, 1)), lambda x: np.max(x, axis=(0, 1)), shapes=REDUCE_SHAPES[:1],
           domains=(distinct(),)),
    OpSpec("amin", lambda lib, x: x.amin(dim=0), lambda x: np.min(x, axis=0), shapes=REDUCE_SHAPES[:1],
           domains=(distinct(),)),
    OpSpec("argmax", lambda lib, x: x.argmax(dim=1), lambda x: np.argmax(x, axis=1), shapes=REDUCE_SHAPES[:1],
           domains=(distinct(),), differentiable=False),
    OpSpec("argmin", lambda lib, x: x.argmin(), lambda x: np.argmin(x), shapes=REDUCE_SHAPES[:2],
           domains=(distinct(),), differentiable=False),
    OpSpec("logsumexp", lambda lib, x: lib.logsumexp(x, dim=1), lambda x: _logsumexp(x, axis=1),
           shapes=REDUCE_SHAPES[:1]),
    OpSpec("norm", lambda lib, x: x.norm(), lambda x: np.sqrt(np.sum(x * x)), shapes=REDUCE_SHAPES,
           domains=(NONZERO,)),
    OpSpec("norm_dim", lambda lib, x: x.norm(dim=1), lambda x: np.sqrt(np.sum(x * x, axis=1)),
           shapes=REDUCE_SHAPES[:1], domains=(NONZERO,), needs=("norm",)),
    OpSpec("cumsum", lambda lib, x: lib.cumsum(x, dim=1), lambda x: np.cumsum(x, axis=1), shapes=REDUCE_SHAPES[:1]),
    OpSpec("cumsum_1d", lambda lib, x: x.cumsum(0), lambda x: np.cumsum(x, axis=0), shapes=(((5,),), ((0,),)),
           needs=("cumsum",)),
    OpSpec("all", lambda lib, x: (x > 0).all(dim=1), lambda x: np.all(x > 0, axis=1), shapes=REDUCE_SHAPES[:1],
           domains=(NONZERO,), differentiable=False),
    OpSpec("any", lambda lib, x: lib.any(x > 1.5), lambda x: np.any(x > 1.5), shapes=REDUCE_SHAPES,
           differentiable=False),
    # softmax
    OpSpec("softmax", lambda lib, x: lib.softmax(x, dim=-1), lambda x: _softmax(x, -1), shapes=REDUCE_SHAPES[:2]),
    OpSpec("log_softmax", lambda lib, x: lib.log_softmax(x, dim=1), lambda x: _log_softmax(x, 1),
           shapes=REDUCE_SHAPES[:1]),
    # linear algebra
    OpSpec("matmul", lambda lib, a, b: lib.matmul(a, b), np.matmul,
           shapes=(((2, 3), (3, 4)), ((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 1, 2, 3), (4, 3, 2)),
                   ((0, 3), (3, 2)), ((2, 0), (0, 3)))),
    OpSpec("matmul_operator", lambda lib, a, b: a @ b, np.matmul, shapes=(((2, 3), (3, 4)),), needs=("matmul",)),
    # torch decomposes einsum into views and bmm, so its grad_fn name is an implementation detail
    OpSpec("einsum", lambda lib, a, b: lib.einsum("bij,bjk->bik", a, b),
           lambda a, b: np.einsum("bij,bjk->bik", a, b), shapes=(((2, 2, 3), (2, 3, 2)),),
           tags=frozenset({"grad_fn_name_differs_by_design"})),
    OpSpec("einsum_trace_and_outer", lambda lib, a, b: lib.einsum("ii,j->j", a, b),
           lambda a, b: np.einsum("ii,j->j", a, b), shapes=(((3, 3), (2,)),), needs=("einsum",),
           tags=frozenset({"grad_fn_name_differs_by_design"})),
    OpSpec("mm", lambda lib, a, b: lib.mm(a, b), np.matmul, shapes=(((2, 3), (3, 4)), ((0, 3), (3, 2)))),
    OpSpec("bmm", lambda lib, a, b: lib.bmm(a, b), np.matmul, shapes=(((2, 2, 3), (2, 3, 4)),)),
    OpSpec("mv", lambda lib, a, b: lib.mv(a, b), np.matmul, shapes=(((2, 3), (3,)),)),
    OpSpec("dot", lambda lib, a, b: lib.dot(a, b), np.dot, shapes=(((4,), (4,)), ((0,), (0,)))),
    OpSpec("outer", lambda lib, a, b: lib.outer(a, b), np.outer, shapes=(((3,), (2,)),)),
    OpSpec("ger", lambda lib, a, b: lib.ger(a, b), np.outer, shapes=(((3,), (2,)),)),
    # torch.linalg: norms (built from svdvals, amax, sum as in PyTorch) and factorizations
    OpSpec("linalg_vector_norm", lambda lib, x: _linalg(lib).vector_norm(x, 3, dim=-1),
           lambda x: np.sum(np.abs(x) ** 3, axis=-1) ** (1 / 3), shapes=REDUCE_SHAPES[:2], domains=(NONZERO,),
           needs=("linalg.vector_norm",)),
    OpSpec("linalg_norm", lambda lib, x: _linalg(lib).norm(x), lambda x: np.sqrt(np.sum(x * x)),
           shapes=(((3, 4),), ((5,),)), domains=(NONZERO,), needs=("linalg.norm",)),
    OpSpec("linalg_norm_spectral", lambda lib, x: _linalg(lib).norm(x, 2), lambda x: np.linalg.norm(x, 2),
           shapes=(((3, 4),), ((4, 3),)), domains=(SPREAD,), needs=("linalg.norm",)),
    OpSpec("linalg_norm_nuclear", lambda lib, x: _linalg(lib).norm(x, "nuc"), lambda x: np.linalg.norm(x, "nuc"),
           shapes=(((3, 4),), ((4, 3),)), domains=(SPREAD,), needs=("linalg.norm",)),
    OpSpec("linalg_norm_1", lambda lib, x: _linalg(lib).norm(x, 1), lambda x: np.linalg.norm(x, 1),
           shapes=(((3, 4),),), domains=(distinct(),), needs=("linalg.norm",)),
    OpSpec("linalg_norm_inf_dims", lambda lib, x: _linalg(lib).norm(x, float("inf"), dim=(2, 0)),
           lambda x: np.max(np.sum(np.abs(x), axis=0), axis=1), shapes=(((3, 2, 4),),), domains=(distinct(),),
           needs=("linalg.norm",)),
    OpSpec("linalg_matrix_norm_spectral_batch", lambda lib, x: _linalg(lib).matrix_norm(x, 2, dim=(0, 2), keepdim=True),
           lambda x: np.linalg.norm(np.moveaxis(x, 1, 0), 2, axis=(1, 2))[None, :, None],
           shapes=(((3, 2, 4),),), domains=(with_singular_values(2.0, 1.0, 0.5),), needs=("linalg.matrix_norm",)),
    OpSpec("linalg_matrix_norm_smallest", lambda lib, x: _linalg(lib).matrix_norm(x, -2),
           lambda x: np.linalg.norm(x, -2, axis=(-2, -1)), shapes=(((2, 3, 4),),), domains=(SPREAD,),
           needs=("linalg.matrix_norm",)),
    OpSpec("linalg_matrix_norm_nuclear_keepdim", lambda lib, x: _linalg(lib).matrix_norm(x, "nuc", keepdim=True),
           lambda x: np.linalg.norm(x, "nuc", axis=(-2, -1), keepdims=True), shapes=(((2, 4, 3),),),
           domains=(SPREAD,), needs=("linalg.matrix_norm",)),
    OpSpec("linalg_matrix_norm_rows_smallest", lambda lib, x: _linalg(lib).matrix_norm(x, float("-inf")),
           lambda x: np.linalg.norm(x, -np.inf, axis=(-2, -1)), shapes=(((2, 3, 4),),), domains=(distinct(),),
           needs=("linalg.matrix_norm",)),
    OpSpec("linalg_matrix_norm_fro", lambda lib, x: _linalg(lib).matrix_norm(x, dim=(-1, 0)),
           lambda x: np.sqrt(np.sum(x * x, axis=(0, 2))), shapes=(((3, 2, 4),),), domains=(NONZERO,),
           needs=("linalg.matrix_norm",)),
    OpSpec("norm_nuclear", lambda lib, x: x.norm(p="nuc"), lambda x: np.linalg.norm(x, "nuc"),
           shapes=(((3, 4),),), domains=(SPREAD,), needs=("norm",)),
    OpSpec("norm_nuclear_dims", lambda lib, x: lib.norm(x, "nuc", dim=(2, 1), keepdim=True),
           lambda x: np.linalg.norm(x, "nuc", axis=(2, 1), keepdims=True), shapes=(((2, 3, 4),),),
           domains=(SPREAD,), needs=("norm",)),
    OpSpec("linalg_svd", lambda lib, x: _svd_fixed(lib, x), None, shapes=(((4, 3),), ((2, 3, 5),), ((3, 3),)),
           domains=(SPREAD,), needs=("linalg.svd",)),
    OpSpec("linalg_svd_full_matrices", lambda lib, x: _svd_fixed(lib, x, full_matrices=True), None,
           shapes=(((4, 3),), ((2, 5),)), domains=(SPREAD,), needs=("linalg.svd",)),
    OpSpec("linalg_svdvals", lambda lib, x: _linalg(lib).svdvals(x), lambda x: np.linalg.svd(x, compute_uv=False),
           shapes=(((3, 4),), ((2, 4, 3),)), domains=(SPREAD,), needs=("linalg.svdvals",)),
    OpSpec("linalg_eigh", lambda lib, x: _eigh_fixed(lib, x), None, shapes=(((3, 3),), ((2, 4, 4),)),
           domains=(SYMMETRIC,), needs=("linalg.eigh",)),
    OpSpec("linalg_eigh_upper", lambda lib, x: _eigh_fixed(lib, x, UPLO="U"), None, shapes=(((3, 3),),),
           domains=(SYMMETRIC,), needs=("linalg.eigh",)),
    OpSpec("linalg_eigvalsh", lambda lib, x: _linalg(lib).eigvalsh(x + x.mT),
           lambda x: np.linalg.eigvalsh(x + np.swapaxes(x, -1, -2)), shapes=(((3, 3),), ((2, 4, 4),)),
           domains=(SYMMETRIC,), needs=("linalg.eigvalsh",)),
    OpSpec("linalg_cholesky", lambda lib, x: _linalg(lib).cholesky(_positive_definite(lib, x)),
           lambda x: np.linalg.cholesky(x @ np.swapaxes(x, -1, -2) + np.eye(x.shape[-1])),
           shapes=(((3, 3),), ((2, 4, 4),)), needs=("linalg.cholesky", "eye")),
    OpSpec("linalg_cholesky_upper", lambda lib, x: _linalg(lib).cholesky(_positive_definite(lib, x), upper=True),
           lambda x: np.swapaxes(np.linalg.cholesky(x @ np.swapaxes(x, -1, -2) + np.eye(x.shape[-1])), -1, -2),
           shapes=(((3, 3),),), needs=("linalg.cholesky", "eye")),
    OpSpec("linalg_qr", lambda lib, x: tuple(_linalg(lib).qr(x)), None, shapes=(((4, 3),), ((2, 3, 5),), ((3, 3),)),
           domains=(SPREAD,), needs=("linalg.qr",)),
    OpSpec("linalg_qr_complete", lambda lib, x: tuple(_linalg(lib).qr(x, mode="complete")), None,
           shapes=(((3, 5),), ((3, 3),)), domains=(SPREAD,), needs=("linalg.qr",)),
    OpSpec("linalg_det", lambda lib, x: _linalg(lib).det(x), np.linalg.det, shapes=(((3, 3),), ((2, 4, 4),), ((1, 1),)),
           domains=(SPREAD,), needs=("linalg.det",)),
    # |det| below 100 eps: PyTorch's derivative goes through the SVD (the cofactors of a singular matrix)
    OpSpec("linalg_det_singular", lambda lib, x: _linalg(lib).det(x), np.linalg.det, shapes=(((3, 3),), ((3, 3, 3),)),
           domains=(singular_first(3.0, 2.0, 1.0),), needs=("linalg.det",),
           eps=1e-3),  # det is a cubic: a large step is exact, a small one meets the near-singular rounding
    OpSpec("det", lambda lib, x: lib.det(x), np.linalg.det, shapes=(((3, 3),),), domains=(SPREAD,)),
    OpSpec("linalg_slogdet", lambda lib, x: tuple(_linalg(lib).slogdet(x)), lambda x: tuple(np.linalg.slogdet(x)),
           shapes=(((3, 3),), ((2, 4, 4),)), domains=(SPREAD,), needs=("linalg.slogdet",)),
    OpSpec("slogdet", lambda lib, x: tuple(x.slogdet()), lambda x: tuple(np.linalg.slogdet(x)), shapes=(((3, 3),),),
           domains=(SPREAD,)),
    OpSpec("linalg_inv", lambda lib, x: _linalg(lib).inv(x), np.linalg.inv, shapes=(((3, 3),), ((2, 4, 4),)),
           domains=(SPREAD,), needs=("linalg.inv",)),
    OpSpec("inverse", lambda lib, x: x.inverse(), np.linalg.inv, shapes=(((3, 3),),), domains=(SPREAD,)),
    OpSpec("linalg_solve", lambda lib, a, b: _linalg(lib).solve(a, b),
           lambda a, b: _solve(a, b),
           shapes=(((3, 3), (3, 2)), ((2, 3, 3), (3,)), ((2, 1, 3, 3), (4, 3, 1)), ((2, 3, 3), (2, 3))),
           domains=(SPREAD, ANY), needs=("linalg.solve",)),
    OpSpec("linalg_solve_left_false", lambda lib, a, b: _linalg(lib).solve(a, b, left=False),
           lambda a, b: np.swapaxes(np.linalg.solve(np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)), -1, -2),
           shapes=(((3, 3), (2, 3)), ((2, 3, 3), (4, 1, 2, 3))), domains=(SPREAD, ANY), needs=("linalg.solve",)),
    # shape
    OpSpec("reshape", lambda lib, x: x.reshape(3, -1), lambda x: x.reshape(3, -1), shapes=(((2, 3),), ((3, 0),))),
    OpSpec("view", lambda lib, x: x.view(6), lambda x: x.reshape(6), shapes=(((2, 3),),),
           tags=frozenset({"needs_contiguous"})),
    OpSpec("flatten", lambda lib, x: lib.flatten(x, 1), lambda x: x.reshape(x.shape[0], -1), shapes=(((2, 3, 2),),)),
    OpSpec("squeeze", lambda lib, x: x.squeeze(1), lambda x: np.squeeze(x, 1), shapes=(((2, 1, 3),),)),
    OpSpec("unsqueeze", lambda lib, x: x.unsqueeze(-1), lambda x: x[..., None], shapes=(((2, 3),), ((),))),
    OpSpec("permute", lambda lib, x: x.permute(2, 0, 1), lambda x: np.transpose(x, (2, 0, 1)),
           shapes=(((2, 3, 4),),)),
    OpSpec("transpose", lambda lib, x: x.transpose(0, 1), lambda x: np.swapaxes(x, 0, 1), shapes=(((2, 3),),)),
    OpSpec("T", lambda lib, x: x.T, lambda x: x.T, shapes=(((2, 3),),)),
    OpSpec("expand", lambda lib, x: x.expand(4, 2, 3), lambda x: np.broadcast_to(x, (4, 2, 3)),
           shapes=(((2, 1),), ((1, 3),))),
    OpSpec("repeat", lambda lib, x: x.repeat(2, 3), lambda x: np.tile(x, (2, 3)), shapes=(((2, 3),), ((3,),))),
    OpSpec("cat", lambda lib, a, b: lib.cat([a, b], dim=0), lambda a, b: np.concatenate([a, b], axis=0),
           shapes=(((2, 3), (1, 3)), ((0, 3), (2, 3)))),
    OpSpec("stack", lambda lib, a, b: lib.stack([a, b], dim=1), lambda a, b: np.stack([a, b], axis=1),
           shapes=(((2, 3), (2, 3)),)),
    OpSpec("split", lambda lib, x: x.split(2, dim=1), lambda x: tuple(np.split(x, [2], axis=1)),
           shapes=(((2, 3),),)),
    OpSpec("chunk", lambda lib, x: x.chunk(3, dim=0), lambda x: tuple(np.array_split(x, 3, axis=0)),
           shapes=(((6, 2),),)),
    OpSpec("concat", lambda lib, a, b: lib.concat([a, b], dim=1), lambda a, b: np.concatenate([a, b], axis=1),
           shapes=(((2, 3), (2, 1)),)),
    OpSpec("concatenate", lambda lib, a, b: lib.concatenate([a, b]), lambda a, b: np.concatenate([a, b]),
           shapes=(((2,), (3,)),)),
    OpSpec("hstack", lambda lib, a, b: lib.hstack([a, b]), lambda a, b: np.hstack([a, b]),
           shapes=(((2, 3), (2, 2)), ((3,), (2,)))),
    OpSpec("vstack", lambda lib, a, b: lib.vstack([a, b]), lambda a, b: np.vstack([a, b]),
           shapes=(((2, 3), (1, 3)), ((3,), (3,)))),
    OpSpec("flip", lambda lib, x: lib.flip(x, [0]), lambda x: np.flip(x, 0), shapes=(((3, 2),), ((4,),))),
    OpSpec("flip_dims_keyword", lambda lib, x: lib.flip(x, dims=(0, 1)), lambda x: np.flip(x, (0, 1)),
           shapes=(((3, 2),),), needs=("flip",)),
    OpSpec("roll", lambda lib, x: lib.roll(x, shifts=(1, -1), dims=(0, 1)), lambda x: np.roll(x, (1, -1), (0, 1)),
           shapes=(((3, 4),),)),
    OpSpec("movedim", lambda lib, x: lib.movedim(x, 0, -1), lambda x: np.moveaxis(x, 0, -1), shapes=(((2, 3, 4),),)),
    OpSpec("moveaxis", lambda lib, x: lib.moveaxis(x, (0, 1), (2, 0)), lambda x: np.moveaxis(x, (0, 1), (2, 0)),
           shapes=(((2, 3, 4),),)),
    OpSpec("swapaxes", lambda lib, x: lib.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), shapes=(((2, 3, 4),),)),
    OpSpec("swapdims", lambda lib, x: lib.swapdims(x, 1, 0), lambda x: np.swapaxes(x, 1, 0), shapes=(((2, 3),),)),
    OpSpec("t", lambda lib, x: lib.t(x), lambda x: x.T, shapes=(((2, 3),), ((3,),))),
    OpSpec("narrow", lambda lib, x: lib.narrow(x, 1, 1, 2), lambda x: x[:, 1:3], shapes=(((2, 4),),)),
    OpSpec("tile", lambda lib, x: lib.tile(x, (2, 1)), lambda x: np.tile(x, (2, 1)), shapes=(((2, 3),), ((3,),))),
    OpSpec("unbind", lambda lib, x: lib.unbind(x, 1), lambda x: tuple(np.moveaxis(x, 1, 0)), shapes=(((2, 3),),)),
    OpSpec("unflatten", lambda lib, x: lib.unflatten(x, 1, (2, 3)), lambda x: x.reshape(x.shape[0], 2, 3),
           shapes=(((2, 6),),)),
    # indexing
    OpSpec("index_int", lambda lib, x: x[1], lambda x: x[1], shapes=(((3, 2),),), needs=("__getitem__",)),
    OpSpec("index_slices", lambda lib, x: x[1:, None, ..., ::2], lambda x: x[1:, None, ..., ::2],
           shapes=(((3, 4),),), needs=("__getitem__",)),
    OpSpec("index_int_and_slice", lambda lib, x: x[-1, 1:3], lambda x: x[-1, 1:3], shapes=(((3, 4),),),
           needs=("__getitem__",)),
    OpSpec("index_mask", lambda lib, x: x[x > 0], lambda x: x[x > 0], shapes=(((3, 4),),),
           domains=(NONZERO,), needs=("__getitem__",)),
    OpSpec("index_array_repeats", lambda lib, x: x[[0, 2, 0, 0]], lambda x: x[[0, 2, 0, 0]],
           shapes=(((3, 2),),), needs=("__getitem__",)),
    OpSpec("index_two_arrays", lambda lib, x: x[[0, 1, 1], [2, 0, 2]], lambda x: x[[0, 1, 1], [2, 0, 2]],
           shapes=(((2, 3),),), needs=("__getitem__",)),
    OpSpec("gather", lambda lib, x: lib.gather(x, 1, lib.tensor([[0, 0], [2, 1]])),
           lambda x: np.take_along_axis(x, np.array([[0, 0], [2, 1]]), 1), shapes=(((2, 3),),)),
    OpSpec("index_select", lambda lib, x: lib.index_select(x, 0, lib.tensor([2, 0, 2])),
           lambda x: np.take(x, [2, 0, 2], 0), shapes=(((3, 2),),)),
    OpSpec("masked_select", lambda lib, x: lib.masked_select(x, x > 0), lambda x: x[x > 0], shapes=(((3, 4),),),
           domains=(NONZERO,)),
    OpSpec("scatter", lambda lib, x, src: lib.scatter(x, 0, lib.tensor([[1, 0, 2]]), src),
           lambda x, src: _scatter(x, np.array([[1, 0, 2]]), src, add=False), shapes=(((3, 3), (1, 3)),)),
    OpSpec("scatter_add", lambda lib, x, src: lib.scatter_add(x, 0, lib.tensor([[0, 1, 2], [0, 1, 0]]), src),
           lambda x, src: _scatter(x, np.array([[0, 1, 2], [0, 1, 0]]), src, add=True), shapes=(((3, 3), (2, 3)),)),
    OpSpec("index_add", lambda lib, x, src: lib.index_add(x, 0, lib.tensor([0, 2, 0]), src),
           lambda x, src: _index_put(x, [0, 2, 0], src, accumulate=True), shapes=(((3, 2), (3, 2)),)),
    OpSpec("index_put", lambda lib, x, v: lib.index_put(x, (lib.tensor([0, 2]),), v),
           lambda x, v: _index_put(x, [0, 2], v, accumulate=False), shapes=(((3, 2), (2, 2)),)),
    OpSpec("index_put_accumulate", lambda lib, x, v: x.index_put((lib.tensor([1, 1, 0]),), v, accumulate=True),
           lambda x, v: _index_put(x, [1, 1, 0], v, accumulate=True), shapes=(((3, 2), (3, 2)),),
           needs=("index_put",)),
    # neural-network functions (chainrule.nn.functional); PyTorch is the reference where NumPy has none
    _unary("leaky_relu", lambda x: np.where(x > 0, x, 0.1 * x), NONZERO,
           call=lambda lib, x: _functional(lib).leaky_relu(x, 0.1), needs=("nn.functional.leaky_relu",)),
    _unary("silu", lambda x: x * _sigmoid(x), call=lambda lib, x: _functional(lib).silu(x),
           needs=("nn.functional.silu",)),
    OpSpec("linear", lambda lib, x, w, b: _functional(lib).linear(x, w, b), lambda x, w, b: x @ w.T + b,
           shapes=(((4, 3), (2, 3), (2,)), ((3,), (2, 3), (2,))), needs=("nn.functional.linear",)),
    OpSpec("conv2d", lambda lib, x, w, b: _functional(lib).conv2d(x, w, b, stride=1, padding=1), None,
           shapes=(((1, 2, 4, 4), (3, 2, 3, 3), (3,)),), needs=("nn.functional.conv2d",)),
    OpSpec("conv2d_strided", lambda lib, x, w: _functional(lib).conv2d(x, w, stride=2), None,
           shapes=(((2, 1, 5, 5), (2, 1, 2, 2)),), needs=("nn.functional.conv2d",)),
    OpSpec("max_pool2d", lambda lib, x: _functional(lib).max_pool2d(x, 2), None, shapes=(((1, 2, 4, 4),),),
           domains=(distinct(),), needs=("nn.functional.max_pool2d",)),
    OpSpec("cross_entropy", lambda lib, x: _functional(lib).cross_entropy(x, lib.tensor([0, 3, 1])), None,
           shapes=(((3, 4),),), needs=("nn.functional.cross_entropy",)),
    OpSpec("nll_loss", lambda lib, x: _functional(lib).nll_loss(x, lib.tensor([2, 0]), reduction="sum"),
           lambda x: -(x[0, 2] + x[1, 0]), shapes=(((2, 3),),), needs=("nn.functional.nll_loss",)),
    OpSpec("mse_loss", lambda lib, a, b: _functional(lib).mse_loss(a, b), lambda a, b: np.mean((a - b) ** 2),
           shapes=(((3, 4), (3, 4)),), needs=("nn.functional.mse_loss",)),
    OpSpec("l1_loss", lambda lib, a, b: _functional(lib).l1_loss(a, b), lambda a, b: np.mean(np.abs(a - b)),
           shapes=(((3, 4), (3, 4)),), domains=(distinct(-2, 2), distinct(-1.97, 2.03)),
           needs=("nn.functional.l1_loss",)),
    OpSpec("binary_cross_entropy",
           lambda lib, p: _functional(lib).binary_cross_entropy(p, lib.tensor([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]],
                                                                               dtype=p.dtype)),
           lambda p: -np.mean(np.array([[0, 1, 1], [1, 0, 0.3]]) * np.log(p)
                              + (1 - np.array([[0, 1, 1], [1, 0, 0.3]])) * np.log(1 - p)),
           shapes=(((2, 3),),), domains=(uniform(0.1, 0.9),), needs=("nn.functional.binary_cross_entropy",)),
    OpSpec("binary_cross_entropy_with_logits",
           lambda lib, x: _functional(lib).binary_cross_entropy_with_logits(x, lib.tensor([1.0, 0.0, 0.5],
                                                                                          dtype=x.dtype)),
           None, shapes=(((3,),),), needs=("nn.functional.binary_cross_entropy_with_logits",)),
    OpSpec("layer_norm", lambda lib, x, w, b: _functional(lib).layer_norm(x, (4,), w, b), None,
           shapes=(((3, 4), (4,), (4,)),), needs=("nn.functional.layer_norm",)),
    OpSpec("batch_norm_training", lambda lib, x, w, b: _functional(lib).batch_norm(x, None, None, w, b, training=True),
           None, shapes=(((5, 3), (3,), (3,)),), needs=("nn.functional.batch_norm",)),
    OpSpec("embedding", lambda lib, w: _functional(lib).embedding(lib.tensor([[0, 2], [2, 2]]), w),
           lambda w: w[[[0, 2], [2, 2]]], shapes=(((3, 4),),), needs=("nn.functional.embedding",)),
    # comparisons (no gradient)
    _binary("gt", np.greater, domains=(distinct(-2, 2), distinct(-1.97, 2.03)), differentiable=False),
    _binary("eq", np.equal, differentiable=False),
]


def _more_specs() -> list:
    """Entries kept beside their op family in ``chainrule/testing/op_specs/<family>.py`` (each
    module defines ``OPS``): the table stays one list to the tests, in files of a readable size."""
    import importlib
    import pkgutil

    from chainrule.testing import op_specs

    specs = []
    for module in sorted(pkgutil.iter_modules(op_specs.__path__), key=lambda m: m.name):
        family = importlib.import_module(f"{op_specs.__name__}.{module.name}")
        # A family module imported before this table (pytest collecting it directly) is still
        # being initialized here, without OPS yet: the table goes on without it.
        specs.extend(getattr(family, "OPS", ()))
    return specs


def _functional(lib):
    """``torch.nn.functional`` or ``chainrule.nn.functional``."""
    import importlib

    return importlib.import_module(lib.__name__ + ".nn.functional")


def op(name: str) -> OpSpec:
    for spec in OPS:
        if spec.name == name:
            return spec
    raise KeyError(f"no op named {name!r} in the op table")


def _has(name: str) -> bool:
    """Whether chainrule has ``name``: a function or Tensor method, or a dotted ``nn.functional.gelu``."""
    import importlib

    from chainrule._tensor import FUNCTIONS, Tensor

    if "." in name:
        module, _, attribute = name.rpartition(".")
        try:
            return hasattr(importlib.import_module("chainrule." + module), attribute)
        except ImportError:
            return False
    return name in FUNCTIONS or hasattr(Tensor, name)


def available_ops() -> list[OpSpec]:
    """The entries whose chainrule ops exist (ops other helpers are still adding are left out)."""
    import chainrule.ops  # noqa: F401  (registers every op)

    return [spec for spec in OPS if all(_has(n) for n in spec.required_names())]


def missing_ops() -> list[str]:
    names = {spec.name for spec in available_ops()}
    return [spec.name for spec in OPS if spec.name not in names]


OPS.extend(_more_specs())
