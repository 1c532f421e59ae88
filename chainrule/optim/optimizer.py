"""`Optimizer`: parameter groups, per-parameter state, ``zero_grad``, ``state_dict``.

Subclasses write one method, ``_update(param, grad, state, group)``, on NumPy arrays:
the update of one parameter, following PyTorch's single-tensor implementation line by
line so the numbers agree with PyTorch's. Updates change ``param`` in place and never
enter the autograd graph.
"""

from __future__ import annotations

import copy
from typing import Any, Callable, Iterable

import numpy as np

from chainrule._tensor import Tensor


class Optimizer:
    """Base class: ``step()`` updates every parameter that has a gradient."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Tensor, dict[str, Any]] = {}
        self.param_groups: list[dict[str, Any]] = []
        if isinstance(params, Tensor):
            raise TypeError("params argument given to the optimizer should be an iterable of Tensors or dicts, "
                            f"but got {type(params).__name__}")
        groups = list(params)
        if not groups:
            raise ValueError("optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own options (``{"params": [...], "lr": 0.1}``)."""
        group = dict(param_group)
        params = group["params"]
        group["params"] = [params] if isinstance(params, Tensor) else list(params)
        for param in group["params"]:
            if not isinstance(param, Tensor):
                raise TypeError(f"optimizer can only optimize Tensors, but one of the params is {type(param).__name__}")
            if not param.is_leaf:
                raise ValueError("can't optimize a non-leaf Tensor")
        for name, default in self.defaults.items():
            group.setdefault(name, default)
        existing = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in existing for p in group["params"]):
            raise ValueError("some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Forget every gradient (None by default; zeros with ``set_to_none=False``)."""
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                if set_to_none:
                    param.grad = None
                else:
                    param.grad._data[...] = 0
                    param.grad._bump_version()

    def step(self, closure: Callable[[], Tensor] | None = None) -> Tensor | None:
        """Update every parameter that has a ``.grad``; ``closure`` (if given) recomputes the loss first."""
        loss = None
        if closure is not None:
            from chainrule.autograd.grad_mode import enable_grad

            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for param in group["params"]:
                if param.grad is None:
                    continue
                grad = param.grad._data
                if group.get("maximize", False):
                    grad = -grad
                state = self.state.setdefault(param, {})
                self._update(param._data, grad, state, group)
                param._bump_version()
        return loss

    def _update(self, param: np.ndarray, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError

    # -- saving and loading ------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [indices]}]}``, as PyTorch.

        Parameters are numbered in group order; the tensors in ``state`` are copies.
        """
        index_of: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = []
            for param in group["params"]:
                index_of.setdefault(id(param), len(index_of))
                packed["params"].append(index_of[id(param)])
            groups.append(packed)
        state = {}
        for param, values in self.state.items():
            if id(param) in index_of:
                state[index_of[id(param)]] = {k: _copy_value(v) for k, v in values.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore what `state_dict` returned; the groups must hold parameters of the same shapes."""
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(f"loaded state dict has {len(saved_groups)} parameter groups, this optimizer has "
                             f"{len(self.param_groups)}")
        by_index: dict[int, Tensor] = {}
        for saved, group in zip(saved_groups, self.param_groups):
            if len(saved["params"]) != len(group["params"]):
                raise ValueError(
                    "loaded state dict contains a parameter group that doesn't match the size of optimizer's group "
                    f"({len(saved['params'])} saved parameters, {len(group['params'])} here)"
                )
            by_index.update(zip(saved["params"], group["params"]))
        new_state: dict[Tensor, dict[str, Any]] = {}
        for index, values in state_dict["state"].items():
            param = by_index.get(int(index))
            if param is None:
                raise ValueError(f"optimizer state_dict: state for parameter {index}, which no group holds")
            new_state[param] = {name: _restore_value(name, value, param) for name, value in values.items()}
        self.state = new_state
        for saved, group in zip(saved_groups, self.param_groups):
            for key, value in saved.items():
                if key != "params":
                    group[key] = copy.deepcopy(value)

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        lines.append(")")
        return "\n".join(lines)


def _copy_value(value: Any) -> Any:
    if isinstance(value, Tensor):
        return Tensor._wrap(value._data.copy())
    return copy.deepcopy(value)


def _restore_value(name: str, value: Any, param: Tensor) -> Any:
    """A saved state entry as a fresh tensor; per-element state must match the parameter's shape."""
    if not isinstance(value, Tensor):
        return copy.deepcopy(value)
    array = value._data
    if name != "step":
        if array.shape != param._data.shape:
            raise ValueError(f"optimizer state_dict: '{name}' has shape {list(array.shape)} but its parameter has "
                             f"shape {list(param._data.shape)}")
        array = array.astype(param._data.dtype)  # PyTorch casts floating state to the parameter's dtype
    return Tensor._wrap(np.array(array))


def state_tensor(state: dict, name: str, like: np.ndarray, fill: float = 0.0) -> np.ndarray:
    """The array of state ``name`` (created filled with ``fill`` on first use)."""
    if name not in state:
        state[name] = Tensor._wrap(np.full_like(like, fill))
    return state[name]._data


def next_step(state: dict) -> float:
    """Count this step (kept as a float32 0-d tensor, as PyTorch) and return the new count."""
    if "step" not in state:
        state["step"] = Tensor._wrap(np.zeros((), dtype=np.float32))
    state["step"]._data[...] += 1
    return float(state["step"]._data)


def check_range(name: str, value: float, low: float = 0.0, high: float | None = None) -> None:
    """PyTorch's argument checks: ``Invalid learning rate: -1``."""
    if value < low or (high is not None and value >= high):
        raise ValueError(f"Invalid {name}: {value}")
