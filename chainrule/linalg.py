"""`torch.linalg`, the part chainrule has: vector norms and matrix products.

>>> import chainrule as torch
>>> torch.linalg.vector_norm(torch.tensor([3.0, 4.0]))
tensor(5.)
"""

from __future__ import annotations

from chainrule.ops.linalg import matmul
from chainrule.ops.reduce import norm as _norm


def vector_norm(x, ord=2, dim=None, keepdim: bool = False, *, dtype=None):
    """The ``ord``-norm of ``x`` seen as a vector (over ``dim``, or over all elements)."""
    return _norm(x, p=ord, dim=dim, keepdim=keepdim, dtype=dtype)


def norm(x, ord=None, dim=None, keepdim: bool = False, *, dtype=None):
    """The 2-norm by default (the Frobenius norm of a matrix); ``ord`` as in `vector_norm`."""
    return _norm(x, p=2 if ord is None else ord, dim=dim, keepdim=keepdim, dtype=dtype)


__all__ = ["vector_norm", "norm", "matmul"]
