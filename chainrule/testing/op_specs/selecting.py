"""Op-table entries for chainrule/ops/selecting.py: take, take_along_dim, index_fill, index_copy,
masked_scatter, put."""

import numpy as np

from chainrule.testing.op_table import OpSpec, _index_put

MASK = [[True, False, True], [False, True, True]]


def _masked_scatter(x, mask, source):
    mask = np.broadcast_to(np.array(mask), np.broadcast_shapes(x.shape, np.shape(mask)))
    out = np.broadcast_to(x, mask.shape).copy()
    out[mask] = source.ravel()[:mask.sum()]
    return out


def _put(x, index, source, accumulate=False):
    return _index_put(x.ravel(), np.array(index), source.ravel(), accumulate).reshape(x.shape)


OPS = [
    OpSpec("take", lambda lib, x: lib.take(x, lib.tensor([[0, 5], [5, -1]])), lambda x: np.take(x, [[0, 5], [5, -1]]),
           shapes=(((2, 3),), ((6,),))),
    OpSpec("take_along_dim", lambda lib, x: lib.take_along_dim(x, lib.tensor([[1], [0]]), dim=1),
           lambda x: np.take_along_axis(x, np.array([[1], [0]]), 1), shapes=(((2, 3),),)),
    # indices broadcast against the input and wrap around (3 is row 1 of 2, -1 the last), as in PyTorch
    OpSpec("take_along_dim_wrapping", lambda lib, x: x.take_along_dim(lib.tensor([[3, -1, 0]]), 0),
           lambda x: np.take_along_axis(x, np.array([[3, -1, 0]]) % x.shape[0], 0), shapes=(((2, 3),),),
           needs=("take_along_dim",)),
    OpSpec("take_along_dim_flat", lambda lib, x: lib.take_along_dim(x, lib.tensor([5, 0, 5])),
           lambda x: x.ravel()[[5, 0, 5]], shapes=(((2, 3),),), needs=("take_along_dim",)),
    OpSpec("index_fill", lambda lib, x: lib.index_fill(x, 1, lib.tensor([0, 2]), -1.0),
           lambda x: _index_put(x, (slice(None), [0, 2]), -1.0, False), shapes=(((2, 3),), ((2, 3, 2),))),
    OpSpec("index_fill_tensor_value", lambda lib, x, v: x.index_fill(1, lib.tensor([0, 2, 0]), v),
           lambda x, v: _index_put(x, (slice(None), [0, 2]), v, False), shapes=(((2, 3), ()),), needs=("index_fill",)),
    OpSpec("index_copy", lambda lib, x, s: lib.index_copy(x, 1, lib.tensor([2, 0]), s),
           lambda x, s: _index_put(x, (slice(None), [2, 0]), s, False), shapes=(((2, 3), (2, 2)),)),
    OpSpec("index_copy_0d", lambda lib, x, s: lib.index_copy(x, 0, lib.tensor([0]), s), lambda x, s: s.copy(),
           shapes=(((), ()),), needs=("index_copy",)),
    OpSpec("masked_scatter", lambda lib, x, s: lib.masked_scatter(x, lib.tensor(MASK), s),
           lambda x, s: _masked_scatter(x, MASK, s), shapes=(((2, 3), (6,)), ((2, 3), (2, 3)))),
    OpSpec("masked_scatter_broadcast_mask", lambda lib, x, s: x.masked_scatter(lib.tensor([[True], [False]]), s),
           lambda x, s: _masked_scatter(x, [[True], [False]], s), shapes=(((2, 3), (4,)), ((3,), (7,))),
           needs=("masked_scatter",)),
    OpSpec("put", lambda lib, x, s: lib.put(x, lib.tensor([1, -2]), s), lambda x, s: _put(x, [1, -2], s),
           shapes=(((2, 3), (2,)), ((2, 3), (1, 2)))),
    OpSpec("put_accumulate", lambda lib, x, s: x.put(lib.tensor([1, 1, 5]), s, accumulate=True),
           lambda x, s: _put(x, [1, 1, 5], s, accumulate=True), shapes=(((2, 3), (3,)),), needs=("put",)),
]
