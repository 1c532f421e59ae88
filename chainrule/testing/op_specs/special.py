"""Op-table entries for chainrule/ops/special.py: erfinv, logit, xlogy."""

import math

import numpy as np

from chainrule.testing.op_table import ANY, POSITIVE, UNIT, OpSpec, _binary, _unary, away_from, uniform


def _erfinv(y: np.ndarray) -> np.ndarray:
    """erf inverted by bisection on math.erf: slow, simple and accurate to the last bits."""

    def one(v: float) -> float:
        if math.isnan(v) or abs(v) > 1:
            return math.nan
        if abs(v) == 1:
            return math.copysign(math.inf, v)
        low, high = -6.0, 6.0  # erf(±6) rounds to ±1
        for _ in range(200):
            middle = (low + high) / 2
            low, high = (middle, high) if math.erf(middle) < v else (low, middle)
        return (low + high) / 2

    return np.vectorize(one, otypes=[np.float64])(y)


def _logit(x, eps=None):
    if eps is not None:
        x = np.where(x < eps, eps, np.where(x > 1 - eps, 1 - eps, x))
    return np.log(x / (1 - x))


def _xlogy(x, y):
    return np.where(np.isnan(y), np.nan, np.where(x == 0, 0.0, x * np.log(y)))


OPS = [
    _unary("erfinv", _erfinv, UNIT),
    _unary("logit", _logit, uniform(0.1, 0.9)),
    # flat outside [eps, 1 - eps]: samples on both sides, away from the kinks
    _unary("logit_eps", lambda x: _logit(x, 0.2), away_from([0.2, 0.8], low=0.0, high=1.0, gap=0.05),
           call=lambda lib, x: lib.logit(x, eps=0.2), needs=("logit",)),
    _binary("xlogy", _xlogy, domains=(ANY, POSITIVE)),
    OpSpec("xlogy_number_other", lambda lib, x: lib.xlogy(x, 2.5), lambda x: _xlogy(x, 2.5), elementwise=True,
           needs=("xlogy",)),
    OpSpec("xlogy_number_input", lambda lib, y: lib.xlogy(2.5, y), lambda y: _xlogy(2.5, y), domains=(POSITIVE,),
           elementwise=True, needs=("xlogy",)),
]
