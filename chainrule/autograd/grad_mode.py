"""Grad mode: whether ops record the graph.

Held in a `contextvars.ContextVar`, so it is local to each thread and each asyncio task:
`no_grad()` in one thread never turns gradients off in another.
"""

from __future__ import annotations

import contextvars
import functools
from typing import Any, Callable

_grad_enabled: contextvars.ContextVar[bool] = contextvars.ContextVar("chainrule_grad_enabled", default=True)
_inference: contextvars.ContextVar[bool] = contextvars.ContextVar("chainrule_inference_mode", default=False)

is_grad_enabled = _grad_enabled.get


def is_inference_mode_enabled() -> bool:
    return _inference.get()


class _GradModeContext:
    """Base for context managers that are also decorators, as in PyTorch."""

    _mode: bool

    def __new__(cls, func: Callable | None = None):
        # `@no_grad` without parentheses is allowed, as in PyTorch 2.
        self = super().__new__(cls)
        return self if func is None else self(func)

    def __init__(self, func: Callable | None = None) -> None:
        """Takes ``func`` only so that `__new__` can decorate it; the mode is a class attribute."""

    def __enter__(self) -> None:
        self._token = _grad_enabled.set(self._mode)

    def __exit__(self, *exc: Any) -> None:
        _grad_enabled.reset(self._token)

    def __call__(self, func: Callable) -> Callable:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.__class__():
                return func(*args, **kwargs)

        return wrapper

    def clone(self) -> "_GradModeContext":
        return self.__class__()


class no_grad(_GradModeContext):
    """Ops inside record no graph: for evaluation and for optimizer updates.

    >>> import chainrule as torch
    >>> w = torch.ones(2, requires_grad=True)
    >>> with torch.no_grad():
    ...     y = w * 2
    >>> y.requires_grad
    False
    """

    _mode = False


class enable_grad(_GradModeContext):
    """Turn graph recording back on inside a `no_grad` block."""

    _mode = True


class set_grad_enabled(_GradModeContext):
    """`set_grad_enabled(False)` works as a call, a context manager or a decorator."""

    def __new__(cls, mode: bool):
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        self._mode = bool(mode)
        # Called as a plain function it takes effect at once, as in PyTorch.
        self._previous = _grad_enabled.get()
        _grad_enabled.set(self._mode)

    def __enter__(self) -> None:
        """Nothing to do: the mode was set when the object was made (see __init__)."""

    def __exit__(self, *exc: Any) -> None:
        _grad_enabled.set(self._previous)

    def __call__(self, func: Callable) -> Callable:
        _grad_enabled.set(self._previous)
        mode = self._mode

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with set_grad_enabled(mode):
                return func(*args, **kwargs)

        return wrapper

    def clone(self) -> "set_grad_enabled":
        return set_grad_enabled(self._mode)


class inference_mode(_GradModeContext):
    """Like `no_grad`, for code that will never need gradients (`inference_mode(False)` is a no-op)."""

    def __new__(cls, mode: bool = True):
        return object.__new__(cls)

    def __init__(self, mode: bool = True) -> None:
        self._enabled = bool(mode)

    def __enter__(self) -> None:
        if self._enabled:
            self._token = _grad_enabled.set(False)
            self._itoken = _inference.set(True)

    def __exit__(self, *exc: Any) -> None:
        if self._enabled:
            _grad_enabled.reset(self._token)
            _inference.reset(self._itoken)

    def __call__(self, func: Callable) -> Callable:
        mode = self._enabled

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with inference_mode(mode):
                return func(*args, **kwargs)

        return wrapper

    def clone(self) -> "inference_mode":
        return inference_mode(self._enabled)
