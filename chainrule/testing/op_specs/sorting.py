"""Op-table entries for chainrule/ops/sorting.py: sort, argsort, msort, topk, kthvalue, median,
nanmedian, mode, unique, nonzero, argwhere, count_nonzero, searchsorted, bucketize.

Values are sampled `distinct` where a gradient is checked: at a tie the picked element (and
so the gradient) jumps under the finite-difference step. Ties and their indices are checked
against torch in tests/tensor/test_sorting.py.
"""

import numpy as np

from chainrule.testing.op_table import REDUCE_SHAPES, OpSpec, distinct

BOUNDARIES = [-1.0, 0.0, 0.5, 1.0]


def _unique(x):
    values, inverse, counts = np.unique(np.round(x), return_inverse=True, return_counts=True)
    return values, inverse.reshape(x.shape), counts


def _lower_median(x, axis=None):
    ordered = np.sort(x, axis=axis) if axis is not None else np.sort(x.reshape(-1))
    n = ordered.shape[-1 if axis is None else axis]
    return np.take(ordered, (n - 1) // 2, axis=-1 if axis is None else axis)


def _boundaries(lib, x):
    return lib.tensor(BOUNDARIES, dtype=x.dtype)


OPS = [
    OpSpec("sort", lambda lib, x: lib.sort(x), lambda x: (np.sort(x, -1), np.argsort(x, -1)) if x.ndim else (x, 0),
           shapes=REDUCE_SHAPES, domains=(distinct(),)),
    OpSpec("sort_descending_stable", lambda lib, x: x.sort(dim=0, descending=True, stable=True),
           lambda x: (-np.sort(-x, 0), np.argsort(-x, 0)), shapes=(((4, 3),),), domains=(distinct(),), needs=("sort",)),
    OpSpec("argsort", lambda lib, x: lib.argsort(x, dim=0, descending=True), lambda x: np.argsort(-x, 0),
           shapes=(((4, 3),), ((5,),)), domains=(distinct(),), differentiable=False),
    OpSpec("msort", lambda lib, x: lib.msort(x), lambda x: np.sort(x, 0), shapes=(((4, 3),), ((5,),)),
           domains=(distinct(),)),
    OpSpec("topk", lambda lib, x: lib.topk(x, 2), lambda x: (-np.sort(-x, -1)[..., :2], np.argsort(-x, -1)[..., :2]),
           shapes=(((3, 4),), ((5,),)), domains=(distinct(),)),
    # unsorted: the order is whatever std::nth_element leaves, so PyTorch is the reference
    OpSpec("topk_smallest_unsorted", lambda lib, x: lib.topk(x, 3, dim=0, largest=False, sorted=False), None,
           shapes=(((5, 3),),), domains=(distinct(),), needs=("topk",)),
    OpSpec("kthvalue", lambda lib, x: lib.kthvalue(x, 2, dim=1, keepdim=True),
           lambda x: (np.sort(x, 1)[:, 1:2], np.argsort(x, 1)[:, 1:2]), shapes=(((3, 4),),), domains=(distinct(),)),
    OpSpec("median", lambda lib, x: x.median(), lambda x: _lower_median(x), shapes=REDUCE_SHAPES,
           domains=(distinct(),)),
    OpSpec("median_dim", lambda lib, x: lib.median(x, 1), None, shapes=(((3, 4),), ((2, 5),)), domains=(distinct(),),
           needs=("median",)),
    OpSpec("nanmedian", lambda lib, x: lib.nanmedian(x), lambda x: _lower_median(x), shapes=REDUCE_SHAPES[:2],
           domains=(distinct(),)),
    OpSpec("nanmedian_dim", lambda lib, x: x.nanmedian(0, keepdim=True), None, shapes=(((4, 3),),),
           domains=(distinct(),), needs=("nanmedian",)),
    # all values distinct: the mode is the smallest, picked once
    OpSpec("mode", lambda lib, x: lib.mode(x, 0), lambda x: (np.min(x, 0), np.argmin(x, 0)), shapes=(((4, 3),),),
           domains=(distinct(),)),
    # unique has no derivative (PyTorch's backward raises), so it sees the values only
    OpSpec("unique", lambda lib, x: lib.unique(x.detach().round(), return_inverse=True, return_counts=True),
           _unique, shapes=(((3, 4),), ((5,),)), differentiable=False),
    OpSpec("unique_dim", lambda lib, x: lib.unique((x.detach() > 0).double(), dim=1, return_counts=True), None,
           shapes=(((2, 9),),), differentiable=False, needs=("unique",)),
    OpSpec("nonzero", lambda lib, x: lib.nonzero(x > 0), lambda x: np.argwhere(x > 0), shapes=(((3, 4),), ((),)),
           differentiable=False),
    OpSpec("nonzero_as_tuple", lambda lib, x: x.gt(0).nonzero(as_tuple=True), lambda x: np.nonzero(x > 0),
           shapes=(((3, 4),),), differentiable=False, needs=("nonzero",)),
    OpSpec("argwhere", lambda lib, x: lib.argwhere(x > 0.5), lambda x: np.argwhere(x > 0.5), shapes=(((3, 4),),),
           differentiable=False),
    OpSpec("count_nonzero", lambda lib, x: lib.count_nonzero(x > 0, dim=1), lambda x: np.count_nonzero(x > 0, 1),
           shapes=(((3, 4),),), differentiable=False),
    OpSpec("searchsorted", lambda lib, x: lib.searchsorted(_boundaries(lib, x), x),
           lambda x: np.searchsorted(BOUNDARIES, x), shapes=(((3, 4),), ((),)), differentiable=False),
    OpSpec("searchsorted_rows", lambda lib, b, x: lib.searchsorted(b.sort().values, x, side="right"),
           lambda b, x: np.stack([np.searchsorted(np.sort(r), v, side="right") for r, v in zip(b, x)]),
           shapes=(((3, 5), (3, 2)),), differentiable=False, needs=("searchsorted",)),
    OpSpec("bucketize", lambda lib, x: lib.bucketize(x, _boundaries(lib, x), right=True),
           lambda x: np.searchsorted(BOUNDARIES, x, side="right"), shapes=(((3, 4),),), differentiable=False),
]
