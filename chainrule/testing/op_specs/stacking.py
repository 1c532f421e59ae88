"""Op-table entries for chainrule/ops/stacking.py: dstack, column_stack, row_stack, block_diag."""

import numpy as np

from chainrule.testing.op_table import OpSpec


def _block_diag(*blocks):
    blocks = [np.atleast_2d(b) for b in blocks]
    out = np.zeros((sum(b.shape[0] for b in blocks), sum(b.shape[1] for b in blocks)))
    row = col = 0
    for b in blocks:
        out[row:row + b.shape[0], col:col + b.shape[1]] = b
        row, col = row + b.shape[0], col + b.shape[1]
    return out


OPS = [
    OpSpec("dstack", lambda lib, a, b: lib.dstack([a, b]), lambda a, b: np.dstack([a, b]),
           shapes=(((2, 3), (2, 3)), ((3,), (3,)), ((), ()))),
    OpSpec("column_stack", lambda lib, a, b: lib.column_stack([a, b]), lambda a, b: np.column_stack([a, b]),
           shapes=(((3,), (3, 2)), ((), ()))),
    OpSpec("row_stack", lambda lib, a, b: lib.row_stack((a, b)), lambda a, b: np.vstack([a, b]),
           shapes=(((3,), (2, 3)),)),
    OpSpec("block_diag", lambda lib, a, b: lib.block_diag(a, b), _block_diag,
           shapes=(((2, 3), (1, 2)), ((0, 2), (2, 0)))),
    OpSpec("block_diag_of_numbers_and_vectors", lambda lib, a, b, c: lib.block_diag(a, b, c), _block_diag,
           shapes=(((), (2,), (2, 2)),), needs=("block_diag",)),
]
