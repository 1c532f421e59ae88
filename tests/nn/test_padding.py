"""F.pad in its four modes against PyTorch in float64: values, gradients, second derivatives,
node names and error messages; finite differences without torch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.nn.torch_compare import assert_matches_torch, assert_same_error

torch = pytest.importorskip("torch")

# (input shape, pad): 1, 2 and 3 padded dimensions, batched and not, negative amounts crop
PADS = [
    ((2, 3, 5, 6), (1, 2, 2, 1)),
    ((2, 3, 5, 6), (0, 3, 4, 0)),
    ((2, 3, 5, 6), (-1, 2, 1, -2)),
    ((3, 5, 6), (4, 4, 3, 3)),
    ((2, 3, 6), (2, 1)),
    ((3, 6), (5, 0)),
    ((2, 2, 3, 4, 5), (1, 2, 2, 1, 1, 2)),
    ((2, 3, 4, 5), (2, 1, 0, 1, 1, 2)),
]
TORCH_NODE = {"constant": "ConstantPadNd", "reflect": "ReflectionPad{}D", "replicate": "ReplicationPad{}D"}


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
@pytest.mark.parametrize("shape, pad", PADS, ids=[f"{s}-{p}" for s, p in PADS])
def test_pad_matches_torch(mode, shape, pad):
    if mode == "reflect" and max(pad) >= min(shape[-len(pad) // 2:]):
        pytest.skip("reflect needs padding smaller than the size")
    if mode == "circular":  # torch builds it from slices and copies: other node names
        assert_matches_torch(lambda lib, x: lib.nn.functional.pad(x, pad, mode=mode), shape, nodes_compared=0)
        return
    name = TORCH_NODE[mode].format(len(pad) // 2) + "Backward0"
    second = "ConstantPadNdBackward0" if mode == "constant" else name.replace("Backward0", "BackwardBackward0")
    assert_matches_torch(lambda lib, x: lib.nn.functional.pad(x, pad, mode=mode), shape, node_names=[name, second])


@pytest.mark.parametrize("pad", [(1, 1), (2, 0, 1, 3), (1, 1, 1, 1, 1, 1, 1, 1), (-1, -1, 0, 2)], ids=str)
def test_constant_pad_with_a_value_matches_torch(pad):
    assert_matches_torch(lambda lib, x: lib.nn.functional.pad(x, pad, value=-2.5), (2, 3, 4, 5),
                         node_names=["ConstantPadNdBackward0", "ConstantPadNdBackward0"])


def test_pad_keeps_integer_dtypes():
    x = np.arange(12).reshape(1, 3, 4)
    for mode in ("constant", "reflect", "replicate", "circular"):
        ours, theirs = F.pad(chainrule.tensor(x), (2, 1), mode=mode), torch.nn.functional.pad(torch.tensor(x), (2, 1),
                                                                                               mode=mode)
        assert ours.dtype == chainrule.int64 and ours.tolist() == theirs.tolist(), mode


@pytest.mark.parametrize("mode", ["constant", "reflect", "replicate", "circular"])
def test_pad_matches_finite_differences(mode):
    x = chainrule.tensor(np.random.default_rng(0).normal(size=(2, 3, 4)), requires_grad=True)
    assert gradcheck(lambda t: F.pad(t, (2, 1, 1, 2), mode=mode) ** 2, (x,))
    assert gradgradcheck(lambda t: F.pad(t, (2, 1, -1, 2), mode=mode) ** 2, (x,))


def _pad(lib, shape, pad, **kwargs):
    return lib.nn.functional.pad(lib.ones(*shape), pad, **kwargs)


ERROR_CASES = [
    ("odd-length", lambda lib: _pad(lib, (2, 3), (1, 1, 1))),
    ("too-long", lambda lib: _pad(lib, (2, 3), (1, 1, 1, 1, 1, 1))),
    ("crops-too-much", lambda lib: _pad(lib, (2, 3), (-4, 1))),
    ("unknown-mode", lambda lib: _pad(lib, (1, 2, 3), (1, 1), mode="bogus")),
    ("value-with-reflect", lambda lib: _pad(lib, (1, 2, 3), (1, 1), mode="replicate", value=2.0)),
    ("reflect-on-2d-with-4", lambda lib: _pad(lib, (5, 5), (1, 1, 1, 1), mode="reflect")),
    ("reflect-on-4d-with-2", lambda lib: _pad(lib, (1, 2, 5, 5), (1, 1), mode="reflect")),
    ("reflect-too-wide", lambda lib: _pad(lib, (2, 3, 5, 6), (6, 1, 1, 1), mode="reflect")),
    ("reflect-too-tall", lambda lib: _pad(lib, (2, 3, 5, 6), (1, 1, 5, 1), mode="reflect")),
    ("reflect-1d-too-wide", lambda lib: _pad(lib, (3, 4), (4, 1), mode="reflect")),
    ("circular-twice-around", lambda lib: _pad(lib, (2, 3, 5, 6), (7, 1, 1, 1), mode="circular")),
    ("replicate-empty", lambda lib: _pad(lib, (2, 3, 0, 4), (1, 1, 1, 1), mode="replicate")),
    ("float-pad", lambda lib: _pad(lib, (2, 3), (1.0, 1))),
]


@pytest.mark.parametrize("name, call", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_pad_errors_match_torch(name, call):
    assert_same_error(call)
