"""Matrix factorizations and what is built on them: ``torch.linalg`` svd, svdvals, eigh,
eigvalsh, cholesky, qr, det, slogdet, inv and solve (and ``torch.det``, ``torch.inverse``,
``torch.slogdet``).

Each is an `Op`: the forward asks NumPy's LAPACK for the factorization, the backward is
written with Tensor ops (matmul, solve, the factorization's own outputs), so with
``create_graph=True`` it is recorded and can be differentiated again. The derivative
formulas are PyTorch's (``torch/csrc/autograd/FunctionsManual.cpp``), written for real
matrices; each op's docstring gives the idea in one line. Every op works on batches: the
last two dimensions are the matrix, the leading ones a batch.

Ops with several outputs (U, S, Vh) have one node for all of them, as in PyTorch: an output
nobody used reaches backward as zeros, and a backward treats a zero gradient with no
history as "not used" (PyTorch's undefined gradient), which keeps ``svdvals`` and
``eigvalsh`` free of the 1/(s_i^2 - s_j^2) terms that only the singular vectors need.

>>> import chainrule as torch
>>> A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
>>> torch.linalg.det(A)
tensor(5., grad_fn=<LinalgDetBackward0>)
"""

from __future__ import annotations

import operator
import weakref

import numpy as np

from chainrule.autograd import anomaly, grad_mode
from chainrule.autograd.fp_errors import QUIET as _QUIET_FP
from chainrule.autograd.fp_errors import reset_state as _reset_fp_state
from chainrule.autograd.fp_errors import set_state as _set_fp_state
from chainrule.autograd.node import _FREED_MESSAGE, Op, _modified_message, _node_kind, link_inputs
from chainrule.ops._operands import ensure_tensor
from chainrule.ops.linalg import _batch_shape
from chainrule.ops.pointwise import where
from chainrule.ops.reduce import return_types, scalar_type_name
from chainrule.ops.shape import cat
from chainrule._tensor import Tensor, tensor_method


class LinAlgError(RuntimeError):
    """A singular or non-positive-definite input (``torch.linalg.LinAlgError``, a RuntimeError)."""


# ---------------------------------------------------------------------------------------
# results with named fields: torch.return_types.linalg_svd(U=..., S=..., Vh=...)


class _NamedResult(tuple):
    __slots__ = ()
    _fields: tuple = ()

    def __new__(cls, *values):
        return tuple.__new__(cls, values)

    def __repr__(self) -> str:
        body = ",\n".join(f"{name}={value!r}" for name, value in zip(self._fields, self))
        return f"torch.return_types.{type(self).__name__}(\n{body})"


def _named_result(name: str, fields: tuple) -> type:
    attributes = {"__slots__": (), "_fields": fields}
    attributes.update({field: property(operator.itemgetter(i)) for i, field in enumerate(fields)})
    result = type(name, (_NamedResult,), attributes)
    setattr(return_types, name, result)  # torch.return_types.<name>, beside max and min
    return result


linalg_svd = _named_result("linalg_svd", ("U", "S", "Vh"))
linalg_eigh = _named_result("linalg_eigh", ("eigenvalues", "eigenvectors"))
linalg_qr = _named_result("linalg_qr", ("Q", "R"))
linalg_slogdet = _named_result("linalg_slogdet", ("sign", "logabsdet"))
slogdet_result = _named_result("slogdet", ("sign", "logabsdet"))


# ---------------------------------------------------------------------------------------
# input checks, with PyTorch's messages


def _check_matrix(A: Tensor, op: str, *, square: bool, half: str | None = None, unchecked: bool = False) -> None:
    """At least 2-D, square if asked, floating point; ``half`` names the kernel PyTorch lacks
    for float16 (NotImplementedError), otherwise float16 is "Low precision" (RuntimeError).
    ``unchecked``: PyTorch does not check the dtype, so any other dtype meets the missing kernel."""
    a = A._data
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if square and a.shape[-1] != a.shape[-2]:
        raise RuntimeError(
            f"{op}: A must be batches of square matrices, but they are {a.shape[-2]} by {a.shape[-1]} matrices"
        )
    if unchecked and a.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"{half}\" not implemented for '{scalar_type_name(a.dtype)}'")
    if a.dtype.kind != "f":
        raise RuntimeError(
            f"{op}: Expected a floating point or complex tensor as input. Got {scalar_type_name(a.dtype)}"
        )
    if a.dtype == np.float16:
        if half is not None:
            raise NotImplementedError(f"\"{half}\" not implemented for 'Half'")
        raise RuntimeError(f"{op}: Low precision dtypes not supported. Got Half")


def _batch_prefix(batched: bool, index: int) -> str:
    """PyTorch names the failing matrix of a batch by its flat index."""
    return f"(Batch element {index}): " if batched else ""


def _matrices(a: np.ndarray) -> np.ndarray:
    """The batch as one flat list of matrices."""
    return a.reshape((-1,) + a.shape[-2:])


def _has_non_finite(a: np.ndarray) -> np.ndarray:
    """Per matrix of the batch: whether it holds a nan or an infinity."""
    return ~np.isfinite(a).all(axis=(-2, -1))


# ---------------------------------------------------------------------------------------
# small Tensor helpers for the backward formulas


def _constant(array: np.ndarray) -> Tensor:
    return Tensor._wrap(np.asarray(array))


def _eye(n: int, like: Tensor) -> Tensor:
    return _constant(np.eye(n, dtype=like._data.dtype))


def _diag_embed(v: Tensor) -> Tensor:
    """The vectors on the last axis as diagonal matrices (differentiable in ``v``)."""
    return v.unsqueeze(-1) * _eye(v.shape[-1], v)


def _triangle(X: Tensor, lower: bool, k: int = 0) -> Tensor:
    """``tril(X, k)`` or ``triu(X, k)`` as a masked copy: the other entries are exact zeros."""
    ones = np.ones(X.shape[-2:], dtype=bool)
    mask = np.tril(ones, k) if lower else np.triu(ones, k)
    return where(_constant(mask), X, 0.0)


def _unused(g: Tensor) -> bool:
    """A gradient the engine filled with zeros for an output nobody used (PyTorch passes an
    undefined tensor there). A zero gradient with no history contributes nothing either way."""
    return g.grad_fn is None and not g._requires_grad and not g._data.any()


def _unsqueeze_unless(condition: bool, t: Tensor) -> Tensor:
    return t.unsqueeze(-1) if condition else t


# ---------------------------------------------------------------------------------------
# ops with several outputs


class _Factorization(Op):
    """An op whose forward returns several arrays (U, S, Vh): one node, outputs numbered 0, 1, ...

    The outputs are kept for backward (`outputs()` gives them back as Tensors of this node,
    so a backward using them is differentiated again through this node); each output has
    a version counter, so writing into one in place makes backward raise, as in PyTorch.
    """

    _saved_arrays = None
    _output_versions = ()

    @classmethod
    def apply(cls, *inputs, **params) -> tuple:
        node = object.__new__(cls)
        record = grad_mode.is_grad_enabled() and any(t._requires_grad for t in inputs)
        node._recording = record
        fp_state = _set_fp_state(_QUIET_FP)
        try:
            arrays = node.forward(*inputs, **params)
        finally:
            _reset_fp_state(fp_state)
        if not record:
            return tuple(Tensor._wrap(a) for a in arrays)
        link_inputs(node, inputs)
        if anomaly._enabled:
            node._trace = anomaly.capture_forward_trace()
        node._n_outputs = len(arrays)
        node._out_metas = tuple((a.shape, a.dtype) for a in arrays)
        node._out_shape, node._out_dtype = node._out_metas[0]
        outs = tuple(Tensor._wrap(a, node, nr) for nr, a in enumerate(arrays))
        node._saved_arrays = arrays
        node._output_versions = tuple(out._version_counter for out in outs)
        node._output_ref = weakref.ref(outs[0])
        if node._saved is None:
            node._saved = ()  # something to release after backward
        return outs

    def outputs(self) -> tuple:
        arrays = self._saved_arrays
        if arrays is None:
            raise RuntimeError(_FREED_MESSAGE)
        for nr, counter in enumerate(self._output_versions):
            if counter[0] != 0:
                made_by = f", which is output {nr} of {_node_kind(self)},"
                raise RuntimeError(_modified_message(arrays[nr].dtype, arrays[nr].shape, made_by, counter[0], 0))
        if grad_mode.is_grad_enabled():
            return tuple(Tensor._wrap(a, self, nr) for nr, a in enumerate(arrays))
        return tuple(Tensor._wrap(a) for a in arrays)

    def release(self) -> None:
        super().release()
        self._saved_arrays = None


# ---------------------------------------------------------------------------------------
# svd, svdvals


class Svd(_Factorization):
    """A = U diag(S) Vh. Only S's gradient: U diag(gS) Vh. The singular vectors' gradients
    divide by s_j^2 - s_i^2, so they need distinct singular values (as in PyTorch); with
    ``full_matrices`` the columns of U (rows of Vh) past min(m, n) get no gradient."""

    backward_name = "LinalgSvdBackward0"

    def forward(self, A, full_matrices):
        self.full_matrices = full_matrices
        return _svd_arrays(A._data, full_matrices, compute_uv=True)

    def backward(self, gU, gS, gVh):
        U, S, Vh = self.outputs()
        k = S.shape[-1]
        if self.full_matrices:
            U, Vh, gU, gVh = U[..., :k], Vh[..., :k, :], gU[..., :k], gVh[..., :k, :]
        return svd_backward(None if _unused(gU) else gU, None if _unused(gS) else gS,
                            None if _unused(gVh) else gVh, U, S, Vh)


def svd_backward(gU, gS, gVh, U, S, Vh):
    """dL/dA for A = U diag(S) Vh (reduced), from the gradients of the outputs used (None: unused).

    With E_ij = s_j^2 - s_i^2 (1 on the diagonal) and skew(X) = X - X^T:
    gA = U [(skew(U^T gU) S + S skew(Vh gVh^T)) / E + diag(gS)] Vh, plus the parts of gU
    (gVh) outside the span of U (V) when the matrix is tall (wide).
    """
    m, n = U.shape[-2], Vh.shape[-1]
    if gU is None and gVh is None:
        if gS is None:
            return None
        return U @ (gS.unsqueeze(-1) * Vh) if m >= n else (U * gS.unsqueeze(-2)) @ Vh
    S2 = S * S
    E = S2.unsqueeze(-2) - S2.unsqueeze(-1) + _eye(S.shape[-1], S)
    UhgU = U.mT @ gU - gU.mT @ U if gU is not None else None
    VhgV = Vh @ gVh.mT - gVh @ Vh.mT if gVh is not None else None
    if gU is not None and gVh is not None:
        gA = (UhgU * S.unsqueeze(-2) + S.unsqueeze(-1) * VhgV) / E
    elif gU is not None:
        gA = (UhgU / E) * S.unsqueeze(-2)
    else:
        gA = S.unsqueeze(-1) * (VhgV / E)
    if gS is not None:
        gA = gA + _diag_embed(gS)
    if m > n and gU is not None:
        gUSinv = gU / S.unsqueeze(-2)
        return (U @ gA + gUSinv - U @ (U.mT @ gUSinv)) @ Vh
    if m < n and gVh is not None:
        SinvgVh = gVh / S.unsqueeze(-1)
        return U @ (gA @ Vh + SinvgVh - (SinvgVh @ Vh.mT) @ Vh)
    return U @ (gA @ Vh) if m >= n else (U @ gA) @ Vh


def _svd_arrays(a: np.ndarray, full_matrices: bool, compute_uv: bool):
    m, n = a.shape[-2:]
    if a.size == 0:  # NumPy's LAPACK wrappers refuse some empty shapes; the answer is known
        batch, k = a.shape[:-2], min(m, n)
        S = np.zeros(batch + (k,), dtype=a.dtype)
        if not compute_uv:
            return S
        U = np.broadcast_to(np.eye(m, m if full_matrices else k, dtype=a.dtype), batch + (m, m if full_matrices else k))
        Vh = np.broadcast_to(np.eye(n if full_matrices else k, n, dtype=a.dtype), batch + (n if full_matrices else k, n))
        return U.copy(), S, Vh.copy()
    # LAPACK fails on nan (PyTorch raises), returns nan singular values for an infinite entry
    # (with arbitrary vectors under PyTorch: chainrule gives nan), and NumPy's full SVD of an
    # infinite entry can loop for ever: non-finite matrices never reach it.
    non_finite = _has_non_finite(a)
    if non_finite.any():
        has_nan = np.isnan(_matrices(a)).any(axis=(-2, -1))
        if has_nan.any():
            index = int(np.flatnonzero(has_nan)[0])
            raise LinAlgError(
                f"linalg.svd: {_batch_prefix(a.ndim > 2, index)}The algorithm failed to converge because the input "
                "matrix contained non-finite values."
            )
        a = np.where(non_finite[..., None, None], 0, a)
    if not compute_uv:
        S = np.linalg.svd(a, compute_uv=False)
        return np.where(non_finite[..., None], np.nan, S).astype(a.dtype) if non_finite.any() else S
    arrays = tuple(np.linalg.svd(a, full_matrices=full_matrices))
    if non_finite.any():
        arrays = tuple(np.where(non_finite.reshape(non_finite.shape + (1,) * (x.ndim - non_finite.ndim)), np.nan, x)
                       .astype(a.dtype) for x in arrays)
    return arrays


def _check_driver(driver) -> None:
    if driver is not None:
        raise RuntimeError(
            "torch.linalg.svd: keyword argument `driver=` is only supported on CUDA inputs with cuSOLVER backend."
        )


def svd(A: Tensor, full_matrices: bool = True, *, driver=None):
    """The singular value decomposition A = U @ diag(S) @ Vh, S in descending order.

    ``full_matrices=True`` (the default, as in PyTorch) gives square U and Vh. Singular
    vectors are unique only up to sign: chainrule returns NumPy's LAPACK choice, which can
    differ from the signs of a PyTorch build using MKL; U diag(S) Vh and S are the same.

    >>> import chainrule as torch
    >>> torch.linalg.svd(torch.tensor([[3.0, 0.0], [0.0, -2.0]])).S
    tensor([3., 2.])
    """
    A = ensure_tensor(A, "linalg.svd")
    _check_matrix(A, "linalg.svd", square=False, half="linalg_svd_cpu")
    _check_driver(driver)
    return linalg_svd(*Svd.apply(A, full_matrices=bool(full_matrices)))


