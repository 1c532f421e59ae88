"""AvgPool2d and AdaptiveAvgPool2d against PyTorch in float64: values, gradients, second
derivatives, node names, modules and error messages; finite differences without torch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.nn.torch_compare import assert_close, assert_matches_torch, assert_same_error

torch = pytest.importorskip("torch")


AVG_POOL_CASES = [
    dict(kernel_size=2),
    dict(kernel_size=3, stride=1),
    dict(kernel_size=3, stride=2, padding=1),
    dict(kernel_size=3, stride=2, padding=1, count_include_pad=False),
    dict(kernel_size=(2, 3), stride=(1, 2), padding=(1, 1)),
    dict(kernel_size=3, stride=2, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=2, stride=2, padding=1, ceil_mode=True, count_include_pad=False),
    dict(kernel_size=(3, 2), stride=(2, 3), padding=(1, 1), ceil_mode=True),
    dict(kernel_size=2, divisor_override=3),
    dict(kernel_size=3, stride=2, padding=1, ceil_mode=True, divisor_override=-2),
    dict(kernel_size=[2], stride=[1]),
    dict(kernel_size=1),
]


@pytest.mark.parametrize("case", AVG_POOL_CASES, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (3, 6, 5)], ids=["batched", "unbatched"])
def test_avg_pool2d_matches_torch(case, shape):
    assert_matches_torch(lambda lib, x: lib.nn.functional.avg_pool2d(x, **case), shape,
                         node_names=["AvgPool2DBackward0", "AvgPool2DBackwardBackward0"])


ADAPTIVE_CASES = [2, (3, 4), (7, 9), (None, 3), (4, None), (1, 5), (10, 12), (5, 1)]


@pytest.mark.parametrize("output_size", ADAPTIVE_CASES, ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 9), (3, 5, 6)], ids=["batched", "unbatched"])
def test_adaptive_avg_pool2d_matches_torch(output_size, shape):
    assert_matches_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, output_size), shape,
                         node_names=["AdaptiveAvgPool2DBackward0", "AdaptiveAvgPool2DBackwardBackward0"])


@pytest.mark.parametrize("output_size", [1, (1, 1), (1, None)], ids=str)
def test_adaptive_avg_pool2d_to_one_pixel_is_a_mean_as_in_torch(output_size):
    # mean's own derivative is recorded with other nodes in chainrule's tensor engine than in torch's
    assert_matches_torch(lambda lib, x: lib.nn.functional.adaptive_avg_pool2d(x, output_size), (2, 3, 4, 1),
                         node_names=["MeanBackward1"], nodes_compared=1)


def test_adaptive_avg_pool2d_to_zero_pixels_and_empty_batches():
    for call in (lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.ones(2, 3, 4, 4), (0, 2)),
                 lambda lib: lib.nn.functional.adaptive_avg_pool2d(lib.ones(0, 3, 4, 4), 2),
                 lambda lib: lib.nn.functional.avg_pool2d(lib.ones(0, 3, 4, 4), 2)):
        assert tuple(call(chainrule).shape) == tuple(call(torch).shape)


def test_pooling_modules_match_torch():
    x = np.random.default_rng(1).normal(size=(2, 3, 8, 7))
    for build in (lambda L: L.nn.AvgPool2d(2), lambda L: L.nn.AvgPool2d(3, stride=1, padding=1),
                  lambda L: L.nn.AvgPool2d((2, 3), stride=(1, 2), padding=1, ceil_mode=True, count_include_pad=False,
                                           divisor_override=4),
                  lambda L: L.nn.AdaptiveAvgPool2d(3), lambda L: L.nn.AdaptiveAvgPool2d((None, 2)),
                  lambda L: L.nn.AdaptiveAvgPool2d((1, 1))):
        ours, theirs = build(chainrule), build(torch)
        assert repr(ours) == repr(theirs)
        assert ours.state_dict() == {} and len(theirs.state_dict()) == 0
        assert_close(ours(chainrule.tensor(x)), theirs(torch.tensor(x)))


def test_a_small_network_with_batch_norm_and_pooling_trains_like_torch():
    rng = np.random.default_rng(2)
    x, labels = rng.normal(size=(4, 2, 8, 8)), rng.integers(0, 3, size=4)
    models = []
    for lib in (chainrule, torch):
        lib.manual_seed(0)
        nn = lib.nn
        layers = (nn.Conv2d(2, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.AvgPool2d(2),
                  nn.Conv2d(4, 6, 3), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(6, 3))
        models.append(nn.Sequential(*layers).double())
    ours, theirs = models
    theirs.load_state_dict({k: torch.tensor(np.array(v._data)) for k, v in ours.state_dict().items()})
    for lib, model in ((chainrule, ours), (torch, theirs)):
        optimizer = lib.optim.SGD(model.parameters(), lr=0.1)
        for _ in range(3):
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x)), lib.tensor(labels))
            loss.backward()
            optimizer.step()
    for (name, a), (_, b) in zip(ours.state_dict().items(), theirs.state_dict().items()):
        assert_close(a, b, 1e-9)


FINITE_DIFFERENCE_CASES = [
    ("avg_pool2d", lambda x: F.avg_pool2d(x, 2)),
    ("avg_pool2d-ceil-padding", lambda x: F.avg_pool2d(x, 3, stride=2, padding=1, ceil_mode=True)),
    ("avg_pool2d-exclude-padding", lambda x: F.avg_pool2d(x, (2, 3), padding=1, count_include_pad=False)),
    ("avg_pool2d-divisor", lambda x: F.avg_pool2d(x, 2, stride=1, divisor_override=3)),
    ("adaptive_avg_pool2d", lambda x: F.adaptive_avg_pool2d(x, (3, 2))),
    ("adaptive_avg_pool2d-larger", lambda x: F.adaptive_avg_pool2d(x, (6, None))),
]


@pytest.mark.parametrize("name, fn", FINITE_DIFFERENCE_CASES, ids=[c[0] for c in FINITE_DIFFERENCE_CASES])
def test_pools_match_finite_differences(name, fn):
    x = chainrule.tensor(np.random.default_rng(3).normal(size=(2, 2, 5, 4)), requires_grad=True)
    assert gradcheck(lambda t: fn(t) ** 2, (x,))
    assert gradgradcheck(lambda t: fn(t) ** 2, (x,))


def _avg(lib, shape, *args, **kwargs):
    return lib.nn.functional.avg_pool2d(lib.ones(*shape), *args, **kwargs)


def _adaptive(lib, shape, output_size, dtype=None):
    return lib.nn.functional.adaptive_avg_pool2d(lib.ones(*shape, dtype=dtype), output_size)


ERROR_CASES = [
    ("avg-output-too-small", lambda lib: _avg(lib, (2, 3, 5, 6), 7)),
    ("avg-kernel-zero", lambda lib: _avg(lib, (2, 3, 5, 6), 0, stride=1)),
    ("avg-kernel-zero-stride-default", lambda lib: _avg(lib, (2, 3, 5, 6), (0, 2))),
    ("avg-stride-zero", lambda lib: _avg(lib, (2, 3, 5, 6), 2, stride=0)),
    ("avg-stride-negative", lambda lib: _avg(lib, (2, 3, 5, 6), 2, stride=(-1, 1))),
    ("avg-padding-negative", lambda lib: _avg(lib, (2, 3, 5, 6), 2, padding=-1)),
    ("avg-padding-over-half", lambda lib: _avg(lib, (2, 3, 5, 6), (2, 4), padding=(1, 3))),
    ("avg-kernel-three-ints", lambda lib: _avg(lib, (2, 3, 5, 6), (2, 2, 2))),
    ("avg-stride-three-ints", lambda lib: _avg(lib, (2, 3, 5, 6), 2, stride=(1, 1, 1))),
    ("avg-padding-three-ints", lambda lib: _avg(lib, (2, 3, 5, 6), 2, padding=(1, 1, 1))),
    ("avg-divisor-zero", lambda lib: _avg(lib, (2, 3, 5, 6), 2, divisor_override=0)),
    ("avg-5d", lambda lib: _avg(lib, (2, 3, 4, 5, 6), 2)),
    ("avg-empty-channels", lambda lib: _avg(lib, (2, 0, 5, 6), 2)),
    ("avg-integer-input", lambda lib: lib.nn.functional.avg_pool2d(lib.ones(1, 1, 4, 4, dtype=lib.int32), 2)),
    ("max-padding-over-half", lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 4, 4), 2, padding=2)),
    ("max-dilation-zero", lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 4, 4), 2, dilation=(0, 1))),
    ("max-output-too-small", lambda lib: lib.nn.functional.max_pool2d(lib.ones(3, 5, 6), (5, 7))),
    ("max-5d", lambda lib: lib.nn.functional.max_pool2d(lib.ones(1, 1, 1, 4, 4), 2)),
    ("adaptive-2d", lambda lib: _adaptive(lib, (5, 5), 2)),
    ("adaptive-three-sizes", lambda lib: _adaptive(lib, (2, 3, 5, 5), (2, 2, 2))),
    ("adaptive-negative", lambda lib: _adaptive(lib, (2, 3, 5, 5), -1)),
    ("adaptive-empty-height", lambda lib: _adaptive(lib, (2, 3, 0, 4), 2)),
    ("adaptive-integer-input", lambda lib: _adaptive(lib, (1, 1, 4, 4), 2, dtype=lib.int64)),
]


@pytest.mark.parametrize("name, call", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_pool_errors_match_torch(name, call):
    assert_same_error(call)
