"""Op-table entries for chainrule/ops/statistics.py: nansum, nanmean, var_mean, std_mean, aminmax,
quantile, nanquantile, histc, bincount."""

import numpy as np

from chainrule.testing.op_table import REDUCE_SHAPES, OpSpec, distinct, uniform

OPS = [
    OpSpec("nansum", lambda lib, x: lib.nansum(x), np.nansum, shapes=REDUCE_SHAPES),
    OpSpec("nansum_dim", lambda lib, x: x.nansum(1, keepdim=True), lambda x: np.nansum(x, 1, keepdims=True),
           shapes=REDUCE_SHAPES[:1], needs=("nansum",)),
    OpSpec("nanmean", lambda lib, x: lib.nanmean(x, dim=0), lambda x: np.nanmean(x, 0), shapes=REDUCE_SHAPES[:2]),
    OpSpec("var_mean", lambda lib, x: lib.var_mean(x, 1), lambda x: (np.var(x, 1, ddof=1), np.mean(x, 1)),
           shapes=REDUCE_SHAPES[:1]),
    OpSpec("std_mean", lambda lib, x: lib.std_mean(x, dim=0, correction=0, keepdim=True),
           lambda x: (np.std(x, 0, keepdims=True), np.mean(x, 0, keepdims=True)), shapes=REDUCE_SHAPES[:2]),
    OpSpec("aminmax", lambda lib, x: lib.aminmax(x), lambda x: (np.min(x), np.max(x)), shapes=REDUCE_SHAPES,
           domains=(distinct(),), empty_ok=False),
    OpSpec("aminmax_dim", lambda lib, x: x.aminmax(dim=1), lambda x: (np.min(x, 1), np.max(x, 1)),
           shapes=REDUCE_SHAPES[:1], domains=(distinct(),), needs=("aminmax",)),
    OpSpec("quantile", lambda lib, x: lib.quantile(x, 0.3, dim=1), lambda x: np.quantile(x, 0.3, axis=1),
           shapes=REDUCE_SHAPES[:1], domains=(distinct(),)),
    OpSpec("quantile_all", lambda lib, x: x.quantile(0.75), lambda x: np.quantile(x, 0.75), shapes=REDUCE_SHAPES,
           domains=(distinct(),), needs=("quantile",)),
    # q is differentiable too (through the interpolation weight)
    OpSpec("quantile_of_q", lambda lib, x, q: lib.quantile(x, q, dim=0, keepdim=True),
           lambda x, q: np.quantile(x, q, axis=0, keepdims=True), shapes=(((5, 3), (2,)),),
           domains=(distinct(), uniform(0.05, 0.95)), needs=("quantile",)),
    OpSpec("quantile_nearest", lambda lib, x: lib.quantile(x, 0.4, dim=-1, interpolation="nearest"),
           lambda x: np.quantile(x, 0.4, axis=-1, method="nearest"), shapes=(((3, 6),),), domains=(distinct(),),
           needs=("quantile",)),
    OpSpec("nanquantile", lambda lib, x: lib.nanquantile(x, 0.5, dim=0, interpolation="midpoint"),
           lambda x: np.quantile(x, 0.5, axis=0, method="midpoint"), shapes=(((4, 3),),), domains=(distinct(),)),
    OpSpec("histc", lambda lib, x: lib.histc(x, bins=5, min=-1, max=1),
           lambda x: np.histogram(x, 5, range=(-1, 1))[0], shapes=(((3, 4),), ((),)), differentiable=False),
    OpSpec("bincount", lambda lib, x: lib.bincount((x.detach() * 2 + 4).long().reshape(-1), minlength=3),
           lambda x: np.bincount((x * 2 + 4).astype(np.int64).reshape(-1), minlength=3), shapes=(((3, 4),),),
           differentiable=False),
    # casting a tensor that requires grad to an integer dtype gives a tensor without grad, as in
    # torch (quantile's ranks become int64 indices this way)
    OpSpec("long_of_float", lambda lib, x: x.long(), lambda x: x.astype(np.int64), shapes=(((3, 4),),),
           differentiable=False, needs=("long",)),
    OpSpec("bincount_weights", lambda lib, x: lib.bincount(lib.tensor([0, 2, 2, 1]), weights=x.detach()),
           lambda x: np.bincount([0, 2, 2, 1], weights=x), shapes=(((4,),),), differentiable=False,
           needs=("bincount",)),
]
