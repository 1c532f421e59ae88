"""Op-table entries for chainrule/ops/scans.py: cumprod, cummax, cummin, logcumsumexp, diff."""

import numpy as np

from chainrule.testing.op_table import REDUCE_SHAPES, OpSpec, distinct


def with_zeros(rng, shape):
    """Uniform in [-2, 2] with every third element exactly 0 (two zeros in a row of 5):
    cumprod's derivative has to leave the zero out instead of dividing by it."""
    x = rng.uniform(-2.0, 2.0, size=shape)
    x.reshape(-1)[::3] = 0.0
    return x


def _running(pick, x, axis):
    """(values, indices) of a running max/min: ties and repeats point at the latest position."""
    values = pick.accumulate(x, axis=axis)
    positions = np.arange(x.shape[axis]).reshape((-1,) + (1,) * (x.ndim - 1 - axis))
    hits = np.where(x == values, positions, 0)
    return values, np.maximum.accumulate(hits, axis=axis)


OPS = [
    OpSpec("cumprod", lambda lib, x: lib.cumprod(x, 1), lambda x: np.cumprod(x, 1), shapes=REDUCE_SHAPES[:1]),
    OpSpec("cumprod_1d", lambda lib, x: x.cumprod(0), lambda x: np.cumprod(x, 0) if x.ndim else x,
           shapes=(((5,),), ((0,),), ((),)), needs=("cumprod",)),
    OpSpec("cumprod_with_zeros", lambda lib, x: lib.cumprod(x, -1), lambda x: np.cumprod(x, -1),
           shapes=(((5,),), ((2, 6),)), domains=(with_zeros,), needs=("cumprod",)),
    OpSpec("cummax", lambda lib, x: lib.cummax(x, 1), lambda x: _running(np.maximum, x, 1), shapes=(((3, 4),),),
           domains=(distinct(),)),
    OpSpec("cummin", lambda lib, x: x.cummin(0), lambda x: _running(np.minimum, x, 0), shapes=(((4, 3),), ((5,),)),
           domains=(distinct(),)),
    OpSpec("logcumsumexp", lambda lib, x: lib.logcumsumexp(x, 1), lambda x: np.logaddexp.accumulate(x, 1),
           shapes=REDUCE_SHAPES[:1]),
    OpSpec("logcumsumexp_1d", lambda lib, x: x.logcumsumexp(-1), lambda x: np.logaddexp.accumulate(x, -1),
           shapes=(((5,),), ((0,),)), needs=("logcumsumexp",)),
    OpSpec("diff", lambda lib, x: lib.diff(x), lambda x: np.diff(x), shapes=(((3, 4),), ((5,),))),
    OpSpec("diff_twice_with_ends", lambda lib, x, p, a: lib.diff(x, n=2, dim=0, prepend=p, append=a),
           lambda x, p, a: np.diff(x, n=2, axis=0, prepend=p, append=a), shapes=(((3, 4), (1, 4), (2, 4)),),
           needs=("diff",)),
]