def svdvals(A: Tensor, *, driver=None) -> Tensor:
    """The singular values of A, descending; the gradient is U diag(grad) Vh.

    >>> import chainrule as torch
    >>> torch.linalg.svdvals(torch.tensor([[0.0, 2.0], [1.0, 0.0]]))
    tensor([2., 1.])
    """
    A = ensure_tensor(A, "linalg.svd")
    _check_matrix(A, "linalg.svd", square=False, half="linalg_svd_cpu")
    _check_driver(driver)
    if A._requires_grad and grad_mode.is_grad_enabled():
        return Svd.apply(A, full_matrices=False)[1]  # the vectors are needed for the gradient
    return Tensor._wrap(_svd_arrays(A._data, False, compute_uv=False))


# ---------------------------------------------------------------------------------------
# eigh, eigvalsh


class Eigh(_Factorization):
    """A = V diag(L) V^T for symmetric A (read from one triangle). Only L's gradient:
    V diag(gL) V^T; the eigenvectors' gradient divides by l_j - l_i (distinct eigenvalues)."""

    backward_name = "LinalgEighBackward0"

    def forward(self, A, UPLO):
        a = A._data
        if a.size == 0:
            return np.zeros(a.shape[:-1], dtype=a.dtype), np.zeros(a.shape, dtype=a.dtype)
        try:
            return tuple(np.linalg.eigh(a, UPLO=UPLO))
        except np.linalg.LinAlgError:  # nan entries, as a rule (LAPACK does not say which matrix)
            bad = np.flatnonzero(_has_non_finite(_matrices(a)))
            prefix = _batch_prefix(a.ndim > 2, int(bad[0]) if bad.size else 0)
            raise LinAlgError(
                f"linalg.eigh: {prefix}The algorithm failed to converge because the input matrix is ill-conditioned "
                "or has too many repeated eigenvalues."
            ) from None

    def backward(self, gL, gV):
        L, V = self.outputs()
        if _unused(gV):
            return None if _unused(gL) else (V * gL.unsqueeze(-2)) @ V.mT
        VtgV = V.mT @ gV
        E = L.unsqueeze(-2) - L.unsqueeze(-1) + _eye(L.shape[-1], L)
        inner = 0.5 * (VtgV - VtgV.mT) / E  # zero on the diagonal
        if not _unused(gL):
            inner = inner + _diag_embed(gL)
        return V @ (inner @ V.mT)


def eigh(A: Tensor, UPLO: str = "L"):
    """Eigenvalues (ascending) and eigenvectors of symmetric matrices, read from the lower
    (``UPLO='L'``) or upper triangle. The gradient is symmetric, as PyTorch's. Eigenvectors
    are unique only up to sign (NumPy's LAPACK choice; PyTorch's MKL build may differ).

    >>> import chainrule as torch
    >>> torch.linalg.eigh(torch.tensor([[2.0, 1.0], [1.0, 2.0]])).eigenvalues
    tensor([1., 3.])
    """
    A = ensure_tensor(A, "linalg.eigh")
    _check_matrix(A, "linalg.eigh", square=True, half="linalg_eigh_cpu", unchecked=True)
    if UPLO not in ("L", "U", "l", "u"):
        raise RuntimeError(f"Expected UPLO argument to be 'L' or 'U', but got {UPLO}")
    return linalg_eigh(*Eigh.apply(A, UPLO=UPLO.upper()))


def eigvalsh(A: Tensor, UPLO: str = "L") -> Tensor:
    """The eigenvalues of symmetric matrices, ascending; the gradient is V diag(grad) V^T.

    >>> import chainrule as torch
    >>> torch.linalg.eigvalsh(torch.tensor([[2.0, 1.0], [1.0, 2.0]]))
    tensor([1., 3.])
    """
    return eigh(A, UPLO)[0]


# ---------------------------------------------------------------------------------------
# cholesky


class Cholesky(Op):
    """A = L L^T. With P = tril(L^T gL) and its diagonal halved, mirrored to a symmetric
    matrix: gA = L^-T P L^-1 (Iain Murray, 2016; PyTorch's formula)."""

    backward_name = "LinalgCholeskyExBackward0"

    def forward(self, A, upper):
        self.upper = upper
        a = A._data
        # PyTorch reads the triangle it returns: the upper one for upper=True
        factor = _cholesky_lower(np.swapaxes(a, -1, -2) if upper else a)
        return self.save_output(np.swapaxes(factor, -1, -2) if upper else factor)

    def backward(self, grad):
        L = self.output()
        if self.upper:
            L, grad = L.mT, grad.mT
        P = _triangle(L.mT @ grad, lower=True)
        P = 0.5 * (P + _triangle(P, lower=True, k=-1).mT)
        return solve(L, solve(L.mT, P), left=False)


