"""A whole PyTorch-style training loop, run by chainrule and by torch from the same weights."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from tests.nn.torch_compare import assert_close, copy_weights

torch = pytest.importorskip("torch")


def _model(lib):
    nn = lib.nn
    return nn.Sequential(nn.Linear(2, 16), nn.Tanh(), nn.Linear(16, 16), nn.GELU(), nn.LayerNorm(16),
                         nn.Linear(16, 3)).double()


@pytest.mark.parametrize("optimizer,kwargs", [("SGD", dict(lr=0.1, momentum=0.9, nesterov=True)),
                                              ("AdamW", dict(lr=0.01)),
                                              ("RMSprop", dict(lr=0.005, centered=True))])
def test_thirty_steps_of_training_follow_torch(optimizer, kwargs):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 2))
    y = (x[:, 0] * x[:, 1] > 0).astype(np.int64) + (x[:, 0] > 1).astype(np.int64)
    ours, theirs = _model(chainrule), _model(torch)
    copy_weights(ours, theirs)
    opt = getattr(chainrule.optim, optimizer)(ours.parameters(), **kwargs)
    opt_t = getattr(torch.optim, optimizer)(theirs.parameters(), **kwargs)
    schedule = chainrule.optim.lr_scheduler.StepLR(opt, step_size=10, gamma=0.5)
    schedule_t = torch.optim.lr_scheduler.StepLR(opt_t, step_size=10, gamma=0.5)
    losses, losses_t = [], []
    for step in range(30):
        batch = slice(step % 4 * 16, step % 4 * 16 + 16)
        loss = F.cross_entropy(ours(chainrule.tensor(x[batch])), chainrule.tensor(y[batch]), label_smoothing=0.05)
        loss_t = torch.nn.functional.cross_entropy(theirs(torch.tensor(x[batch])), torch.tensor(y[batch]),
                                                   label_smoothing=0.05)
        opt.zero_grad()
        opt_t.zero_grad()
        loss.backward()
        loss_t.backward()
        chainrule.nn.utils.clip_grad_norm_(ours.parameters(), 1.0)
        torch.nn.utils.clip_grad_norm_(theirs.parameters(), 1.0)
        opt.step()
        opt_t.step()
        schedule.step()
        schedule_t.step()
        losses.append(loss.item())
        losses_t.append(loss_t.item())
    np.testing.assert_allclose(losses, losses_t, rtol=1e-8)
    assert losses[-1] < losses[0]
    for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
        assert_close(p, q, 1e-7)
