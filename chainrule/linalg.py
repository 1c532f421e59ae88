"""`torch.linalg`: norms, factorizations, determinants, inverses and solvers, each differentiable
(twice, where PyTorch's is) and batched over leading dimensions.

The norms live with the reductions (`chainrule.ops.reduce`), the factorizations and what is
built on them in `chainrule.ops.decompositions`; this module gives them PyTorch's names.

>>> import chainrule as torch
>>> torch.linalg.vector_norm(torch.tensor([3.0, 4.0]))
tensor(5.)
>>> A = torch.tensor([[3.0, 0.0], [0.0, 4.0]])
>>> torch.linalg.norm(A), torch.linalg.norm(A, 2), torch.linalg.norm(A, "nuc")
(tensor(5.), tensor(4.), tensor(7.))
"""

from __future__ import annotations

from chainrule.ops.decompositions import (
    LinAlgError,
    cholesky,
    det,
    eigh,
    eigvalsh,
    inv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
)
from chainrule.ops.linalg import matmul
from chainrule.ops.products import linalg_cross as cross
from chainrule.ops.products import multi_dot
from chainrule.ops.reduce import linalg_norm as norm
from chainrule.ops.reduce import matrix_norm, vector_norm

__all__ = ["LinAlgError", "cholesky", "cross", "det", "eigh", "eigvalsh", "inv", "matmul", "matrix_norm", "multi_dot",
           "norm", "qr", "slogdet", "solve", "svd", "svdvals", "vector_norm"]
