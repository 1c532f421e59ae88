"""Op-table entries for chainrule/ops/triangular.py: tril, triu, diag, diagonal, diag_embed,
trace, tril_indices, triu_indices."""

import numpy as np

from chainrule.testing.op_table import OpSpec


def _diag_embed(x, offset):
    out = np.zeros(x.shape[:-1] + (x.shape[-1] + abs(offset),) * 2)
    for i in range(x.shape[-1]):
        out[..., i + max(-offset, 0), i + max(offset, 0)] = x[..., i]
    return out


OPS = [
    OpSpec("tril", lambda lib, x: lib.tril(x, -1), lambda x: np.tril(x, -1), shapes=(((3, 4),), ((2, 3, 3),))),
    OpSpec("triu", lambda lib, x: x.triu(1), lambda x: np.triu(x, 1), shapes=(((3, 4),), ((2, 3, 3),))),
    OpSpec("diag", lambda lib, x: lib.diag(x, 1), lambda x: np.diag(x, 1), shapes=(((3,),), ((3, 4),))),
    OpSpec("diagonal", lambda lib, x: lib.diagonal(x, -1, 0, 2), lambda x: np.diagonal(x, -1, 0, 2),
           shapes=(((3, 2, 4),),)),
    OpSpec("diagonal_method", lambda lib, x: x.diagonal(), lambda x: np.diagonal(x), shapes=(((3, 4),),),
           needs=("diagonal",)),
    OpSpec("diag_embed", lambda lib, x: lib.diag_embed(x, -1), lambda x: _diag_embed(x, -1), shapes=(((2, 3),),)),
    OpSpec("trace", lambda lib, x: lib.trace(x), np.trace, shapes=(((3, 4),), ((3, 3),))),
    OpSpec("tril_indices", lambda lib, x: lib.tril_indices(3, 4, -1), lambda x: np.stack(np.tril_indices(3, -1, 4)),
           shapes=(((),),), differentiable=False),
    OpSpec("triu_indices", lambda lib, x: lib.triu_indices(4, 3, 1), lambda x: np.stack(np.triu_indices(4, 1, 3)),
           shapes=(((),),), differentiable=False),
]
