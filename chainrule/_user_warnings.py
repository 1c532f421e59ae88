"""Warnings that point at the user's line, however deep inside chainrule they are raised."""

from __future__ import annotations

import sys
import warnings


def warn_at_user(message: str, category: type[Warning] = UserWarning) -> None:
    """`warnings.warn`, attributed to the first calling frame outside the chainrule package.

    A fixed ``stacklevel`` is right for one call path only: ``x.var()`` and ``torch.var_mean(x)``
    reach the same check through different depths.
    """
    # stacklevel 1 is this function's own line, 2 its caller's, and so on outwards.
    frame = sys._getframe(1)
    level = 2
    while frame is not None and _in_chainrule(frame.f_globals.get("__name__", "")):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)


def _in_chainrule(module: str) -> bool:
    return module == "chainrule" or module.startswith("chainrule.")
