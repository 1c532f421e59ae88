"""Op-table entries for chainrule/ops/products.py: addmm, addmv, addbmm, baddbmm, tensordot,
inner, vdot, kron, cross, linalg.cross, linalg.multi_dot, chain_matmul."""

import warnings

import numpy as np

from chainrule.testing.op_table import OpSpec

def _chain_matmul(lib, *matrices):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # deprecated in PyTorch, which warns (so does chainrule)
        return lib.chain_matmul(*matrices)


def _tensordot_broadcast(a, b):
    if b.shape[0] == 1:
        a = a.sum(axis=-1, keepdims=True)
    elif a.shape[-1] == 1:
        b = b.sum(axis=0, keepdims=True)
    return np.tensordot(a, b, 1)


def _multi_dot(*arrays):
    return np.linalg.multi_dot(arrays)


OPS = [
    OpSpec("addmm", lambda lib, c, a, b: lib.addmm(c, a, b), lambda c, a, b: c + a @ b,
           shapes=(((3,), (2, 4), (4, 3)), ((2, 3), (2, 4), (4, 3)), ((), (2, 0), (0, 3)))),
    OpSpec("addmm_scaled", lambda lib, c, a, b: c.addmm(a, b, beta=0.5, alpha=-2),
           lambda c, a, b: 0.5 * c + -2 * (a @ b), shapes=(((2, 1), (2, 4), (4, 3)),), needs=("addmm",)),
    OpSpec("addmm_beta_zero", lambda lib, c, a, b: lib.addmm(c, a, b, beta=0), lambda c, a, b: a @ b,
           shapes=(((2, 3), (2, 4), (4, 3)),), needs=("addmm",)),
    OpSpec("addmv", lambda lib, c, a, v: lib.addmv(c, a, v, alpha=3), lambda c, a, v: c + 3 * (a @ v),
           shapes=(((2,), (2, 4), (4,)), ((), (2, 4), (4,)))),
    OpSpec("addbmm", lambda lib, c, a, b: lib.addbmm(c, a, b, beta=2), lambda c, a, b: 2 * c + (a @ b).sum(0),
           shapes=(((2, 3), (5, 2, 4), (5, 4, 3)), ((3,), (2, 2, 4), (2, 4, 3)))),
    OpSpec("baddbmm", lambda lib, c, a, b: lib.baddbmm(c, a, b, alpha=0.5), lambda c, a, b: c + 0.5 * (a @ b),
           shapes=(((5, 2, 3), (5, 2, 4), (5, 4, 3)), ((3,), (2, 2, 4), (2, 4, 3)))),
    # PyTorch's tensordot, inner and multi_dot end in a view of their matrix product: ViewBackward0 in both
    OpSpec("tensordot", lambda lib, a, b: lib.tensordot(a, b), lambda a, b: np.tensordot(a, b),
           shapes=(((2, 3, 4), (3, 4, 5)), ((3, 4), (3, 4)))),
    OpSpec("tensordot_dim_lists", lambda lib, a, b: lib.tensordot(a, b, dims=([1, 0], [0, 1])),
           lambda a, b: np.tensordot(a, b, axes=([1, 0], [0, 1])), shapes=(((2, 3, 4), (3, 2, 5)),),
           needs=("tensordot",)),
    OpSpec("tensordot_outer", lambda lib, a, b: lib.tensordot(a, b, dims=0), lambda a, b: np.tensordot(a, b, 0),
           shapes=(((2, 3), (2,)),), needs=("tensordot",)),
    # a contracted dim of size 1 pairs with any size: PyTorch sums the other tensor over it first
    OpSpec("tensordot_broadcast_dim", lambda lib, a, b: lib.tensordot(a, b, dims=1), _tensordot_broadcast,
           shapes=(((2, 1), (3, 4)), ((2, 3), (1, 4))), needs=("tensordot",)),
    OpSpec("inner", lambda lib, a, b: lib.inner(a, b), np.inner, shapes=(((2, 3), (4, 3)), ((3,), (3,)), ((), (3,)))),
    OpSpec("vdot", lambda lib, a, b: lib.vdot(a, b), np.vdot, shapes=(((3,), (3,)), ((0,), (0,)))),
    OpSpec("kron", lambda lib, a, b: lib.kron(a, b), np.kron, shapes=(((2, 3), (2, 2)), ((2,), (3,)), ((2, 1, 3), (3, 2)),
                                                                      ((), (2,)))),
    OpSpec("cross", lambda lib, a, b: lib.cross(a, b, dim=1), lambda a, b: np.cross(a, b, axis=1),
           shapes=(((2, 3), (2, 3)), ((2, 3), (1, 3)))),
    OpSpec("linalg_cross", lambda lib, a, b: lib.linalg.cross(a, b), np.cross,
           shapes=(((4, 3), (4, 3)), ((3,), (3,)), ((2, 1, 3), (1, 4, 3))), needs=("linalg.cross",)),
    OpSpec("linalg_multi_dot", lambda lib, a, b, c: lib.linalg.multi_dot([a, b, c]), _multi_dot,
           shapes=(((2, 3), (3, 4), (4, 2)), ((3,), (3, 4), (4,)), ((5, 2), (2, 4), (4, 6))),
           needs=("linalg.multi_dot",)),
    OpSpec("linalg_multi_dot_of_four", lambda lib, a, b, c, d: lib.linalg.multi_dot((a, b, c, d)), _multi_dot,
           shapes=(((2, 3), (3, 4), (4, 2), (2, 5)), ((3,), (3, 1), (1, 4), (4, 2))), needs=("linalg.multi_dot",)),
    OpSpec("chain_matmul", lambda lib, a, b, c: _chain_matmul(lib, a, b, c), lambda a, b, c: a @ b @ c,
           shapes=(((2, 3), (3, 4), (4, 2)),)),
    OpSpec("chain_matmul_of_one", lambda lib, a: _chain_matmul(lib, a), np.copy, shapes=(((2, 3),),),
           needs=("chain_matmul",)),
]
