"""BatchNorm2d (and F.batch_norm on images) against PyTorch in float64: values, gradients,
second derivatives, running statistics over several steps, state_dict, errors."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.nn.torch_compare import assert_close, copy_weights, to_torch

torch = pytest.importorskip("torch")

OPTIONS = [
    dict(),
    dict(momentum=None),
    dict(momentum=0.3, eps=1e-3),
    dict(affine=False),
    dict(bias=False),
    dict(track_running_stats=False),
    dict(affine=False, track_running_stats=False, momentum=None),
]


def _pair(options, rng):
    ours, theirs = chainrule.nn.BatchNorm2d(3, **options).double(), torch.nn.BatchNorm2d(3, **options).double()
    with chainrule.no_grad():
        for p in ours.parameters():
            p.copy_(chainrule.tensor(rng.normal(size=tuple(p.shape))))
    copy_weights(ours, theirs)
    return ours, theirs


@pytest.mark.parametrize("options", OPTIONS, ids=str)
def test_batch_norm2d_training_steps_then_eval_match_torch(options):
    rng = np.random.default_rng(0)
    ours, theirs = _pair(options, rng)
    for step in range(3):  # several steps: momentum=None averages them all
        x = chainrule.tensor(rng.normal(loc=step, size=(4, 3, 5, 6)), requires_grad=True)
        xt = to_torch(x, requires_grad=True)
        y, yt = ours(x), theirs(xt)
        assert_close(y, yt)
        assert y.grad_fn.name() == type(yt.grad_fn).__name__ == "NativeBatchNormBackward0"
        upstream = rng.normal(size=tuple(yt.shape))
        y.backward(chainrule.tensor(upstream))
        yt.backward(torch.tensor(upstream))
        assert_close(x.grad, xt.grad)
        for (name, p), (_, q) in zip(ours.named_parameters(), theirs.named_parameters()):
            assert_close(p.grad, q.grad)
        for (name, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):
            assert_close(a, b)
    ours.eval()
    theirs.eval()
    x = chainrule.tensor(rng.normal(size=(2, 3, 4, 4)), requires_grad=True)
    xt = to_torch(x, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    y.sum().backward()
    yt.sum().backward()
    assert_close(x.grad, xt.grad)
    if ours.track_running_stats:
        assert ours.num_batches_tracked.item() == 3  # eval mode leaves the statistics alone


def test_batch_norm2d_state_dict_defaults_and_repr_match_torch():
    for options in OPTIONS:
        ours, theirs = chainrule.nn.BatchNorm2d(5, **options), torch.nn.BatchNorm2d(5, **options)
        assert repr(ours) == repr(theirs)
        ours_state, theirs_state = ours.state_dict(), theirs.state_dict()
        assert list(ours_state) == list(theirs_state)
        for name, value in theirs_state.items():
            assert tuple(ours_state[name].shape) == tuple(value.shape), name
            assert str(ours_state[name].dtype) == str(value.dtype), name
            assert_close(ours_state[name], value, 0)
    ours = chainrule.nn.BatchNorm2d(2)
    ours(chainrule.randn(3, 2, 2, 2))
    ours.reset_running_stats()
    assert ours.num_batches_tracked.item() == 0 and ours.running_var.tolist() == [1.0, 1.0]


def test_batch_norm2d_loads_torch_state_and_evaluates_identically():
    rng = np.random.default_rng(1)
    theirs = torch.nn.BatchNorm2d(3).double()
    theirs(torch.tensor(rng.normal(size=(4, 3, 3, 3))))  # running statistics that are not the defaults
    ours = chainrule.nn.BatchNorm2d(3).double()
    ours.load_state_dict({k: chainrule.tensor(v.numpy()) for k, v in theirs.state_dict().items()})
    x = rng.normal(size=(2, 3, 3, 3))
    assert_close(ours.eval()(chainrule.tensor(x)), theirs.eval()(torch.tensor(x)))


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_on_images_second_derivatives_match_torch(training):
    rng = np.random.default_rng(2)
    arrays = (rng.normal(size=(3, 2, 3, 4)), rng.normal(size=2), rng.normal(size=2))
    running = (rng.normal(size=2), rng.uniform(0.5, 2.0, size=2))

    def second(lib, grad, tensors):
        mean, var = (lib.tensor(a) for a in running)
        y = lib.nn.functional.batch_norm(tensors[0], mean, var, tensors[1], tensors[2], training=training)
        first = grad((y * y * y).sum(), tensors, create_graph=True)
        return first, grad(sum((g * g).sum() for g in first), tensors)

    ours = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    theirs = [to_torch(a, requires_grad=True) for a in arrays]
    (first, second_ours), (first_t, second_t) = (second(chainrule, chainrule.autograd.grad, ours),
                                                 second(torch, torch.autograd.grad, theirs))
    for a, e in zip(first + second_ours, first_t + second_t):
        assert_close(a, e, 1e-8)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_on_images_matches_finite_differences(training):
    rng = np.random.default_rng(3)
    mean, var = chainrule.tensor(rng.normal(size=2)), chainrule.tensor(rng.uniform(0.5, 2.0, size=2))

    def fn(x, w, b):
        return F.batch_norm(x, mean, var, w, b, training=training, momentum=0.0)

    leaves = [chainrule.tensor(a, requires_grad=True)
              for a in (rng.normal(size=(2, 2, 3, 3)), rng.normal(size=2), rng.normal(size=2))]
    assert gradcheck(fn, leaves)
    assert gradgradcheck(fn, leaves, atol=1e-4, rtol=1e-3)


def test_batch_norm2d_errors_match_torch():
    layer = chainrule.nn.BatchNorm2d(3)
    with pytest.raises(ValueError, match=r"^expected 4D input \(got 3D input\)$"):
        layer(chainrule.ones(2, 3, 4))
    with pytest.raises(RuntimeError, match="^running_mean should contain 4 elements not 3$"):
        layer(chainrule.ones(2, 4, 3, 3))
    with pytest.raises(RuntimeError, match="^weight should contain 4 elements not 3$"):
        chainrule.nn.BatchNorm2d(3, track_running_stats=False)(chainrule.ones(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when training, got input size "
                                         r"torch.Size\(\[1, 3, 1, 1\]\)"):
        layer(chainrule.ones(1, 3, 1, 1))
    assert layer.eval()(chainrule.ones(1, 3, 1, 1)).shape == (1, 3, 1, 1)  # eval mode needs no batch
    with pytest.raises(RuntimeError, match="^running_mean must be defined in evaluation mode$"):
        F.batch_norm(chainrule.ones(2, 3, 4, 4), None, None)
    with pytest.raises(RuntimeError, match="^running_var must be defined in evaluation mode$"):
        F.batch_norm(chainrule.ones(2, 3, 4, 4), chainrule.zeros(3), None)
    with pytest.raises(IndexError, match=r"Dimension out of range \(expected to be in range of \[-1, 0\], but got 1\)"):
        F.batch_norm(chainrule.ones(3), None, None, training=True)


def test_batch_norm2d_on_an_empty_batch_returns_it_and_keeps_the_statistics():
    ours, theirs = chainrule.nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)
    y, yt = ours(chainrule.ones(0, 3, 2, 2)), theirs(torch.ones(0, 3, 2, 2))
    assert y.shape == yt.shape
    assert ours.running_mean.tolist() == theirs.running_mean.tolist() == [0.0, 0.0, 0.0]
