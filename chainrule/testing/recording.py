"""Remember what each new graph node was applied to, and where user code made it.

`gradcheck` uses this to find a culprit: it rebuilds the graph while recording, then
re-checks every op on its own, at the inputs it saw. Recording wraps the op constructors
(`Op.apply`, `Function.apply`, Value's node constructor) only while a recording runs, so
ordinary forward passes pay nothing; and the recorder lives in a context variable, so
other threads pass straight through the wrappers.

>>> import chainrule as torch
>>> from chainrule.testing.recording import recording_nodes
>>> x = torch.ones(2, requires_grad=True)
>>> with recording_nodes() as recorder:
...     y = (x * 2).exp()
>>> [r.node.name() for r in recorder.records][-1]
'ExpBackward0'
"""

from __future__ import annotations

import contextlib
import contextvars
import linecache
import os
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

__all__ = ["NodeRecord", "Recorder", "recording_nodes", "recording_value_sites", "not_recording"]


@dataclass
class NodeRecord:
    """What an op was applied to when the graph was built, to re-run it on its own."""

    node: Any
    apply: Callable  # the op's `apply` (an Op class or a custom Function)
    args: tuple  # Tensors (copied) and other positional arguments
    kwargs: dict
    site: str  # "file.py:12 in f": the innermost frame outside chainrule
    source_line: str


@dataclass
class Recorder:
    """What one recording saw."""

    records: list = field(default_factory=list)  # NodeRecord per tensor-graph node, in creation order
    value_sites: dict = field(default_factory=dict)  # id(Value node) -> (node, site, source line)


_active_recorder: contextvars.ContextVar[Recorder | None] = contextvars.ContextVar("chainrule_recorder", default=None)
_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))  # chainrule/
_patch_lock = threading.Lock()


class _SharedPatch:
    """A patch the first recording installs and the last one removes (recordings may overlap)."""

    def __init__(self, install: Callable[[], None], uninstall: Callable[[], None]) -> None:
        self.install, self.uninstall = install, uninstall
        self.users = 0

    @contextlib.contextmanager
    def held(self):
        with _patch_lock:
            if self.users == 0:
                self.install()
            self.users += 1
        try:
            yield
        finally:
            with _patch_lock:
                self.users -= 1
                if self.users == 0:
                    self.uninstall()


@contextlib.contextmanager
def _recording(patch: _SharedPatch):
    recorder = Recorder()
    with patch.held():
        token = _active_recorder.set(recorder)
        try:
            yield recorder
        finally:
            _active_recorder.reset(token)


def recording_nodes() -> "contextlib.AbstractContextManager[Recorder]":
    """While active (in this thread or task), every new graph node remembers its inputs.

    `Op.apply`, `Function.apply` and every op class's own ``apply`` are wrapped for the
    duration: the engine itself stays free of any bookkeeping cost when no check is running.
    Other threads pass straight through the wrappers, since the recorder lives in a context
    variable. (Code that saved a bound ``apply`` beforehand bypasses the wrapper: its nodes
    are simply not re-checked; the fast ``a + b`` operators look ``apply_binary`` up per call.)
    """
    return _recording(_APPLY_PATCH)


def recording_value_sites() -> "contextlib.AbstractContextManager[Recorder]":
    """While active (in this thread), every new `Value` node remembers where user code made it.

    Value's ops all build their output with ``chainrule.scalar.value._node``; it is wrapped
    for the duration, as `Op.apply` is for tensors.
    """
    return _recording(_VALUE_NODE_PATCH)


# The entry points that make nodes: ``apply``, and ``apply_binary`` (the fast ``a + b`` path).
_APPLY_NAMES = ("apply", "apply_binary")


def _wrap_all_apply() -> None:
    for cls in _classes_with_own_apply():
        for name in _APPLY_NAMES:
            _wrap_apply(cls, name)


def _unwrap_all_apply() -> None:
    for cls in _classes_with_own_apply():
        for name in _APPLY_NAMES:
            wrapped = cls.__dict__.get(name)
            if hasattr(wrapped, "__wrapped_classmethod__"):
                setattr(cls, name, wrapped.__wrapped_classmethod__)


def _wrap_value_node() -> None:
    from chainrule.scalar import value as value_module

    original = value_module._node

    def node_with_site(*args, **kwargs):
        out = original(*args, **kwargs)
        active = _active_recorder.get()
        if active is not None:
            active.value_sites[id(out)] = (out, *_user_site())
        return out

    node_with_site.__wrapped__ = original
    value_module._node = node_with_site


def _unwrap_value_node() -> None:
    from chainrule.scalar import value as value_module

    value_module._node = value_module._node.__wrapped__


_APPLY_PATCH = _SharedPatch(_wrap_all_apply, _unwrap_all_apply)
_VALUE_NODE_PATCH = _SharedPatch(_wrap_value_node, _unwrap_value_node)


def _classes_with_own_apply() -> list:
    """`Op`, `Function` and every subclass that defines its own ``apply`` (MultiOutputOp, ...)."""
    from chainrule.autograd.function import Function
    from chainrule.autograd.node import Op

    found, stack = [], [Op, Function]
    while stack:
        cls = stack.pop()
        if isinstance(cls.__dict__.get("apply"), classmethod) and cls not in found:
            found.append(cls)
        stack.extend(cls.__subclasses__())
    return found


def _wrap_apply(cls, name: str) -> None:
    original = cls.__dict__.get(name)
    if not isinstance(original, classmethod):
        return  # an apply of another shape: its nodes go unrecorded rather than break the check

    def apply(op_cls, *args, **kwargs):
        result = original.__func__(op_cls, *args, **kwargs)
        recorder = _active_recorder.get()
        if recorder is not None:
            first = result[0] if isinstance(result, tuple) and result else result
            node = getattr(first, "grad_fn", None)
            if node is not None and not any(r.node is node for r in recorder.records[-1:]):
                site, line = _user_site()
                recorder.records.append(NodeRecord(node, getattr(op_cls, "apply"), _copy_args(args), dict(kwargs),
                                                   site, line))
        return result

    wrapped = classmethod(apply)
    wrapped.__wrapped_classmethod__ = original  # type: ignore[attr-defined]
    setattr(cls, name, wrapped)


def _copy_args(args: tuple) -> tuple:
    """Inputs as they were at the call (a later in-place change must not alter the re-check)."""
    from chainrule._tensor import Tensor

    copies = []
    for a in args:
        if isinstance(a, Tensor):
            c = Tensor._wrap(np.array(a._data, copy=True))
            c._requires_grad = a._requires_grad
            copies.append(c)
        else:
            copies.append(a)
    return tuple(copies)


def _user_site() -> tuple[str, str]:
    """``file:line in function`` of the innermost frame outside the chainrule package."""
    frame = sys._getframe(2)
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(_PACKAGE_DIR + os.sep):
        frame = frame.f_back
    if frame is None:
        return "", ""
    code = frame.f_code
    line = linecache.getline(code.co_filename, frame.f_lineno).strip()
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}", line


@contextlib.contextmanager
def not_recording():
    """Ops made inside are not recorded (the re-checks themselves build graphs)."""
    token = _active_recorder.set(None)
    try:
        yield
    finally:
        _active_recorder.reset(token)
