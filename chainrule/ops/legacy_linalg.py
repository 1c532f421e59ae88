"""The older top-level factorizations that much existing code still calls: ``torch.svd``,
``torch.qr``, ``torch.cholesky`` and ``torch.logdet``, as thin forms of `chainrule.linalg`'s.

>>> import chainrule as torch
>>> U, S, V = torch.svd(torch.tensor([[3.0, 0.0], [0.0, 2.0]]))
>>> S, torch.logdet(torch.tensor([[2.0, 0.0], [0.0, 3.0]]))
(tensor([3., 2.]), tensor(1.7918))
"""

from __future__ import annotations

from chainrule._tensor import Tensor, tensor_method
from chainrule._user_warnings import warn_at_user
from chainrule.ops import decompositions as linalg
from chainrule.ops.pointwise import where

svd_result = linalg._named_result("svd", ("U", "S", "V"))
qr_result = linalg._named_result("qr", ("Q", "R"))


@tensor_method
def svd(input: Tensor, some: bool = True, compute_uv: bool = True):
    """(U, S, V) with ``input = U diag(S) Vᵀ``: V, not Vh as `linalg.svd` returns; ``some=False``
    gives full square U and V. Without ``compute_uv``, U and V are zero-filled (m, m) and (n, n)
    matrices, as in PyTorch."""
    if not compute_uv:
        m, n = input.shape[-2:]
        batch = tuple(input.shape[:-2])
        return svd_result(input.new_zeros(batch + (m, m)), linalg.svdvals(input), input.new_zeros(batch + (n, n)))
    U, S, Vh = linalg.svd(input, full_matrices=not some)
    return svd_result(U, S, Vh.mH)


@tensor_method
def qr(input: Tensor, some: bool = True):
    """(Q, R); deprecated in PyTorch for ``linalg.qr(input, 'reduced' if some else 'complete')``."""
    warn_at_user(
        "torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a future PyTorch release.\n"
        "The boolean parameter 'some' has been replaced with a string parameter 'mode'.\n"
        "Q, R = torch.qr(A, some)\nshould be replaced with\n"
        "Q, R = torch.linalg.qr(A, 'reduced' if some else 'complete')"
    )
    return qr_result(*linalg.qr(input, "reduced" if some else "complete"))


@tensor_method
def cholesky(input: Tensor, upper: bool = False) -> Tensor:
    """The Cholesky factor; deprecated in PyTorch for ``linalg.cholesky`` (``.mH`` for ``upper``)."""
    warn_at_user(
        "torch.cholesky is deprecated in favor of torch.linalg.cholesky and will be removed in a future PyTorch "
        "release.\nL = torch.cholesky(A)\nshould be replaced with\nL = torch.linalg.cholesky(A)\nand\n"
        "U = torch.cholesky(A, upper=True)\nshould be replaced with\nU = torch.linalg.cholesky(A).mH\n"
        "This transform will produce equivalent results for all valid (symmetric positive definite) inputs."
    )
    linalg._check_matrix(input, "cholesky", square=True, half="cholesky_cpu")
    return _LegacyCholesky.apply(input, upper=bool(upper))


class _LegacyCholesky(linalg.Cholesky):
    backward_name = "CholeskyBackward0"  # torch.cholesky's node (linalg.cholesky's is another)


@tensor_method
def logdet(input: Tensor) -> Tensor:
    """log(det(input)): nan where the determinant is negative (as PyTorch: a where over slogdet)."""
    sign, logabsdet = linalg.slogdet(input)
    return where(sign < 0, float("nan"), logabsdet)
