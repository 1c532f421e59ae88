"""Optimizers and schedulers against PyTorch 2.13.0: 20 steps in float64 agree to 1e-6."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule import optim

torch = pytest.importorskip("torch")

CONFIGS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.005, weight_decay=0.1, maximize=True)),  # small steps: ascent is chaotic here
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.05)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.002, maximize=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.02, weight_decay=0.3, amsgrad=True)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ("RMSprop", dict(lr=0.01, centered=True)),
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.01, weight_decay=0.05, initial_accumulator_value=0.1)),
]


def _problem(seed: int = 0):
    """Two parameters and a non-quadratic loss whose gradients change from step to step."""
    rng = np.random.default_rng(seed)
    return [rng.normal(size=(3, 4)), rng.normal(size=(4,))]


def _loss(lib, w, b):
    return ((w.tanh() * 1.5 + b) ** 2).sum() + (w * b).sin().sum()


def _run(lib, optimizer_cls, params_np, kwargs, steps=20):
    params = [lib.tensor(p.copy(), requires_grad=True) for p in params_np]
    opt = optimizer_cls(params, **kwargs)
    for _ in range(steps):
        opt.zero_grad()
        _loss(lib, *params).backward()
        opt.step()
    return params, opt


@pytest.mark.parametrize("name,kwargs", CONFIGS, ids=[f"{n}-{k}" for n, k in CONFIGS])
def test_twenty_steps_match_torch(name, kwargs):
    params_np = _problem()
    ours, _ = _run(chainrule, getattr(optim, name), params_np, kwargs)
    theirs, _ = _run(torch, getattr(torch.optim, name), params_np, kwargs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-6, atol=1e-6)
        assert a.dtype == chainrule.float64


@pytest.mark.parametrize("name,kwargs", CONFIGS[1:2] + CONFIGS[6:8] + CONFIGS[12:13] + CONFIGS[15:],
                         ids=lambda v: str(v))
def test_state_dict_round_trip_continues_identically(name, kwargs):
    params_np = _problem(1)
    reference, _ = _run(chainrule, getattr(optim, name), params_np, kwargs, steps=12)
    # run 5 steps, save, rebuild everything from the saved state, run 7 more
    first, opt = _run(chainrule, getattr(optim, name), params_np, kwargs, steps=5)
    state = opt.state_dict()
    resumed = [chainrule.tensor(p.detach().numpy().copy(), requires_grad=True) for p in first]
    opt2 = getattr(optim, name)(resumed, **kwargs)
    opt2.load_state_dict(state)
    for _ in range(7):
        opt2.zero_grad()
        _loss(chainrule, *resumed).backward()
        opt2.step()
    for a, b in zip(resumed, reference):
        assert np.array_equal(a.detach().numpy(), b.detach().numpy())


def test_state_dict_layout_matches_torch():
    params_np = _problem()
    _, ours = _run(chainrule, optim.Adam, params_np, dict(lr=0.01), steps=2)
    _, theirs = _run(torch, torch.optim.Adam, params_np, dict(lr=0.01), steps=2)
    a, b = ours.state_dict(), theirs.state_dict()
    assert a["param_groups"][0]["params"] == b["param_groups"][0]["params"] == [0, 1]
    assert set(a["state"][0]) == set(b["state"][0]) == {"step", "exp_avg", "exp_avg_sq"}
    assert a["state"][0]["step"].item() == b["state"][0]["step"].item() == 2.0
    assert a["state"][0]["step"].dtype == chainrule.float32


def test_state_dict_is_a_copy_and_mismatch_is_refused():
    w = chainrule.nn.Parameter(chainrule.ones(3))
    opt = optim.Adam([w])
    w.grad = chainrule.ones(3)
    opt.step()
    saved = opt.state_dict()
    opt.step()
    assert saved["state"][0]["step"].item() == 1.0
    other = optim.Adam([chainrule.nn.Parameter(chainrule.ones(4))])
    with pytest.raises(ValueError, match="'exp_avg' has shape \\[3\\] but its parameter has shape \\[4\\]"):
        other.load_state_dict(saved)
    with pytest.raises(ValueError, match="doesn't match the size of optimizer's group"):
        optim.Adam([w, chainrule.nn.Parameter(chainrule.ones(1))]).load_state_dict(saved)


def test_zero_grad_set_to_none_and_to_zeros():
    w = chainrule.nn.Parameter(chainrule.ones(2))
    w.grad = chainrule.ones(2)
    opt = optim.SGD([w], lr=0.1)
    opt.zero_grad(set_to_none=False)
    assert w.grad.tolist() == [0.0, 0.0]
    opt.zero_grad()
    assert w.grad is None
    opt.step()  # no gradient: nothing moves
    assert w.tolist() == [1.0, 1.0]


def test_parameter_groups_have_their_own_learning_rates():
    a, b = chainrule.nn.Parameter(chainrule.ones(1)), chainrule.nn.Parameter(chainrule.ones(1))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    a.grad, b.grad = chainrule.ones(1), chainrule.ones(1)
    opt.step()
    assert a.item() == pytest.approx(0.9) and b.item() == pytest.approx(0.0)
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})


def test_invalid_arguments_are_refused_like_torch():
    w = [chainrule.nn.Parameter(chainrule.ones(1))]
    with pytest.raises(ValueError, match="Invalid learning rate: -1"):
        optim.SGD(w, lr=-1)
    with pytest.raises(ValueError, match="Nesterov momentum requires a momentum and zero dampening"):
        optim.SGD(w, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="Invalid beta parameter at index 1"):
        optim.Adam(w, betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="empty parameter list"):
        optim.Adam([])


def test_repr_lists_each_group():
    opt = optim.SGD([chainrule.nn.Parameter(chainrule.ones(1))], lr=0.1)
    assert repr(opt).startswith("SGD (\nParameter Group 0\n") and "    lr: 0.1" in repr(opt)


SCHEDULES = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=7, eta_min=0.01)),
    ("CosineAnnealingLR", dict(T_max=4)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("LambdaLR", dict(lr_lambda=lambda epoch: 1 / (1 + epoch))),
]


@pytest.mark.parametrize("name,kwargs", SCHEDULES, ids=[s[0] for s in SCHEDULES])
def test_schedules_match_torch(name, kwargs):
    def learning_rates(lib, scheduler_module):
        w = lib.nn.Parameter(lib.ones(1))
        opt = lib.optim.SGD([w], lr=0.5)
        scheduler = getattr(scheduler_module, name)(opt, **kwargs)
        rates = []
        for _ in range(15):
            w.grad = lib.ones(1)
            opt.step()
            scheduler.step()
            rates.append(scheduler.get_last_lr()[0])
        return rates

    ours = learning_rates(chainrule, optim.lr_scheduler)
    theirs = learning_rates(torch, torch.optim.lr_scheduler)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12)


def test_scheduler_state_dict_round_trip():
    w = chainrule.nn.Parameter(chainrule.ones(1))
    opt = optim.SGD([w], lr=1.0)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10)
    for _ in range(4):
        scheduler.step()
    state = scheduler.state_dict()
    opt2 = optim.SGD([w], lr=1.0)
    opt2.param_groups[0]["lr"] = opt.param_groups[0]["lr"]
    scheduler2 = optim.lr_scheduler.CosineAnnealingLR(opt2, T_max=10)
    scheduler2.load_state_dict(state)
    scheduler.step()
    scheduler2.step()
    assert scheduler2.get_last_lr() == scheduler.get_last_lr()
    assert math.isclose(scheduler.get_last_lr()[0], (1 + math.cos(math.pi * 5 / 10)) / 2)
