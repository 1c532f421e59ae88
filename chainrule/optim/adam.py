"""`Adam` and `AdamW`: steps scaled by running averages of the gradient and its square."""

from __future__ import annotations

import math

import numpy as np

from chainrule.optim.optimizer import Optimizer, check_range, next_step, state_tensor


class Adam(Optimizer):
    """Adam (Kingma & Ba), PyTorch's update rule.

    m = β1 m + (1-β1) g;  v = β2 v + (1-β2) g²;
    p -= lr / (1-β1^t) * m / (sqrt(v) / sqrt(1-β2^t) + eps)

    ``weight_decay`` adds ``weight_decay * p`` to the gradient (L2); `AdamW` instead
    shrinks the weights directly.

    >>> import chainrule as torch
    >>> w = torch.nn.Parameter(torch.tensor([1.0])); w.grad = torch.tensor([2.0])
    >>> torch.optim.Adam([w], lr=0.1).step(); round(w.item(), 6)
    0.9
    """

    decoupled_weight_decay = False

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False) -> None:
        check_range("learning rate", lr)
        check_range("epsilon value", eps)
        check_range("beta parameter at index 0", betas[0], 0.0, 1.0)
        check_range("beta parameter at index 1", betas[1], 0.0, 1.0)
        check_range("weight_decay value", weight_decay)
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize))

    def _update(self, param, grad, state, group):
        beta1, beta2 = group["betas"]
        lr, weight_decay = group["lr"], group["weight_decay"]
        step = next_step(state)
        exp_avg = state_tensor(state, "exp_avg", param)
        exp_avg_sq = state_tensor(state, "exp_avg_sq", param)
        if weight_decay != 0:
            if self.decoupled_weight_decay:
                param *= 1 - lr * weight_decay
            else:
                grad = grad + weight_decay * param
        exp_avg += (1 - beta1) * (grad - exp_avg)  # PyTorch's lerp_
        exp_avg_sq *= beta2
        exp_avg_sq += (1 - beta2) * grad * grad
        step_size = lr / (1 - beta1**step)
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        if group["amsgrad"]:
            max_exp_avg_sq = state_tensor(state, "max_exp_avg_sq", param)
            np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
            denom = np.sqrt(max_exp_avg_sq) / bias_correction2_sqrt + group["eps"]
        else:
            denom = np.sqrt(exp_avg_sq) / bias_correction2_sqrt + group["eps"]
        param -= step_size * (exp_avg / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter): ``p *= 1 - lr * weight_decay`` each step."""

    decoupled_weight_decay = True

    def __init__(self, params, lr: float = 1e-3, betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
