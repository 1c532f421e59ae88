"""Op-table entries for chainrule/ops/ternary.py: addcmul, addcdiv, lerp (with a tensor or a number
weight on each side of 0.5, where PyTorch's formula changes)."""

import numpy as np

from chainrule.testing.op_table import ANY, NONZERO, OpSpec, _binary, uniform

THREE = (((2, 3), (2, 3), (2, 3)), ((), (), ()), ((4,), (), (1,)), ((2, 1), (3,), (2, 3)))

OPS = [
    OpSpec("addcmul", lambda lib, x, a, b: lib.addcmul(x, a, b, value=0.5), lambda x, a, b: x + 0.5 * a * b,
           shapes=THREE, elementwise=True),
    OpSpec("addcmul_default_value", lambda lib, x, a, b: lib.addcmul(x, a, b), lambda x, a, b: x + a * b,
           shapes=THREE[:2], elementwise=True, needs=("addcmul",)),
    OpSpec("addcdiv", lambda lib, x, a, b: lib.addcdiv(x, a, b, value=-0.3), lambda x, a, b: x - 0.3 * a / b,
           shapes=THREE, domains=(ANY, ANY, NONZERO), elementwise=True),
    OpSpec("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), lambda a, b, w: a + w * (b - a), shapes=THREE,
           domains=(ANY, ANY, uniform(-0.5, 1.5)), elementwise=True),
    _binary("lerp_number", lambda a, b: a + 0.3 * (b - a), call=lambda lib, a, b: lib.lerp(a, b, 0.3),
            needs=("lerp",)),
    # from 0.5 up, PyTorch measures from the end: b + (w - 1)(b - a), which is nan at a = 0, b = -inf
    _binary("lerp_number_above_half", lambda a, b: b + (0.8 - 1) * (b - a),
            call=lambda lib, a, b: lib.lerp(a, b, 0.8), needs=("lerp",)),
]
