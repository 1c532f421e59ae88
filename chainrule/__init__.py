"""chainrule: automatic differentiation you can learn from and use.

Two engines share one graph idea (`chainrule.graph`):

* `chainrule.Value`, a micrograd-style scalar engine on Python floats;
* `chainrule.Tensor`, a NumPy-backed engine whose names behave like PyTorch's,
  so that ``import chainrule as torch`` runs ordinary autograd code.

Public names are loaded on first use (PEP 562), so ``import chainrule`` stays fast
and a missing optional dependency only matters to the feature that needs it.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

# name -> module that defines it
_LAZY: dict[str, str] = {
    # the scalar engine
    "Value": "chainrule.scalar.value",
    "numerical_grad": "chainrule.scalar.numerical",
    # seeing the graph
    "to_dot": "chainrule.viz.dot",
    "draw_dot": "chainrule.viz.dot",
    "explain": "chainrule.viz.explain",
    "chain_paths": "chainrule.viz.explain",
    "explore": "chainrule.viz.html",
}

# the tensor engine
_LAZY.update({
    "Tensor": "chainrule._tensor",
    "Size": "chainrule._tensor",
    "dtype": "chainrule.dtypes",
    "get_default_dtype": "chainrule.dtypes",
    "set_default_dtype": "chainrule.dtypes",
    "promote_types": "chainrule.dtypes",
    "no_grad": "chainrule.autograd.grad_mode",
    "enable_grad": "chainrule.autograd.grad_mode",
    "set_grad_enabled": "chainrule.autograd.grad_mode",
    "inference_mode": "chainrule.autograd.grad_mode",
    "is_grad_enabled": "chainrule.autograd.grad_mode",
    "is_inference_mode_enabled": "chainrule.autograd.grad_mode",
    "set_printoptions": "chainrule._printing",
    "manual_seed": "chainrule.random",
    "seed": "chainrule.random",
    "initial_seed": "chainrule.random",
    "Generator": "chainrule.random",
    "default_generator": "chainrule.random",
    "get_rng_state": "chainrule.random",
    "set_rng_state": "chainrule.random",
    "device": "chainrule._device",
    "cuda": "chainrule._device",
    "is_tensor": "chainrule._tensor",
    "numel": "chainrule._tensor",
    "return_types": "chainrule.ops.reduce",
    "save": "chainrule.io",
    "load": "chainrule.io",
    "broadcast_shapes": "chainrule.ops.broadcasting",
    "finfo": "chainrule.ops.tensor_info",
    "iinfo": "chainrule.ops.tensor_info",
    "is_floating_point": "chainrule.ops.tensor_info",
    "is_complex": "chainrule.ops.tensor_info",
    "range": "chainrule.ops.legacy_range",
})
for _name in ("float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64"):
    _LAZY[_name] = "chainrule.dtypes"
_DTYPE_ALIASES = {"half", "float", "double", "short", "int", "long", "bool"}

_SUBMODULES = {"scalar", "graph", "viz", "autograd", "nn", "optim", "data", "ops", "cli", "dtypes",
               "random", "io", "utils", "testing", "linalg"}


def _tensor_function(name: str) -> Any:
    """chainrule.exp, chainrule.matmul, ...: the functions the op modules register."""
    importlib.import_module("chainrule.ops")
    importlib.import_module("chainrule.factories")
    importlib.import_module("chainrule.random")
    from chainrule._tensor import FUNCTIONS

    return FUNCTIONS.get(name)


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"chainrule.{name}")
    if name in _DTYPE_ALIASES:
        from chainrule.dtypes import ALIASES

        return ALIASES[name]
    module_name = _LAZY.get(name)
    if module_name is None:
        value = _tensor_function(name) if not name.startswith("__") else None
        if value is None:
            raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    else:
        value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    from chainrule._tensor import FUNCTIONS

    _tensor_function("tensor")
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES | _DTYPE_ALIASES | set(FUNCTIONS))
