"""Op-table entries for chainrule/ops/reordering.py: rot90, fliplr, flipud, repeat_interleave."""

import numpy as np

from chainrule.testing.op_table import OpSpec

OPS = [
    OpSpec("rot90", lambda lib, x: lib.rot90(x), np.rot90, shapes=(((2, 3),), ((1, 4),))),
    OpSpec("rot90_twice", lambda lib, x: x.rot90(2), lambda x: np.rot90(x, 2), shapes=(((2, 3),),), needs=("rot90",)),
    OpSpec("rot90_backwards_in_other_dims", lambda lib, x: lib.rot90(x, -1, [2, 1]),
           lambda x: np.rot90(x, -1, (2, 1)), shapes=(((2, 3, 4),),), needs=("rot90",)),
    OpSpec("rot90_full_turn", lambda lib, x: lib.rot90(x, 4), lambda x: x.copy(), shapes=(((2, 3),),),
           needs=("rot90",)),
    OpSpec("fliplr", lambda lib, x: lib.fliplr(x), np.fliplr, shapes=(((2, 3),), ((2, 3, 2),))),
    OpSpec("flipud", lambda lib, x: x.flipud(), np.flipud, shapes=(((2, 3),), ((3,),))),
    OpSpec("repeat_interleave", lambda lib, x: lib.repeat_interleave(x, 2, dim=0), lambda x: np.repeat(x, 2, 0),
           shapes=(((2, 3),), ((3,),))),
    OpSpec("repeat_interleave_flat", lambda lib, x: x.repeat_interleave(3), lambda x: np.repeat(x, 3),
           shapes=(((2, 3),), ((),)), needs=("repeat_interleave",)),
    OpSpec("repeat_interleave_counts", lambda lib, x: lib.repeat_interleave(x, lib.tensor([1, 0, 2]), dim=1),
           lambda x: np.repeat(x, [1, 0, 2], 1), shapes=(((2, 3),),), needs=("repeat_interleave",)),
]
