"""Every scalar op once, in one table, with points where it is differentiable.

Each case: a name, the op on chainrule Values, the same op on torch tensors, the
number of operands and the points to check. Binary ops with a Python number on one
side are their own cases (``x + 2.0`` and ``2.0 + x`` reach different methods).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class OpCase:
    name: str
    value_fn: Callable  # on chainrule Values
    torch_fn: Callable  # on torch tensors (or the `torch` module's functions)
    points: tuple  # tuples of operands
    domain: tuple = ()  # (low, high) per operand for random points; () means the default range

    def __str__(self) -> str:
        return self.name


POS = (0.3, 1.7, 4.0)
POSITIVE = ((0.05, 5.0),)
ANY = (-2.5, -0.4, 0.6, 3.1)

OP_CASES = [
    OpCase("add", lambda a, b: a + b, lambda a, b: a + b, ((1.5, -2.0), (-0.3, 0.7))),
    OpCase("add_number_right", lambda a: a + 2.5, lambda a: a + 2.5, tuple((x,) for x in ANY)),
    OpCase("add_number_left", lambda a: 2.5 + a, lambda a: 2.5 + a, tuple((x,) for x in ANY)),
    OpCase("sub", lambda a, b: a - b, lambda a, b: a - b, ((1.5, -2.0), (-0.3, 0.7))),
    OpCase("sub_number_right", lambda a: a - 2.5, lambda a: a - 2.5, tuple((x,) for x in ANY)),
    OpCase("sub_number_left", lambda a: 2.5 - a, lambda a: 2.5 - a, tuple((x,) for x in ANY)),
    OpCase("mul", lambda a, b: a * b, lambda a, b: a * b, ((1.5, -2.0), (-0.3, 0.7))),
    OpCase("mul_number_right", lambda a: a * -1.5, lambda a: a * -1.5, tuple((x,) for x in ANY)),
    OpCase("mul_number_left", lambda a: -1.5 * a, lambda a: -1.5 * a, tuple((x,) for x in ANY)),
    OpCase("mul_self", lambda a: a * a, lambda a: a * a, tuple((x,) for x in ANY)),
    OpCase("div", lambda a, b: a / b, lambda a, b: a / b, ((1.5, -2.0), (-0.3, 0.7))),
    OpCase("div_number_right", lambda a: a / 4.0, lambda a: a / 4.0, tuple((x,) for x in ANY)),
    OpCase("div_number_left", lambda a: 4.0 / a, lambda a: 4.0 / a, tuple((x,) for x in ANY)),
    OpCase("neg", lambda a: -a, lambda a: -a, tuple((x,) for x in ANY)),
    OpCase("pow_int", lambda a: a**3, lambda a: a**3, tuple((x,) for x in ANY)),
    OpCase("pow_negative_int", lambda a: a**-2, lambda a: a**-2, tuple((x,) for x in ANY)),
    OpCase("pow_fraction", lambda a: a**0.5, lambda a: a**0.5, tuple((x,) for x in POS), POSITIVE),
    OpCase("pow_number_base", lambda a: 2.0**a, lambda a: 2.0**a, tuple((x,) for x in ANY)),
    OpCase("pow_values", lambda a, b: a**b, lambda a, b: a**b, ((1.5, -2.0), (0.7, 2.5), (3.0, 0.5)), ((0.05, 5.0), (-3.0, 3.0))),
    OpCase("exp", lambda a: a.exp(), lambda a: a.exp(), tuple((x,) for x in ANY)),
    OpCase("log", lambda a: a.log(), lambda a: a.log(), tuple((x,) for x in POS), POSITIVE),
    OpCase("tanh", lambda a: a.tanh(), lambda a: a.tanh(), tuple((x,) for x in ANY)),
    OpCase("sigmoid", lambda a: a.sigmoid(), lambda a: a.sigmoid(), tuple((x,) for x in ANY)),
    OpCase("relu", lambda a: a.relu(), lambda a: a.relu(), tuple((x,) for x in ANY)),
    OpCase("sqrt", lambda a: a.sqrt(), lambda a: a.sqrt(), tuple((x,) for x in POS), POSITIVE),
    OpCase("sin", lambda a: a.sin(), lambda a: a.sin(), tuple((x,) for x in ANY)),
    OpCase("cos", lambda a: a.cos(), lambda a: a.cos(), tuple((x,) for x in ANY)),
    OpCase("abs", lambda a: a.abs(), lambda a: a.abs(), tuple((x,) for x in ANY)),
    OpCase("abs_builtin", lambda a: abs(a), lambda a: abs(a), tuple((x,) for x in ANY)),
]

DEFAULT_RANGE = (-3.0, 3.0)


def operand_ranges(case: OpCase) -> tuple:
    return case.domain or (DEFAULT_RANGE,) * len(case.points[0])


# (case, point) pairs for pytest.mark.parametrize
CASE_POINTS = [(case, point) for case in OP_CASES for point in case.points]
CASE_POINT_IDS = [f"{case.name}{point}" for case, point in CASE_POINTS]
