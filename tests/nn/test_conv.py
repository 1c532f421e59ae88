"""Conv2d and MaxPool2d (im2col ops) against PyTorch: values, gradients, second derivatives."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from tests.nn.torch_compare import assert_close, to_torch

torch = pytest.importorskip("torch")

CONV_CASES = [
    dict(stride=1, padding=0, dilation=1),
    dict(stride=1, padding=1, dilation=1),
    dict(stride=2, padding=1, dilation=1),
    dict(stride=(2, 1), padding=(0, 2), dilation=1),
    dict(stride=1, padding=2, dilation=2),
    dict(stride=1, padding="same", dilation=1),
    dict(stride=1, padding="valid", dilation=1),
    dict(stride=3, padding=0, dilation=(1, 2)),
]


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@pytest.mark.parametrize("case", CONV_CASES, ids=str)
@pytest.mark.parametrize("kernel", [(3, 3), (2, 3), (1, 1)])
def test_conv2d_matches_torch_values_and_gradients(case, kernel):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 7, 8))
    w = rng.normal(size=(4, 3) + kernel)
    b = rng.normal(size=4)
    ours = [chainrule.tensor(a, requires_grad=True) for a in (x, w, b)]
    theirs = [to_torch(a, requires_grad=True) for a in ours]
    out = F.conv2d(*ours, **case)
    expected = torch.nn.functional.conv2d(*theirs, **case)
    assert_close(out, expected)
    upstream = rng.normal(size=tuple(expected.shape))
    out.backward(chainrule.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    for a, e in zip(ours, theirs):
        assert_close(a.grad, e.grad)


def test_conv2d_second_derivatives_match_torch():
    rng = np.random.default_rng(1)
    x, w = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3))
    ours = [chainrule.tensor(a, requires_grad=True) for a in (x, w)]
    theirs = [to_torch(a, requires_grad=True) for a in ours]

    def second(conv, grad_fn, inputs):
        y = conv(*inputs, stride=2, padding=1)
        first = grad_fn((y * y * y).sum(), inputs, create_graph=True)
        return grad_fn(sum((g * g).sum() for g in first), inputs)

    ours_second = second(F.conv2d, chainrule.autograd.grad, ours)
    theirs_second = second(torch.nn.functional.conv2d, torch.autograd.grad, theirs)
    for a, e in zip(ours_second, theirs_second):
        assert_close(a, e, 1e-8)


def test_conv2d_unbatched_input_and_module_shapes():
    chainrule.manual_seed(0)
    layer = chainrule.nn.Conv2d(1, 2, 3, padding=1).double()
    assert layer(chainrule.zeros(1, 6, 6, dtype=chainrule.float64)).shape == (2, 6, 6)
    assert layer.weight.shape == (2, 1, 3, 3) and layer.bias.shape == (2,)


def test_conv2d_errors_name_the_problem():
    x = chainrule.zeros(1, 2, 5, 5)
    with pytest.raises(RuntimeError, match="expected input\\[1, 2, 5, 5\\] to have 1 channels"):
        F.conv2d(x, chainrule.zeros(3, 1, 3, 3))
    with pytest.raises(RuntimeError, match="Kernel size can't be greater than actual input size"):
        F.conv2d(x, chainrule.zeros(3, 2, 7, 7))
    with pytest.raises(RuntimeError, match="expected input and weight of the same dtype, but got torch.float32 and "
                                           "torch.float64"):
        F.conv2d(x, chainrule.zeros(3, 2, 3, 3, dtype=chainrule.float64))
    with pytest.raises(RuntimeError, match="Expected 3D \\(unbatched\\) or 4D"):
        F.conv2d(chainrule.zeros(5, 5), chainrule.zeros(3, 2, 3, 3))


POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=2),
    dict(kernel_size=3, stride=1, padding=1),
    dict(kernel_size=(2, 3), stride=(1, 2)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=2, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=1, dilation=2),
]


@pytest.mark.parametrize("case", POOL_CASES, ids=str)
def test_max_pool2d_matches_torch_values_indices_and_gradients(case):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 7, 9))
    ours = chainrule.tensor(x, requires_grad=True)
    theirs = to_torch(ours, requires_grad=True)
    out, indices = F.max_pool2d(ours, return_indices=True, **case)
    expected, expected_indices = torch.nn.functional.max_pool2d(theirs, return_indices=True, **case)
    assert_close(out, expected)
    assert indices.tolist() == expected_indices.tolist()
    upstream = rng.normal(size=tuple(expected.shape))
    out.backward(chainrule.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    assert_close(ours.grad, theirs.grad)


def test_max_pool2d_overlapping_windows_add_gradients_and_differentiate_twice():
    x = np.array([[[[1.0, 5.0, 2.0], [0.0, 3.0, 4.0], [6.0, 1.0, 0.5]]]])
    ours = chainrule.tensor(x, requires_grad=True)
    theirs = to_torch(ours, requires_grad=True)
    y = F.max_pool2d(ours, 2, stride=1)
    (g,) = chainrule.autograd.grad((y * y).sum(), ours, create_graph=True)
    yt = torch.nn.functional.max_pool2d(theirs, 2, stride=1)
    (gt,) = torch.autograd.grad((yt * yt).sum(), theirs, create_graph=True)
    assert_close(g, gt)
    (gg,) = chainrule.autograd.grad((g * g).sum(), ours)
    (ggt,) = torch.autograd.grad((gt * gt).sum(), theirs)
    assert_close(gg, ggt)


def test_max_pool_module_and_padding_limit():
    pool = chainrule.nn.MaxPool2d(2)
    assert pool(chainrule.zeros(1, 1, 8, 8)).shape == (1, 1, 4, 4)
    assert repr(pool) == repr(torch.nn.MaxPool2d(2))
    with pytest.raises(RuntimeError, match="pad should be at most half"):
        F.max_pool2d(chainrule.zeros(1, 1, 4, 4), 2, padding=2)