def _cholesky_lower(a: np.ndarray) -> np.ndarray:
    if a.size == 0:
        return np.zeros_like(a)
    try:
        factor = np.linalg.cholesky(a)
        failed = ~np.isfinite(np.diagonal(factor, axis1=-2, axis2=-1)).all(axis=-1)
    except np.linalg.LinAlgError:
        factor, failed = None, None
    if failed is not None and not failed.any():
        return factor
    # LAPACK stops at the first leading minor that is not positive (or is nan): name it
    for index, matrix in enumerate(_matrices(a)):
        order = _first_bad_leading_minor(matrix)
        if order is not None:
            raise LinAlgError(
                f"linalg.cholesky: {_batch_prefix(a.ndim > 2, index)}The factorization could not be completed because the "
                f"input is not positive-definite (the leading minor of order {order} is not positive-definite)."
            )
    raise LinAlgError("linalg.cholesky: The factorization could not be completed because the input is not "
                      f"positive-definite (the leading minor of order {a.shape[-1]} is not positive-definite).")


def _first_bad_leading_minor(a: np.ndarray) -> int | None:
    """The order of the first leading minor whose Cholesky pivot is not positive (1-based)."""
    n = a.shape[-1]
    L = np.zeros_like(a)
    for j in range(n):
        pivot = a[j, j] - L[j, :j] @ L[j, :j]
        if not pivot > 0:  # also catches nan
            return j + 1
        L[j, j] = np.sqrt(pivot)
        L[j + 1:, j] = (a[j + 1:, j] - L[j + 1:, :j] @ L[j, :j]) / L[j, j]
    return None


def cholesky(A: Tensor, *, upper: bool = False) -> Tensor:
    """The Cholesky factor of symmetric positive-definite matrices: A = L L^T (``upper``: U^T U).

    >>> import chainrule as torch
    >>> torch.linalg.cholesky(torch.tensor([[4.0, 2.0], [2.0, 2.0]]))
    tensor([[2., 0.],
            [1., 1.]])
    """
    A = ensure_tensor(A, "linalg.cholesky")
    _check_matrix(A, "linalg.cholesky", square=True, half="cholesky_cpu")
    return Cholesky.apply(A, upper=bool(upper))


# ---------------------------------------------------------------------------------------
# qr

_QR_MODES = ("reduced", "complete", "r")


class Qr(_Factorization):
    """A = Q R with Q orthonormal columns, R upper triangular (Householder, as LAPACK)."""

    backward_name = "LinalgQrBackward0"

    def forward(self, A, mode):
        self.mode = mode
        a = A._data
        if mode == "r":
            return np.empty((0,), dtype=a.dtype), _qr_arrays(a, "r")
        return _qr_arrays(a, mode)

    def backward(self, gQ, gR):
        if self.mode == "r":
            raise RuntimeError(
                "The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use "
                "linalg.qr(A, mode='reduced') if you are going to differentiate through linalg.qr."
            )
        Q, R = self.outputs()
        m, n = Q.shape[-2], R.shape[-1]
        if self.mode == "complete" and m > n:
            raise RuntimeError("The QR decomposition is not differentiable when mode='complete' and nrows > ncols.")
        gQ = None if _unused(gQ) else gQ
        gR = None if _unused(gR) else gR
        return qr_backward(gQ, gR, Q, R)


def qr_backward(gQ, gR, Q, R):
    """dL/dA for A = Q R (PyTorch's formula). Tall or square: with M = gR R^T - Q^T gQ,
    gA = (gQ + Q copyltu(M)) R^-T, copyltu mirroring M's upper triangle to a symmetric matrix.
    Wide: the square leading block of R carries Q's part, and gA gains Q gR."""
    if gQ is None and gR is None:
        return None
    m, n = Q.shape[-2], R.shape[-1]
    if gQ is None:
        M = gR @ R.mT
    elif gR is None:
        M = -(Q.mT @ gQ)
    else:
        M = gR @ R.mT - Q.mT @ gQ
    if m >= n:
        upper = _triangle(M, lower=False)
        gA = Q @ (upper + _triangle(upper, lower=False, k=1).mT)
        if gQ is not None:
            gA = gA + gQ
        return solve(R.mT, gA, left=False)  # gA R^-T
    gA = Q @ _triangle(M.mT - M, lower=True)
    gA = solve(R[..., :m].mT, gA, left=False)
    gA = cat([gA, gA.new_zeros(tuple(gA.shape[:-1]) + (n - m,))], -1)
    return gA + Q @ gR if gR is not None else gA


def _qr_arrays(a: np.ndarray, mode: str):
    m, n = a.shape[-2:]
    if a.size == 0:
        k = m if mode == "complete" else min(m, n)
        R = np.zeros(a.shape[:-2] + (k, n), dtype=a.dtype)
        if mode == "r":
            return R
        Q = np.broadcast_to(np.eye(m, k, dtype=a.dtype), a.shape[:-2] + (m, k)).copy()
        return Q, R
    if mode == "r":
        return np.linalg.qr(a, mode="r")
    return tuple(np.linalg.qr(a, mode=mode))


