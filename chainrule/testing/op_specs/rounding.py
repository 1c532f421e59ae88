"""Op-table entries for chainrule/ops/rounding.py: sgn, frac, fmod."""

import numpy as np

from chainrule.testing.op_table import NONZERO, NOT_NEAR_INTEGERS, OpSpec, _binary, _unary, away_from, uniform

DIVISOR = uniform(0.75, 0.85)
# fmod(a, b) jumps where a / b is a non-zero integer: a keeps clear of ±b and ±2b
DIVIDEND = away_from([-1.6, -0.8, 0.8, 1.6], low=-2.0, high=2.0, gap=0.12)


def _sgn(x):
    return np.where(np.isnan(x), 0.0, np.sign(x))  # PyTorch: the sign of nan is 0


OPS = [
    _unary("sgn", _sgn, NONZERO, second_derivative=False),
    OpSpec("sgn_bool", lambda lib, x: lib.sgn(x > 0), lambda x: x > 0, differentiable=False, elementwise=True,
           needs=("sgn",)),
    # found while adding sgn: sign crashes on a bool tensor (PyTorch returns it); see KNOWN_FAILURES
    OpSpec("sign_bool", lambda lib, x: lib.sign(x > 0), lambda x: x > 0, differentiable=False, elementwise=True,
           needs=("sign",)),
    _unary("frac", lambda x: x - np.trunc(x), NOT_NEAR_INTEGERS),
    _binary("fmod", np.fmod, domains=(DIVIDEND, DIVISOR)),
    OpSpec("fmod_number", lambda lib, x: lib.fmod(x, 0.8), lambda x: np.fmod(x, 0.8), domains=(DIVIDEND,),
           elementwise=True, needs=("fmod",)),
]
