"""Op-table entries for chainrule/ops/nan_aware.py: nan_to_num, fmax, fmin."""

import numpy as np

from chainrule.testing.op_table import OpSpec, _binary, _unary, distinct

OPS = [
    _unary("nan_to_num", np.nan_to_num),
    OpSpec("nan_to_num_values", lambda lib, x: lib.nan_to_num(x, nan=0.5, posinf=2.0, neginf=-3.0),
           lambda x: np.nan_to_num(x, nan=0.5, posinf=2.0, neginf=-3.0), elementwise=True, needs=("nan_to_num",)),
    _binary("fmax", np.fmax, domains=(distinct(-2, 2), distinct(-1.97, 2.03))),
    _binary("fmin", np.fmin, domains=(distinct(-2, 2), distinct(-1.97, 2.03))),
]