def qr(A: Tensor, mode: str = "reduced"):
    """Q and R with A = Q R: ``mode`` 'reduced' (Q is m x k), 'complete' (Q is m x m) or 'r'
    (R only; Q is empty and nothing can be differentiated, as in PyTorch).

    >>> import chainrule as torch
    >>> torch.linalg.qr(torch.tensor([[3.0, 1.0], [4.0, 2.0]])).R.abs()
    tensor([[5.0000, 2.2000],
            [0.0000, 0.4000]])
    """
    A = ensure_tensor(A, "linalg.qr")
    if mode not in _QR_MODES:
        raise RuntimeError(
            f"qr received unrecognized mode '{mode}' but expected one of 'reduced' (default), 'r', or 'complete'"
        )
    _check_matrix(A, "linalg.qr", square=False, half="geqrf_cpu")
    return linalg_qr(*Qr.apply(A, mode=mode))


# ---------------------------------------------------------------------------------------
# solve, inv


class Solve(Op):
    """X = A^-1 B (``left``) or B A^-1. gB = A^-T gX (gX A^-T), gA = -gB X^T (-X^T gB)."""

    backward_name = "LinalgSolveExBackward0"

    def forward(self, A, B, left, vector):
        self.save_for_backward(A)
        self.left, self.vector = left, vector
        a, b = A._data, B._data
        if vector:
            b = b[..., None]
        if not left:  # X A = B is A^T X^T = B^T
            a, b = np.swapaxes(a, -1, -2), np.swapaxes(b, -1, -2)
        x = _solve_arrays(a, b, "torch.linalg.solve", _singular_solve_message)
        if not left:
            x = np.swapaxes(x, -1, -2)
        return self.save_output(x[..., 0] if vector else x)

    def backward(self, grad):
        (A,) = self.saved_tensors
        X = _unsqueeze_unless(self.vector, self.output())
        grad = _unsqueeze_unless(self.vector, grad)
        gB = solve(A.mT, grad, left=self.left)
        a_needs, b_needs = (fn is not None for fn in self._fns)
        gA = (-(gB @ X.mT) if self.left else -(X.mT @ gB)) if a_needs else None
        if not b_needs:
            return gA, None
        return gA, (gB[..., 0] if self.vector else gB)


class Inv(Op):
    """A^-1; its gradient is -A^-T grad A^-T (from d(A^-1) = -A^-1 dA A^-1)."""

    backward_name = "LinalgInvExBackward0"

    def forward(self, A):
        a = A._data
        eye = np.broadcast_to(np.eye(a.shape[-1], dtype=a.dtype), a.shape)
        return self.save_output(_solve_arrays(a, eye, "linalg.inv", _singular_inverse_message))

    def backward(self, grad):
        inverse_t = self.output().mT
        return -(inverse_t @ (grad @ inverse_t))


def _singular_solve_message(op: str, prefix: str, zero_pivot: int) -> str:
    return f"{op}: {prefix}The solver failed because the input matrix is singular."


def _singular_inverse_message(op: str, prefix: str, zero_pivot: int) -> str:
    return (f"{op}: {prefix}The diagonal element {zero_pivot} is zero, the inversion could not be completed "
            "because the input matrix is singular.")


def _solve_arrays(a: np.ndarray, b: np.ndarray, op: str, message) -> np.ndarray:
    """A^-1 B over broadcast batches. A singular matrix raises PyTorch's error; a matrix holding
    nan gives nan throughout, as PyTorch's LAPACK does (NumPy's wrapper may call it singular)."""
    batch = _batch_shape(b.shape[:-2], a.shape[:-2])
    if a.size == 0 or b.size == 0:
        return np.zeros(batch + b.shape[-2:], dtype=a.dtype)
    has_nan = np.isnan(a).any(axis=(-2, -1))
    if has_nan.any():
        a = np.where(has_nan[..., None, None], np.eye(a.shape[-1], dtype=a.dtype), a)
    try:
        x = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        pivots = [_first_zero_pivot(matrix) for matrix in _matrices(np.broadcast_to(a, batch + a.shape[-2:]))]
        index = next((i for i, pivot in enumerate(pivots) if pivot is not None), 0)
        raise LinAlgError(message(op, _batch_prefix(bool(batch), index), pivots[index] or a.shape[-1])) from None
    if has_nan.any():
        x = np.where(has_nan[..., None, None], np.nan, x).astype(x.dtype)
    return x


def _first_zero_pivot(a: np.ndarray) -> int | None:
    """LU with partial pivoting, as LAPACK's getrf: the first exactly zero pivot (1-based)."""
    u = a.copy()
    n = u.shape[-1]
    for j in range(n):
        p = j + int(np.argmax(np.abs(u[j:, j])))
        if u[p, j] == 0:
            return j + 1
        u[[j, p]] = u[[p, j]]
        u[j + 1:, j] /= u[j, j]
        u[j + 1:, j + 1:] -= np.outer(u[j + 1:, j], u[j, j + 1:])
    return None


def _is_vector_rhs(A: np.ndarray, B: np.ndarray) -> bool:
    """PyTorch's rule: B is a (batch of) vector(s) if 1-D, or if its shape is A's without the last dim."""
    return B.ndim == 1 or (B.ndim == A.ndim - 1 and B.shape == A.shape[:-1])


def solve(A: Tensor, B: Tensor, *, left: bool = True) -> Tensor:
    """The solution X of A X = B (``left=False``: X A = B), batched and broadcast.

    B may be a vector (or a batch of vectors, shaped like A without its last dimension).

    >>> import chainrule as torch
    >>> torch.linalg.solve(torch.tensor([[2.0, 0.0], [0.0, 4.0]]), torch.tensor([2.0, 2.0]))
    tensor([1.0000, 0.5000])
    """
    op = "linalg.solve"
    A, B = ensure_tensor(A, op), ensure_tensor(B, op)
    a, b = A._data, B._data
    if a.ndim < 2:
        raise RuntimeError(f"{op}: The input tensor A must have at least 2 dimensions.")
    if a.dtype.kind != "f":
        raise RuntimeError(f"{op}: Expected a floating point or complex tensor as input. Got {scalar_type_name(a.dtype)}")
    if b.dtype != a.dtype:
        raise RuntimeError(
            f"{op}: Expected A and B to have the same dtype, but found A of type {scalar_type_name(a.dtype)} and B "
            f"of type {scalar_type_name(b.dtype)} instead"
        )
    vector = _is_vector_rhs(a, b)
    _check_matrix(A, op, square=True, half="lu_cpu")
    if b.ndim == 0:
        raise RuntimeError(f"{op}: The input tensor B must have at least 2 dimensions.")
    rows, columns = (b.shape[-1], 1) if vector else b.shape[-2:]
    if (a.shape[-2] != rows) if left else (a.shape[-1] != columns):
        raise RuntimeError(
            f"{op}: Incompatible shapes of A and B for the equation {'AX = B' if left else 'XA = B'} "
            f"({a.shape[-2]}x{a.shape[-1]} and {rows}x{columns})"
        )
    _batch_shape(b.shape[:-1] if vector else b.shape[:-2], a.shape[:-2])
    if not left and vector:
        raise RuntimeError(
            f"{op}: Vector broadcasting of the left hand side is not supported for left=False. In this case "
            "linalg.solve is equivalent to B / A.squeeze(-1)"
        )
    return Solve.apply(A, B, left=bool(left), vector=vector)


def inv(A: Tensor) -> Tensor:
    """The inverse of square matrices; a singular one raises PyTorch's LinAlgError.

    >>> import chainrule as torch
    >>> torch.linalg.inv(torch.tensor([[2.0, 0.0], [0.0, 4.0]]))
    tensor([[0.5000, 0.0000],
            [0.0000, 0.2500]])
    """
    A = ensure_tensor(A, "linalg.inv")
    _check_matrix(A, "linalg.inv", square=True)
    return Inv.apply(A)


@tensor_method
def inverse(input: Tensor) -> Tensor:
    """``torch.inverse``: the same as `chainrule.linalg.inv`."""
    return inv(input)


# ---------------------------------------------------------------------------------------
# det, slogdet


def _singular(det: np.ndarray) -> np.ndarray:
    """Where PyTorch treats |det| as zero and takes the derivative through the SVD."""
    return np.abs(det) < 100 * np.finfo(det.dtype).eps


class Det(Op):
    """det(A); its gradient is the cofactor matrix det(A) A^-T (Jacobi's formula). For a
    (nearly) singular A, PyTorch's SVD form: det(U) det(Vh) U diag(prod_{j != i} s_j) Vh."""

    backward_name = "LinalgDetBackward0"

    def forward(self, A):
        self.save_for_backward(A)
        a = A._data
        det = np.linalg.det(a) if a.size else np.ones(a.shape[:-2], dtype=a.dtype)
        # NumPy's wrapper answers 0 where LAPACK met a nan pivot; PyTorch's LU gives nan
        det = np.where(np.isnan(a).any(axis=(-2, -1)), np.nan, det).astype(a.dtype)
        return self.save_output(det)

    def backward(self, grad):
        (A,) = self.saved_tensors
        if A._data.size == 0:
            return None
        det = self.output()
        singular = _singular(det._data)
        if not singular.any():
            return _cofactors_by_inverse(A, grad, det)
        if singular.all():
            return _cofactors_by_svd(A, grad, det)
        return _masked_map(singular, _cofactors_by_svd, _cofactors_by_inverse, A, grad, det)


