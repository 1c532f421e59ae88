"""Op-table entries for chainrule/ops/trig.py: hyperbolic and inverse trigonometric functions,
atan2, hypot, sinc and angle conversions (each alias has its own entry: it is its own name)."""

import numpy as np

from chainrule.testing.op_table import ANY, NONZERO, UNIT, _binary, _unary, uniform

ABOVE_ONE = uniform(1.2, 3.0)  # acosh is defined from 1, with an infinite slope there

# the inverse functions, each also under NumPy's name (arcsin for asin), its own entry
INVERSES = {"asin": (np.arcsin, UNIT), "acos": (np.arccos, UNIT), "atan": (np.arctan, ANY),
            "asinh": (np.arcsinh, ANY), "acosh": (np.arccosh, ABOVE_ONE), "atanh": (np.arctanh, UNIT)}

OPS = [
    _unary("sinh", np.sinh),
    _unary("cosh", np.cosh),
    *(_unary(name, reference, domain) for name, (reference, domain) in INVERSES.items()),
    *(_unary("arc" + name[1:], reference, domain) for name, (reference, domain) in INVERSES.items()),
    # atan2 jumps by 2 pi across the negative x axis (y = 0, x < 0): y stays away from 0
    *(_binary(name, np.arctan2, domains=(NONZERO, ANY)) for name in ("atan2", "arctan2")),
    _binary("hypot", np.hypot, domains=(NONZERO, ANY)),  # not differentiable at the origin only
    _unary("sinc", np.sinc, NONZERO),
    _unary("deg2rad", np.deg2rad),
    _unary("rad2deg", np.rad2deg),
]
