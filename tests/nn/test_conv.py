"""Conv2d (groups, padding modes) and MaxPool2d (im2col ops) against PyTorch: values, gradients,
second derivatives, errors; finite differences without torch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.nn.torch_compare import assert_close, assert_same_error, assert_same_grads, copy_weights, to_torch

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


# -- groups (depthwise included) and padding modes ------------------------------------------

GROUPED_CASES = [  # (in_channels, out_channels, groups, options)
    (4, 6, 2, dict()),
    (4, 6, 2, dict(stride=2, padding=1)),
    (6, 6, 3, dict(padding=(2, 1), dilation=(2, 1))),
    (4, 4, 4, dict(padding=1)),  # depthwise
    (4, 8, 4, dict(stride=(1, 2), padding=1)),  # depthwise, two filters per channel
    (3, 9, 3, dict(stride=2, padding=(2, 1), dilation=(2, 1))),  # depthwise, three per channel, dilated
    (3, 6, 3, dict(padding="same", dilation=2)),
    (4, 2, 2, dict(padding="valid")),
]


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@pytest.mark.parametrize("in_channels, out_channels, groups, case", GROUPED_CASES, ids=str)
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
def test_grouped_conv2d_matches_torch_values_gradients_and_second_derivatives(in_channels, out_channels, groups,
                                                                               case, bias):
    rng = np.random.default_rng(3)
    arrays = [rng.normal(size=(2, in_channels, 7, 6)), rng.normal(size=(out_channels, in_channels // groups, 3, 2))]
    if bias:
        arrays.append(rng.normal(size=out_channels))
    ours = [chainrule.tensor(a, requires_grad=True) for a in arrays]
    theirs = [to_torch(a, requires_grad=True) for a in arrays]

    def derivatives(lib, tensors):
        y = lib.nn.functional.conv2d(*tensors, groups=groups, **case)
        first = lib.autograd.grad((y * y * y).sum(), tensors, create_graph=True)
        return (y,) + first + lib.autograd.grad(sum((g * g).sum() for g in first), tensors)

    for a, e in zip(derivatives(chainrule, ours), derivatives(torch, theirs)):
        assert_close(a, e, 1e-8)


def test_grouped_conv2d_matches_finite_differences():
    rng = np.random.default_rng(4)
    leaves = [chainrule.tensor(a, requires_grad=True)
              for a in (rng.normal(size=(1, 4, 5, 4)), rng.normal(size=(4, 2, 2, 3)), rng.normal(size=4))]
    assert gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, groups=2), leaves)
    assert gradgradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=(2, 1), padding=1, groups=2), leaves)
    depthwise = [chainrule.tensor(a, requires_grad=True) for a in (rng.normal(size=(2, 3, 4, 4)),
                                                                    rng.normal(size=(6, 1, 3, 3)))]
    assert gradcheck(lambda x, w: F.conv2d(x, w, padding=1, groups=3), depthwise)
    assert gradgradcheck(lambda x, w: F.conv2d(x, w, padding=1, groups=3), depthwise)


MODULE_CASES = [
    dict(padding=1, padding_mode="reflect"),
    dict(padding=(2, 1), padding_mode="replicate"),
    dict(padding=(1, 2), padding_mode="circular", stride=2),
    dict(padding="same", padding_mode="reflect", dilation=(1, 2)),
    dict(padding="same", padding_mode="circular", kernel_size=(2, 4)),
    dict(padding="valid", padding_mode="replicate"),
    dict(padding=1, padding_mode="zeros", groups=4),
    dict(padding=1, padding_mode="reflect", groups=4, bias=False),
    dict(padding="same", padding_mode="replicate", groups=2),
]


@pytest.mark.filterwarnings("ignore:Using padding=.same. with even kernel lengths")
@pytest.mark.parametrize("case", MODULE_CASES, ids=str)
@pytest.mark.parametrize("shape", [(2, 4, 6, 7), (4, 5, 6)], ids=["batched", "unbatched"])
def test_conv2d_module_options_match_torch(case, shape):
    rng = np.random.default_rng(5)
    options = dict(case)
    kernel = options.pop("kernel_size", 3)
    ours, theirs = chainrule.nn.Conv2d(4, 8, kernel, **options).double(), torch.nn.Conv2d(4, 8, kernel, **options).double()
    assert repr(ours) == repr(theirs)
    assert {k: tuple(v.shape) for k, v in ours.state_dict().items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    copy_weights(ours, theirs)
    x = chainrule.tensor(rng.normal(size=shape), requires_grad=True)
    xt = to_torch(x, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    conv, conv_t = y.grad_fn, yt.grad_fn
    if len(shape) == 3:  # unbatched input: the batch of one is squeezed away after the convolution
        assert conv.name() == type(conv_t).__name__ == "SqueezeBackward1"
        conv, conv_t = conv.next_functions[0][0], conv_t.next_functions[0][0]
    assert conv.name() == type(conv_t).__name__ == "ConvolutionBackward0"
    if case["padding_mode"] in ("reflect", "replicate"):  # the module pads first, with F.pad
        padded_by, padded_by_t = conv.next_functions[0][0], conv_t.next_functions[0][0]
        if len(shape) == 3:
            padded_by, padded_by_t = padded_by.next_functions[0][0], padded_by_t.next_functions[0][0]
        assert padded_by.name() == type(padded_by_t).__name__
    upstream = rng.normal(size=tuple(yt.shape))
    y.backward(chainrule.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    assert_close(x.grad, xt.grad)
    assert_same_grads(ours, theirs)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_padded_conv2d_module_matches_finite_differences(mode):
    chainrule.manual_seed(0)
    layer = chainrule.nn.Conv2d(2, 2, 3, padding=(1, 2), padding_mode=mode, groups=2).double()
    x = chainrule.tensor(np.random.default_rng(6).normal(size=(1, 2, 4, 4)), requires_grad=True)

    def fn(x, w, b):
        return layer._conv_forward(x, w, b)

    leaves = (x, layer.weight, layer.bias)
    assert gradcheck(fn, leaves)
    assert gradgradcheck(lambda *t: fn(*t) ** 2, leaves)


def test_conv2d_module_bias_bound_uses_the_inputs_of_one_group():
    chainrule.manual_seed(0)
    layer = chainrule.nn.Conv2d(8, 8, 3, groups=8)
    assert layer.weight.shape == (8, 1, 3, 3)
    assert layer.bias.abs().max().item() <= 1 / 3  # 1/sqrt(fan_in), fan_in = 1 * 3 * 3
    assert layer.weight.abs().max().item() <= 1 / 3  # kaiming_uniform(a=sqrt(5)): the same bound


def _conv(lib, x_shape, w_shape, b_shape=None, **kwargs):
    bias = lib.ones(*b_shape) if b_shape else None
    return lib.nn.functional.conv2d(lib.ones(*x_shape), lib.ones(*w_shape), bias, **kwargs)


CONV_ERROR_CASES = [
    ("groups-zero", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), groups=0)),
    ("weight-not-divisible", lambda lib: _conv(lib, (2, 4, 5, 6), (3, 2, 3, 3), groups=2)),
    ("groups-more-than-filters", lambda lib: _conv(lib, (2, 4, 5, 6), (0, 2, 3, 3), groups=2)),
    ("input-channels-vs-groups", lambda lib: _conv(lib, (1, 4, 5, 6), (6, 2, 3, 3), groups=3)),
    ("unbatched-input-channels", lambda lib: _conv(lib, (4, 5, 6), (6, 2, 3, 3), groups=3)),
    ("bias-size", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), (3,))),
    ("bias-2d", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), (4, 1))),
    ("stride-zero", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), stride=(1, 0))),
    ("stride-three", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), stride=(1, 1, 1))),
    ("padding-negative", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), padding=(0, -1))),
    ("dilation-zero", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), dilation=(1, 0))),  # float32's message
    ("same-strided", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), padding="same", stride=2)),
    ("unknown-padding-string", lambda lib: _conv(lib, (2, 4, 5, 6), (4, 4, 3, 3), padding="full")),
    ("module-groups-zero", lambda lib: lib.nn.Conv2d(4, 6, 3, groups=0)),
    ("module-in-channels", lambda lib: lib.nn.Conv2d(4, 6, 3, groups=3)),
    ("module-out-channels", lambda lib: lib.nn.Conv2d(4, 6, 3, groups=4)),
    ("module-same-strided", lambda lib: lib.nn.Conv2d(4, 6, 3, padding="same", stride=2)),
    ("module-padding-mode", lambda lib: lib.nn.Conv2d(4, 6, 3, padding_mode="mirror")),
    ("module-reflect-too-wide", lambda lib: lib.nn.Conv2d(1, 1, 5, padding=3, padding_mode="reflect")(
        lib.ones(1, 1, 3, 3))),
]


@pytest.mark.parametrize("name, call", CONV_ERROR_CASES, ids=[c[0] for c in CONV_ERROR_CASES])
def test_conv2d_errors_match_torch(name, call):
    if name == "module-padding-mode":  # torch prints a set of strings: its order changes between runs
        with pytest.raises(ValueError, match=r"^padding_mode must be one of \{'zeros', 'reflect', 'replicate', "
                                             r"'circular'\}, but got padding_mode='mirror'$"):
            call(chainrule)
        return
    assert_same_error(call)


def test_conv2d_module_refuses_an_unknown_padding_string_as_torch():
    with pytest.raises(ValueError, match=r"^Invalid padding string 'full', should be one of \{'valid', 'same'\}$"):
        chainrule.nn.Conv2d(4, 6, 3, padding="full")


@pytest.mark.parametrize("groups", [1, 2, 4])
def test_conv2d_on_an_empty_batch_matches_torch(groups):
    shapes = []
    for lib in (chainrule, torch):
        x, w = lib.ones(0, 4, 5, 6, requires_grad=True), lib.ones(4, 4 // groups, 3, 3, requires_grad=True)
        y = lib.nn.functional.conv2d(x, w, groups=groups)
        y.sum().backward()
        shapes.append((tuple(y.shape), tuple(x.grad.shape), w.grad.abs().sum().item()))
    assert shapes[0] == shapes[1]
