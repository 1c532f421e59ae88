"""`RMSprop` and `Adagrad`: per-element step sizes from the history of squared gradients."""

from __future__ import annotations

import numpy as np

from chainrule.optim.optimizer import Optimizer, check_range, next_step, state_tensor


class RMSprop(Optimizer):
    """RMSprop, PyTorch's update rule: divide by sqrt of a running mean of g².

    v = α v + (1-α) g²;  p -= lr * g / (sqrt(v) + eps)  (``centered`` subtracts the
    running mean of g squared first; ``momentum`` accumulates the scaled steps).
    """

    def __init__(self, params, lr: float = 1e-2, alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0, centered: bool = False, *, maximize: bool = False) -> None:
        check_range("learning rate", lr)
        check_range("epsilon value", eps)
        check_range("momentum value", momentum)
        check_range("weight_decay value", weight_decay)
        check_range("alpha value", alpha)
        super().__init__(params, dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                                      weight_decay=weight_decay, maximize=maximize))

    def _update(self, param, grad, state, group):
        alpha = group["alpha"]
        next_step(state)
        square_avg = state_tensor(state, "square_avg", param)
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        square_avg *= alpha
        square_avg += (1 - alpha) * grad * grad
        if group["centered"]:
            grad_avg = state_tensor(state, "grad_avg", param)
            grad_avg += (1 - alpha) * (grad - grad_avg)
            avg = np.sqrt(square_avg - grad_avg * grad_avg) + group["eps"]
        else:
            avg = np.sqrt(square_avg) + group["eps"]
        if group["momentum"] > 0:
            buf = state_tensor(state, "momentum_buffer", param)
            buf *= group["momentum"]
            buf += grad / avg
            param -= group["lr"] * buf
        else:
            param -= group["lr"] * (grad / avg)


class Adagrad(Optimizer):
    """Adagrad, PyTorch's update rule: divide by sqrt of the *sum* of all past g².

    s += g²;  p -= lr / (1 + (t-1) lr_decay) * g / (sqrt(s) + eps)
    """

    def __init__(self, params, lr: float = 1e-2, lr_decay: float = 0.0, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0, eps: float = 1e-10, *, maximize: bool = False) -> None:
        check_range("learning rate", lr)
        check_range("lr_decay value", lr_decay)
        check_range("weight_decay value", weight_decay)
        check_range("initial_accumulator_value value", initial_accumulator_value)
        check_range("epsilon value", eps)
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value, maximize=maximize))

    def _update(self, param, grad, state, group):
        step = next_step(state)
        state_sum = state_tensor(state, "sum", param, fill=group["initial_accumulator_value"])
        if group["weight_decay"] != 0:
            grad = grad + group["weight_decay"] * param
        clr = group["lr"] / (1 + (step - 1) * group["lr_decay"])
        state_sum += grad * grad
        param -= clr * (grad / (np.sqrt(state_sum) + group["eps"]))
