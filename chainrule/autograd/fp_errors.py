"""NumPy's floating-point warnings, silenced while chainrule's ops compute (as PyTorch is silent).

``log(0)`` is ``-inf``, ``0/0`` and ``inf * 0`` are ``nan``: correct IEEE results, the same
numbers PyTorch gives, yet NumPy would print "RuntimeWarning: divide by zero encountered in log"
for each — or raise, in programs that turn warnings into errors (``python -W error``,
``pytest -W error``). Every op's forward and every backward pass run with NumPy's error handling
set to ignore, for their own duration only: the user's NumPy calls elsewhere keep the user's
settings (hooks called during backward run inside the pass, so they run quiet too).

Usage (the hot path calls the two functions directly)::

    token = set_state(QUIET)
    try:
        ...  # NumPy work
    finally:
        reset_state(token)

``np.errstate`` costs about 1 µs, half of a whole recorded op. NumPy 2 keeps the error state in
a context variable (what np.errstate sets): setting it directly costs ~0.1 µs. With NumPy 1,
`np.seterr` does the same job more slowly.
"""

from __future__ import annotations

import numpy as np

try:  # NumPy >= 2
    from numpy._core._multiarray_umath import _extobj_contextvar, _make_extobj

    QUIET = _make_extobj(all="ignore")
    set_state = _extobj_contextvar.set  # returns a token for reset_state
    reset_state = _extobj_contextvar.reset

except ImportError:  # pragma: no cover - NumPy 1.x
    QUIET = {"all": "ignore"}

    def set_state(state: dict) -> dict:
        return np.seterr(**state)  # the previous settings serve as the token

    def reset_state(token: dict) -> None:
        np.seterr(**token)
