"""Anomaly detection: find the forward line behind a NaN in backward.

With `detect_anomaly()` on, every node remembers the stack of the forward call that created
it; when a backward function returns NaN, the error names the node and shows that stack,
as PyTorch does::

    with chainrule.autograd.detect_anomaly():
        y = x.sqrt() * 0          # sqrt'(0) = inf, and inf * 0 = nan in backward
        y.sum().backward()        # UserWarning: Error detected in SqrtBackward0. Traceback of
                                  # forward call that caused the error: ... y = x.sqrt() * 0
                                  # RuntimeError: Function 'SqrtBackward0' returned nan values
                                  # in its 0th output.

Like PyTorch's, the switch is global (all threads), not thread-local.
"""

from __future__ import annotations

import functools
import os
import traceback
import warnings
from typing import Any, Callable

import numpy as np

_enabled = False  # record forward traces (and check, when _check_nan)
_check_nan = True

# Frames of the op machinery itself end every captured stack; the user's line comes before them.
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_MACHINERY = tuple(os.path.join(_PACKAGE_DIR, part) for part in ("autograd" + os.sep, "ops" + os.sep, "_tensor.py"))


def capture_forward_trace() -> list[str]:
    """The formatted stack of the current forward call, without chainrule's op machinery at its end."""
    frames = traceback.extract_stack()[:-1]  # drop this function's own frame
    while frames and os.path.abspath(frames[-1].filename).startswith(_MACHINERY):
        frames.pop()
    return traceback.format_list(frames)


def check_gradient(node: Any, index: int, grad: Any) -> None:
    """Raise, with the forward traceback of ``node``, when its ``index``-th gradient holds NaN."""
    if not _check_nan:
        return
    data = grad._data
    if data.dtype.kind == "f" and np.isnan(data).any():
        trace = "".join(node._trace) if node._trace else "(no forward trace recorded for this node)\n"
        warnings.warn(
            f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{trace}",
            UserWarning,
            stacklevel=2,
        )
        raise RuntimeError(f"Function '{node.name()}' returned nan values in its {index}th output.")


def is_anomaly_enabled() -> bool:
    return _enabled


def is_anomaly_check_nan_enabled() -> bool:
    return _enabled and _check_nan


def _set(mode: bool, check_nan: bool) -> tuple[bool, bool]:
    global _enabled, _check_nan
    previous = (_enabled, _check_nan)
    _enabled, _check_nan = bool(mode), bool(check_nan)
    return previous


class set_detect_anomaly:
    """``set_detect_anomaly(True)`` takes effect at once; ``with set_detect_anomaly(False):`` restores on exit.

    >>> import chainrule.autograd as autograd
    >>> with autograd.set_detect_anomaly(True):
    ...     autograd.is_anomaly_enabled()
    True
    >>> autograd.is_anomaly_enabled()
    False
    """

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = _set(mode, check_nan)

    def __enter__(self) -> None:
        """Nothing to do: the call itself switched the mode; leaving the block restores it."""

    def __exit__(self, *exc: Any) -> None:
        _set(*self._previous)


class detect_anomaly:
    """Context manager (and decorator) turning anomaly detection on, as `torch.autograd.detect_anomaly`.

    ``check_nan=False`` keeps the forward traces without checking gradients for NaN.
    """

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )
        self._previous = _set(True, self.check_nan)

    def __exit__(self, *exc: Any) -> None:
        _set(*self._previous)

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper
