"""Op-table entries for chainrule/ops/splitting.py: tensor_split, hsplit, vsplit, dsplit."""

import numpy as np

from chainrule.testing.op_table import OpSpec

OPS = [
    OpSpec("tensor_split", lambda lib, x: lib.tensor_split(x, 3, dim=1), lambda x: tuple(np.array_split(x, 3, 1)),
           shapes=(((2, 7),), ((2, 2),))),
    OpSpec("tensor_split_indices", lambda lib, x: x.tensor_split([1, 4, 9, -2]),
           lambda x: tuple(np.split(x, [1, 4, 9, x.shape[0] - 2])), shapes=(((7, 2),),), needs=("tensor_split",)),
    OpSpec("tensor_split_index_tensor", lambda lib, x: lib.tensor_split(x, lib.tensor([1, 4]), dim=-1),
           lambda x: tuple(np.split(x, [1, 4], axis=-1)), shapes=(((2, 7),),), needs=("tensor_split",)),
    OpSpec("hsplit", lambda lib, x: lib.hsplit(x, 2), lambda x: tuple(np.hsplit(x, 2)), shapes=(((2, 4),), ((4,),))),
    OpSpec("vsplit", lambda lib, x: x.vsplit([1]), lambda x: tuple(np.vsplit(x, [1])), shapes=(((3, 2),),)),
    OpSpec("dsplit", lambda lib, x: lib.dsplit(x, 2), lambda x: tuple(np.dsplit(x, 2)), shapes=(((2, 1, 4),),)),
]
