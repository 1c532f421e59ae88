"""PyTorch's `torch.autograd`: backward, grad, grad modes, custom Functions, Variable."""

from chainrule.autograd.anomaly import detect_anomaly, is_anomaly_enabled, set_detect_anomaly
from chainrule.autograd.engine import backward, grad
from chainrule.autograd.function import Function, FunctionCtx
from chainrule.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck
from chainrule.autograd.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from chainrule.autograd.variable import Variable

__all__ = [
    "Function", "FunctionCtx", "Variable", "backward", "grad", "no_grad", "enable_grad",
    "set_grad_enabled", "inference_mode", "is_grad_enabled", "detect_anomaly",
    "set_detect_anomaly", "is_anomaly_enabled", "functional", "gradcheck", "gradgradcheck", "GradcheckError",
]


def __getattr__(name: str):
    if name == "functional":
        import importlib

        return importlib.import_module(f"chainrule.autograd.{name}")
    raise AttributeError(f"module 'chainrule.autograd' has no attribute {name!r}")
