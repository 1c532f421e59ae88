"""Anomaly detection: find the forward line behind a NaN in backward.

With `detect_anomaly()` on, every node remembers the stack of the forward call that created
it; when a backward function returns NaN, the error names the node and shows that stack,
as PyTorch does.
"""

from __future__ import annotations

import traceback
import warnings
from typing import Any

import numpy as np

_enabled = False


def capture_forward_trace() -> list[str]:
    # Drop chainrule's own frames so the trace ends at the user's line.
    return [line for line in traceback.format_stack()[:-3]]


def check_gradient(node: Any, index: int, grad: Any) -> None:
    data = grad._data
    if data.dtype.kind == "f" and np.isnan(data).any():
        trace = "".join(node._trace) if node._trace else "(no forward trace recorded)\n"
        warnings.warn(
            f"Error detected in {node.name()}. Traceback of forward call that caused the error:\n{trace}",
            RuntimeWarning,
            stacklevel=2,
        )
        raise RuntimeError(f"Function '{node.name()}' returned nan values in its {index}th output.")


def is_anomaly_enabled() -> bool:
    return _enabled


def set_detect_anomaly(mode: bool) -> "set_detect_anomaly":
    return set_detect_anomaly_ctx(mode)


class set_detect_anomaly_ctx:
    """`set_detect_anomaly(True)`: a call that takes effect at once, or a context manager."""

    def __init__(self, mode: bool) -> None:
        global _enabled
        self._previous = _enabled
        _enabled = bool(mode)

    def __enter__(self) -> None:
        pass

    def __exit__(self, *exc: Any) -> None:
        global _enabled
        _enabled = self._previous


class detect_anomaly:
    """Context manager (and decorator) turning anomaly detection on, as `torch.autograd.detect_anomaly`."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan

    def __enter__(self) -> None:
        global _enabled
        self._previous = _enabled
        _enabled = self.check_nan
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should only "
            "be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __exit__(self, *exc: Any) -> None:
        global _enabled
        _enabled = self._previous

    def __call__(self, func):
        import functools

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            with detect_anomaly(self.check_nan):
                return func(*args, **kwargs)

        return wrapper