def _cofactors_by_inverse(A: Tensor, grad: Tensor, det: Tensor) -> Tensor:
    return _scaled_inverse_transpose(A, grad * det)


def _scaled_inverse_transpose(A: Tensor, scale: Tensor) -> Tensor:
    """scale A^-T. PyTorch solves A^T G = scale I; the product with the inverse is the same
    up to rounding, and gives PyTorch's nan/inf pattern when A holds an infinity."""
    return scale.unsqueeze(-1).unsqueeze(-1) * inv(A).mT


def _cofactors_by_svd(A: Tensor, grad: Tensor, det: Tensor) -> Tensor:
    U, S, Vh = svd(A)
    n = S.shape[-1]
    orientation = np.sign(np.linalg.det(U._data) * np.linalg.det(Vh._data))  # +-1: U and Vh are orthogonal
    others = np.array([[j for j in range(n) if j != i] for i in range(n)], dtype=np.int64).reshape(n, n - 1)
    products_of_others = S[..., others].prod(-1) if n > 1 else S.new_ones(tuple(S.shape))
    D = (grad * _constant(orientation.astype(A._data.dtype))).unsqueeze(-1) * products_of_others
    return (U * D.unsqueeze(-2)) @ Vh


def _masked_map(mask: np.ndarray, if_true, if_false, A: Tensor, grad: Tensor, det: Tensor) -> Tensor:
    """``if_true`` on the matrices where ``mask`` holds and ``if_false`` on the others
    (PyTorch's masked_fmap): the batch is flattened, split, computed and put back in order."""
    n = A.shape[-1]
    flat_A, flat_grad, flat_det, flat_mask = A.reshape(-1, n, n), grad.reshape(-1), det.reshape(-1), mask.reshape(-1)
    chosen, others = np.flatnonzero(flat_mask), np.flatnonzero(~flat_mask)
    parts = cat([if_true(flat_A[chosen], flat_grad[chosen], flat_det[chosen]),
                 if_false(flat_A[others], flat_grad[others], flat_det[others])], 0)
    order = np.argsort(np.concatenate([chosen, others]))
    return parts[order].reshape(tuple(A.shape))


class Slogdet(_Factorization):
    """(sign(det A), log|det A|); the gradient of log|det A| is A^-T, sign's is zero."""

    backward_name = "LinalgSlogdetBackward0"

    def forward(self, A):
        self.save_for_backward(A)
        a = A._data
        if a.size == 0:
            shape = a.shape[:-2]
            return np.ones(shape, dtype=a.dtype), np.zeros(shape, dtype=a.dtype)
        sign, logabsdet = np.linalg.slogdet(a)
        # a nan pivot: PyTorch's sign of it is 0 and its log nan (NumPy calls the matrix singular)
        nan = np.isnan(a).any(axis=(-2, -1))
        return (np.where(nan, 0, sign).astype(a.dtype), np.where(nan, np.nan, logabsdet).astype(a.dtype))

    def backward(self, g_sign, g_logabsdet):
        (A,) = self.saved_tensors
        if _unused(g_logabsdet) or A._data.size == 0:
            return None
        return _scaled_inverse_transpose(A, g_logabsdet)


def det(A: Tensor) -> Tensor:
    """The determinant of square matrices (batched); differentiable, also where singular.

    >>> import chainrule as torch
    >>> torch.linalg.det(torch.tensor([[2.0, 1.0], [0.0, -3.0]]))
    tensor(-6.)
    """
    A = ensure_tensor(A, "linalg.det")
    _check_matrix(A, "linalg.det", square=True, half="lu_cpu")
    return Det.apply(A)


def slogdet(A: Tensor):
    """(sign, log|det|) of square matrices: the determinant without overflow or underflow.

    >>> import chainrule as torch
    >>> torch.linalg.slogdet(torch.tensor([[-2.0, 0.0], [0.0, 3.0]])).logabsdet
    tensor(1.7918)
    """
    A = ensure_tensor(A, "linalg.slogdet")
    _check_matrix(A, "linalg.slogdet", square=True)
    return linalg_slogdet(*Slogdet.apply(A))


@tensor_method(name="det")
def _det_function(input: Tensor) -> Tensor:
    """``torch.det`` / ``Tensor.det()``: the same as `chainrule.linalg.det`."""
    return det(input)


@tensor_method(name="slogdet")
def _slogdet_function(input: Tensor):
    """``torch.slogdet`` / ``Tensor.slogdet()``: `chainrule.linalg.slogdet` as ``torch.return_types.slogdet``."""
    return slogdet_result(*slogdet(input))


__all__ = ["LinAlgError", "svd", "svdvals", "eigh", "eigvalsh", "cholesky", "qr", "solve", "inv", "inverse",
           "det", "slogdet"]
