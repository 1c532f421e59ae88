"""Op-table entries for chainrule/ops/broadcasting.py: broadcast_to, broadcast_tensors, meshgrid,
cartesian_prod, atleast_1d/2d/3d."""

import numpy as np

from chainrule.testing.op_table import OpSpec


def _cartesian_prod(*vectors):
    return np.stack([grid.ravel() for grid in np.meshgrid(*vectors, indexing="ij")], axis=1)


OPS = [
    OpSpec("broadcast_to", lambda lib, x: lib.broadcast_to(x, (4, 2, 3)), lambda x: np.broadcast_to(x, (4, 2, 3)),
           shapes=(((2, 1),), ((1, 3),), ((2, 3),))),
    OpSpec("broadcast_to_method_keeps_sizes", lambda lib, x: x.broadcast_to((2, -1)),
           lambda x: np.broadcast_to(x, (2,) + x.shape[1:]), shapes=(((1, 3),), ((2, 3),)), needs=("broadcast_to",)),
    OpSpec("broadcast_tensors", lambda lib, a, b: lib.broadcast_tensors(a, b), np.broadcast_arrays,
           shapes=(((2, 1), (3,)), ((), (2,)), ((2, 3), (2, 3)))),
    OpSpec("meshgrid", lambda lib, a, b: lib.meshgrid(a, b, indexing="ij"),
           lambda a, b: tuple(np.meshgrid(a, b, indexing="ij")), shapes=(((3,), (2,)), ((), (2,)))),
    OpSpec("meshgrid_xy", lambda lib, a, b: lib.meshgrid([a, b], indexing="xy"),
           lambda a, b: tuple(np.meshgrid(a, b, indexing="xy")), shapes=(((3,), (2,)),), needs=("meshgrid",)),
    OpSpec("cartesian_prod", lambda lib, a, b: lib.cartesian_prod(a, b), _cartesian_prod,
           shapes=(((3,), (2,)), ((0,), (2,)))),
    OpSpec("atleast_1d", lambda lib, x: lib.atleast_1d(x), np.atleast_1d, shapes=(((),), ((3,),))),
    OpSpec("atleast_2d", lambda lib, x: lib.atleast_2d(x), np.atleast_2d, shapes=(((),), ((3,),), ((2, 3),))),
    OpSpec("atleast_3d", lambda lib, x: lib.atleast_3d(x), np.atleast_3d,
           shapes=(((),), ((3,),), ((2, 3),), ((2, 3, 1, 2),))),
    OpSpec("atleast_2d_several", lambda lib, a, b: lib.atleast_2d(a, b), lambda a, b: tuple(np.atleast_2d(a, b)),
           shapes=(((3,), (2, 2)),), needs=("atleast_2d",)),
]
