"""Op-table entries for the older top-level factorizations (torch.svd, qr, cholesky, logdet)."""

from __future__ import annotations

import warnings

import numpy as np

from chainrule.testing.op_table import SPREAD, OpSpec, _column_signs, _positive_definite


def _svd_fixed(lib, A, some=True):
    """torch.svd with each singular pair's sign fixed (LAPACK builds choose signs differently)."""
    U, S, V = lib.svd(A, some=some)
    k = S.shape[-1]
    signs = _column_signs(lib, U[..., :k])
    return U[..., :k] * signs, S, V[..., :k] * signs


def _quietly(call):
    """torch.qr and torch.cholesky warn that they are deprecated (chainrule says the same)."""

    def quiet(lib, *tensors):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            return call(lib, *tensors)

    return quiet


OPS = [
    OpSpec("svd", lambda lib, x: _svd_fixed(lib, x), None, shapes=(((4, 3),), ((2, 3, 5),)), domains=(SPREAD,)),
    OpSpec("svd_full", lambda lib, x: _svd_fixed(lib, x, some=False), None, shapes=(((4, 3),),), domains=(SPREAD,),
           needs=("svd",)),
    OpSpec("qr", _quietly(lambda lib, x: tuple(lib.qr(x))), None, shapes=(((4, 3),), ((3, 3),)), domains=(SPREAD,)),
    OpSpec("cholesky", _quietly(lambda lib, x: lib.cholesky(_positive_definite(lib, x))),
           lambda x: np.linalg.cholesky(x @ np.swapaxes(x, -1, -2) + np.eye(x.shape[-1])), shapes=(((3, 3),),),
           needs=("cholesky", "eye")),
    OpSpec("logdet", lambda lib, x: lib.logdet(_positive_definite(lib, x)),
           lambda x: np.linalg.slogdet(x @ np.swapaxes(x, -1, -2) + np.eye(x.shape[-1]))[1],
           shapes=(((3, 3),), ((2, 4, 4),)), needs=("logdet", "eye")),
]
