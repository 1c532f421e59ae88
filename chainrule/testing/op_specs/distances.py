"""Op-table entries for chainrule/ops/distances.py: cdist for several p, both ways of computing p = 2.

PyTorch's cdist has no second derivative (its backward is not differentiable), so the
entries compared with PyTorch skip it; chainrule's backward is differentiable, and the
``*_second_derivative`` entries check it against finite differences instead.
"""

import math

import numpy as np

from chainrule.testing.op_table import OpSpec, distinct

# distinct coordinates: no difference is near 0 (|d|^(p-1) and sign(d) are smooth there),
# so no two |d| tie either for p = inf
APART = (distinct(-2.0, 2.0), distinct(-1.93, 2.07))


def _cdist(p):
    def reference(a, b):
        magnitudes = np.abs(a[..., :, None, :] - b[..., None, :, :])
        if p == 0:
            return np.count_nonzero(magnitudes, axis=-1).astype(float)
        if math.isinf(p):
            return magnitudes.max(axis=-1)
        return (magnitudes ** p).sum(axis=-1) ** (1 / p)

    return reference


def _spec(name, p, shapes, **flags):
    return OpSpec(name, lambda lib, a, b: lib.cdist(a, b, p=p), _cdist(p), shapes=shapes, domains=APART,
                  needs=("cdist",), **flags)


TWO = (((4, 3), (5, 3)), ((2, 4, 3), (5, 3)), ((2, 1, 4, 3), (3, 5, 3)), ((0, 3), (2, 3)), ((2, 0), (3, 0)))

OPS = [
    _spec("cdist", 2.0, TWO, second_derivative=False),
    _spec("cdist_second_derivative", 2.0, TWO[:3], torch=False),
    _spec("cdist_p1", 1.0, TWO[:2], second_derivative=False),
    _spec("cdist_p0", 0.0, TWO[:2], second_derivative=False),
    _spec("cdist_p_inf", math.inf, TWO[:2], second_derivative=False),
    _spec("cdist_p3", 3.0, TWO[:2], second_derivative=False),
    _spec("cdist_p3_second_derivative", 3.0, TWO[:1], torch=False),
    _spec("cdist_p_half", 0.5, TWO[:2], second_derivative=False),
    _spec("cdist_p_1_5_second_derivative", 1.5, TWO[:1], torch=False),
    # more than 25 rows: PyTorch (and chainrule) use |a|^2 - 2 a.b + |b|^2, differentiable twice
    _spec("cdist_by_matmul", 2.0, (((26, 2), (3, 2)), ((2, 1, 26, 2), (3, 2, 2)))),
    OpSpec("cdist_by_matmul_asked", lambda lib, a, b: lib.cdist(a, b, compute_mode="use_mm_for_euclid_dist"),
           _cdist(2.0), shapes=(((4, 3), (5, 3)),), domains=APART, needs=("cdist",)),
]
