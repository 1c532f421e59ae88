"""Op-table entries for chainrule/ops/logexp.py: logarithms and powers in other bases."""

import numpy as np

from chainrule.testing.op_table import ANY, POSITIVE, OpSpec, _binary, _unary

OPS = [
    _unary("log2", np.log2, POSITIVE),
    _unary("log10", np.log10, POSITIVE),
    _unary("exp2", np.exp2),
    _binary("logaddexp", np.logaddexp),
    _binary("logaddexp2", np.logaddexp2),
    _binary("float_power", np.power, domains=(POSITIVE, ANY)),
    OpSpec("float_power_number", lambda lib, x: lib.float_power(x, 3), lambda x: x**3, elementwise=True,
           needs=("float_power",)),
    OpSpec("float_power_number_base", lambda lib, x: lib.float_power(2.5, x), lambda x: 2.5**x, elementwise=True,
           needs=("float_power",)),
    # d/dx x^y at y = 0: PyTorch gives 0 everywhere (pow_backward masks exponent == 0); see KNOWN_FAILURES.
    # Constant in x, like sign: no second derivative to check (and no slope a skewed gradient would change).
    OpSpec("float_power_zero_exponent", lambda lib, x: lib.float_power(x, lib.zeros_like(x)), np.ones_like,
           elementwise=True, second_derivative=False, needs=("float_power",)),
    OpSpec("pow_zero_exponent", lambda lib, x: lib.pow(x, lib.zeros_like(x)), np.ones_like, elementwise=True,
           second_derivative=False, needs=("pow",)),
]
