"""`SGD`: p -= lr * g, with optional momentum, dampening, Nesterov momentum and weight decay."""

from __future__ import annotations

from chainrule.optim.optimizer import Optimizer, check_range, state_tensor


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's update rule.

    With momentum μ: ``buf = μ buf + (1 - dampening) g`` (``buf = g`` on the first step),
    then ``p -= lr * buf`` (or ``lr * (g + μ buf)`` with ``nesterov=True``).

    >>> import chainrule as torch
    >>> w = torch.nn.Parameter(torch.tensor([1.0])); w.grad = torch.tensor([2.0])
    >>> torch.optim.SGD([w], lr=0.1).step(); w.item()
    0.800000011920929
    """

    def __init__(self, params, lr: float = 1e-3, momentum: float = 0.0, dampening: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False, *, maximize: bool = False) -> None:
        check_range("learning rate", lr)
        check_range("momentum value", momentum)
        check_range("weight_decay value", weight_decay)
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                                      nesterov=nesterov, maximize=maximize))

    def _update(self, param, grad, state, group):
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        momentum = group["momentum"]
        if momentum != 0:
            first_step = "momentum_buffer" not in state
            buf = state_tensor(state, "momentum_buffer", param)
            if first_step:
                buf[...] = grad  # the first step uses the gradient itself
            else:
                buf = state["momentum_buffer"]._data
                buf *= momentum
                buf += (1 - group["dampening"]) * grad
            grad = grad + momentum * buf if group["nesterov"] else buf
        param -= group["lr"] * grad
