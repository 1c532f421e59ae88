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
    "explore": "chainrule.viz.html",
}

_SUBMODULES = {"scalar", "graph", "viz", "autograd", "nn", "optim", "data", "ops", "cli"}


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"chainrule.{name}")
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    value = getattr(importlib.import_module(module_name), name)
    globals()[name] = value  # later look-ups skip __getattr__
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY) | _SUBMODULES)
