"""Op-table entries for chainrule/ops/strided_views.py: select, Tensor.unfold."""

import numpy as np

from chainrule.testing.op_table import OpSpec


def _windows(x, dim, size, step):
    return np.lib.stride_tricks.sliding_window_view(x, size, axis=dim)[(slice(None),) * dim + (slice(None, None, step),)]


OPS = [
    OpSpec("select", lambda lib, x: lib.select(x, 1, -1), lambda x: x[:, -1], shapes=(((2, 3),), ((2, 3, 4),))),
    OpSpec("unfold", lambda lib, x: x.unfold(1, 2, 1), lambda x: _windows(x, 1, 2, 1), shapes=(((2, 5),), ((3, 2),))),
    OpSpec("unfold_with_gaps", lambda lib, x: x.unfold(0, 2, 3), lambda x: _windows(x, 0, 2, 3),
           shapes=(((8,),), ((7, 2),)), needs=("unfold",)),
    OpSpec("unfold_overlapping_windows", lambda lib, x: x.unfold(-1, 3, 2), lambda x: _windows(x, x.ndim - 1, 3, 2),
           shapes=(((2, 7),),), needs=("unfold",)),
    OpSpec("unfold_0d", lambda lib, x: x.unfold(0, 1, 1), lambda x: x.reshape(1), shapes=(((),),), needs=("unfold",)),
]
