"""chainrule._printing must print what PyTorch 2.13.0's ``repr(tensor)`` prints.

Two kinds of checks:

* torch-free: literal strings copied from what torch printed, including the
  seed lecture's transcript, so the suite checks something without torch;
* against torch itself (skipped without it): seeded random arrays of many
  shapes, dtypes and magnitudes, print-option settings, grad_fn suffixes, and a
  Hypothesis property test.
"""

from __future__ import annotations

import math
import sys
import zlib

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from chainrule._printing import (
    format_tensor,
    get_printoptions,
    printoptions,
    set_printoptions,
    torch_dtype_name,
)

DEFAULT_OPTIONS = {
    "precision": 4,
    "threshold": 1000,
    "edgeitems": 3,
    "linewidth": 80,
    "sci_mode": None,
}


@pytest.fixture(autouse=True)
def _restore_default_printoptions():
    """Every test starts and ends with the default options, ours and torch's."""
    set_printoptions(profile="default")
    yield
    set_printoptions(profile="default")
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_printoptions(profile="default")


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def f32(values) -> np.ndarray:
    return np.array(values, dtype=np.float32)


# --------------------------------------------------------------------------
# torch-free: literal strings printed by torch 2.13.0
# --------------------------------------------------------------------------

LITERAL_CASES = [
    # (id, data, format_tensor keyword arguments, what torch printed)
    ("0d_int_mode", f32(4.0), {}, "tensor(4.)"),
    ("0d_fixed", f32(-7.84), {}, "tensor(-7.8400)"),
    ("0d_sci", f32(9.094947e-13), {}, "tensor(9.0949e-13)"),
    ("0d_neg_zero", f32(-0.0), {}, "tensor(-0.)"),
    ("0d_bool", np.array(True), {}, "tensor(True)"),
    ("1d_requires_grad", f32([1.2607]), {"requires_grad": True},
     "tensor([1.2607], requires_grad=True)"),
    ("1d_int_mode", f32([-8.0]), {}, "tensor([-8.])"),
    ("grad_fn", f32([4.0]), {"grad_fn_name": "MulBackward0"},
     "tensor([4.], grad_fn=<MulBackward0>)"),
    ("grad_fn_wins_over_requires_grad", f32(4.0),
     {"grad_fn_name": "SumBackward0", "requires_grad": True},
     "tensor(4., grad_fn=<SumBackward0>)"),
    ("nonfinite_only", f32([0.0, math.nan, math.inf, -0.0]), {},
     "tensor([0., nan, inf, -0.])"),
    ("neg_zero_with_int", f32([-0.0, 1.0]), {}, "tensor([-0., 1.])"),
    ("nan_padded", f32([1.5, math.nan, -math.inf]), {}, "tensor([1.5000,    nan,   -inf])"),
    ("sci_by_ratio", f32([1e5, 1.0]), {}, "tensor([1.0000e+05, 1.0000e+00])"),
    ("sci_wide", f32([1e-5, 1.0, 1e9]), {}, "tensor([1.0000e-05, 1.0000e+00, 1.0000e+09])"),
    ("int32", np.array([1, -20, 300], dtype=np.int32), {},
     "tensor([  1, -20, 300], dtype=torch.int32)"),
    ("bool_aligned", np.array([True, False]), {}, "tensor([ True, False])"),
    ("float16", np.array([0.1, 2.0], dtype=np.float16), {"requires_grad": True},
     "tensor([0.1000, 2.0000], dtype=torch.float16, requires_grad=True)"),
    ("empty_1d_float", f32([]), {}, "tensor([])"),
    ("empty_2d", np.zeros((0, 3), dtype=np.float32), {}, "tensor([], size=(0, 3))"),
    ("empty_2_0", np.zeros((2, 0), dtype=np.float32), {}, "tensor([], size=(2, 0))"),
    ("empty_bool_names_dtype", np.array([], dtype=bool), {}, "tensor([], dtype=torch.bool)"),
    ("empty_int64_names_dtype", np.zeros((0, 3), dtype=np.int64), {},
     "tensor([], size=(0, 3), dtype=torch.int64)"),
    ("uint16", np.array([1, 2], dtype=np.uint16), {}, "tensor([1, 2], dtype=torch.uint16)"),
    ("2d_aligned", f32([[1.0, 2.5], [-3.0, 40.0]]), {},
     "tensor([[ 1.0000,  2.5000],\n"
     "        [-3.0000, 40.0000]])"),
    ("3d_blank_line", np.arange(24.0, dtype=np.float32).reshape(2, 3, 4), {},
     "tensor([[[ 0.,  1.,  2.,  3.],\n"
     "         [ 4.,  5.,  6.,  7.],\n"
     "         [ 8.,  9., 10., 11.]],\n"
     "\n"
     "        [[12., 13., 14., 15.],\n"
     "         [16., 17., 18., 19.],\n"
     "         [20., 21., 22., 23.]]])"),
    ("4d_two_blank_lines", np.arange(16).reshape(2, 2, 2, 2), {},
     "tensor([[[[ 0,  1],\n"
     "          [ 2,  3]],\n"
     "\n"
     "         [[ 4,  5],\n"
     "          [ 6,  7]]],\n"
     "\n"
     "\n"
     "        [[[ 8,  9],\n"
     "          [10, 11]],\n"
     "\n"
     "         [[12, 13],\n"
     "          [14, 15]]]])"),
    ("wrapped_float64", np.linspace(0, 1, 30), {},
     "tensor([0.0000, 0.0345, 0.0690, 0.1034, 0.1379, 0.1724, 0.2069, 0.2414, 0.2759,\n"
     "        0.3103, 0.3448, 0.3793, 0.4138, 0.4483, 0.4828, 0.5172, 0.5517, 0.5862,\n"
     "        0.6207, 0.6552, 0.6897, 0.7241, 0.7586, 0.7931, 0.8276, 0.8621, 0.8966,\n"
     "        0.9310, 0.9655, 1.0000], dtype=torch.float64)"),
    ("summarised_1d_sci", np.arange(2000.0, dtype=np.float32), {},
     "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
     "        1.9990e+03])"),
    ("summarised_2d", np.arange(1200).reshape(40, 30), {},
     "tensor([[   0,    1,    2,  ...,   27,   28,   29],\n"
     "        [  30,   31,   32,  ...,   57,   58,   59],\n"
     "        [  60,   61,   62,  ...,   87,   88,   89],\n"
     "        ...,\n"
     "        [1110, 1111, 1112,  ..., 1137, 1138, 1139],\n"
     "        [1140, 1141, 1142,  ..., 1167, 1168, 1169],\n"
     "        [1170, 1171, 1172,  ..., 1197, 1198, 1199]])"),
    ("suffix_wraps_when_line_full", f32([0.1234] * 9), {"requires_grad": True},
     "tensor([0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234],\n"
     "       requires_grad=True)"),
    ("suffix_follows_wrapped_rows", f32([0.1234] * 11), {"requires_grad": True},
     "tensor([0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234, 0.1234,\n"
     "        0.1234, 0.1234], requires_grad=True)"),
    ("two_suffixes_wrap", np.full((2, 9), 0.2468), {"grad_fn_name": "MulBackward0"},
     "tensor([[0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468],\n"
     "        [0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468, 0.2468]],\n"
     "       dtype=torch.float64, grad_fn=<MulBackward0>)"),
]


@pytest.mark.parametrize(
    "data, kwargs, expected",
    [case[1:] for case in LITERAL_CASES],
    ids=[case[0] for case in LITERAL_CASES],
)
def test_prints_what_torch_printed(data, kwargs, expected):
    assert format_tensor(data, **kwargs) == expected


def test_numpy_scalar_prints_as_0d_tensor():
    assert format_tensor(np.float32(20.0)) == "tensor(20.)"


def test_byte_order_does_not_change_dtype():
    assert format_tensor(np.array([1.5, 2.0], dtype=">f8")) == (
        "tensor([1.5000, 2.0000], dtype=torch.float64)"
    )


def test_default_dtype_float64_names_float32():
    # as after torch.set_default_dtype(torch.float64)
    assert format_tensor(f32([1.5]), default_dtype=np.float64) == (
        "tensor([1.5000], dtype=torch.float32)"
    )
    assert format_tensor(np.array([1.5]), default_dtype=np.float64) == "tensor([1.5000])"


# --------------------------------------------------------------------------
# torch-free: the seed lecture, replayed in NumPy float32
# --------------------------------------------------------------------------

# Complete lines copied from the seed transcript (shared/seeds/000_...txt).
SEED_EXERCISE_1_LINES = [
    "\tgrad:  1.0 2.0 tensor(-2.)",
    "\tgrad:  2.0 4.0 tensor(-7.8400)",
    "\tgrad:  3.0 6.0 tensor(-16.2288)",
    "progress: 0 w= tensor([1.2607], requires_grad=True) loss= tensor(7.3159)",
    "progress: 1 w= tensor([1.4534], requires_grad=True) loss= tensor(3.9988)",
    "progress: 4 w= tensor([1.7791], requires_grad=True) loss= tensor(0.6530)",
    "\tgrad:  1.0 2.0 tensor(-7.1526e-07)",
    "\tgrad:  2.0 4.0 tensor(-2.8610e-06)",
    "\tgrad:  3.0 6.0 tensor(-5.7220e-06)",
    "progress: 66 w= tensor([2.0000], requires_grad=True) loss= tensor(9.0949e-13)",
    "progress: 70 w= tensor([2.0000], requires_grad=True) loss= tensor(9.0949e-13)",
]
SEED_EXERCISE_2_LINES = [
    "\tgrad:  1.0 2.0 tensor(0.) tensor(0.)",
    "\tgrad:  2.0 4.0 tensor(8.) tensor(16.)",
    "\tgrad:  3.0 6.0 tensor(25.9200) tensor(77.7600)",
    "progress: 0 w_1= tensor([0.6608], requires_grad=True) w_2= tensor([0.0624], "
    "requires_grad=True) loss= tensor(18.6624)",
    "\tgrad:  3.0 6.0 tensor(8.1301) tensor(24.3903)",
    "progress: 42 w_1= tensor([1.4184], requires_grad=True) w_2= tensor([0.1709], "
    "requires_grad=True) loss= tensor(0.0666)",
    "progress: 87 w_1= tensor([1.7379], requires_grad=True) w_2= tensor([0.0770], "
    "requires_grad=True) loss= tensor(0.0135)",
]
X_DATA = [1.0, 2.0, 3.0]
Y_DATA = [2.0, 4.0, 6.0]


def test_seed_exercise_1_transcript():
    # The lecture's loop with its gradient written out: d(l)/dw = (d + d) * x
    # where d = x*w - y, in float32 as torch computes it.
    w = f32([1.0])
    assert format_tensor((4 * w)[0]) == "tensor(4.)"  # "predict (before training)"
    printed = []
    for epoch in range(100):
        for x, y in zip(X_DATA, Y_DATA):
            diff = x * w - y
            loss = diff * diff
            grad = (diff + diff) * x
            printed.append(f"\tgrad:  {x} {y} {format_tensor(grad[0])}")
            w = w - 0.01 * grad
        printed.append(
            f"progress: {epoch} w= {format_tensor(w, requires_grad=True)} "
            f"loss= {format_tensor(loss[0])}"
        )
    for line in SEED_EXERCISE_1_LINES:
        assert line in printed


def test_seed_exercise_2_transcript():
    w_1, w_2 = f32([1.0]), f32([1.0])
    assert format_tensor((4 * 4 * w_2 + 4 * w_1 + 0)[0]) == "tensor(20.)"
    printed = []
    for epoch in range(100):
        for x, y in zip(X_DATA, Y_DATA):
            diff = (x * x * w_2) + (x * w_1) + 0 - y
            loss = diff * diff
            grad_1, grad_2 = (diff + diff) * x, (diff + diff) * (x * x)
            printed.append(
                f"\tgrad:  {x} {y} {format_tensor(grad_1[0])} {format_tensor(grad_2[0])}"
            )
            w_1, w_2 = w_1 - 0.01 * grad_1, w_2 - 0.01 * grad_2
        printed.append(
            f"progress: {epoch} w_1= {format_tensor(w_1, requires_grad=True)} "
            f"w_2= {format_tensor(w_2, requires_grad=True)} loss= {format_tensor(loss[0])}"
        )
    for line in SEED_EXERCISE_2_LINES:
        assert line in printed


# --------------------------------------------------------------------------
# torch-free: print options
# --------------------------------------------------------------------------


def test_default_printoptions():
    assert get_printoptions() == DEFAULT_OPTIONS


@pytest.mark.parametrize(
    "profile, expected",
    [
        ("short", {"precision": 2, "threshold": 1000, "edgeitems": 2}),
        ("full", {"precision": 4, "threshold": math.inf, "edgeitems": 3}),
        ("default", {"precision": 4, "threshold": 1000, "edgeitems": 3}),
    ],
)
def test_profiles(profile, expected):
    set_printoptions(precision=7, edgeitems=1)
    set_printoptions(profile=profile)
    assert get_printoptions() == {**DEFAULT_OPTIONS, **expected}


def test_every_call_resets_sci_mode_as_torch_does():
    set_printoptions(sci_mode=True)
    assert get_printoptions()["sci_mode"] is True
    set_printoptions(precision=3)
    assert get_printoptions()["sci_mode"] is None


def test_printoptions_context_restores():
    with printoptions(precision=1, sci_mode=False):
        assert format_tensor(np.array([3.14159])) == "tensor([3.1], dtype=torch.float64)"
    assert get_printoptions() == DEFAULT_OPTIONS


def test_printoptions_context_restores_after_error():
    with pytest.raises(KeyError), printoptions(linewidth=20):
        raise KeyError("boom")
    assert get_printoptions() == DEFAULT_OPTIONS


@pytest.mark.parametrize(
    "options, data, expected",
    [
        ({"precision": 2}, f32([1.12345]), "tensor([1.12])"),
        ({"threshold": 5}, np.arange(10), "tensor([0, 1, 2,  ..., 7, 8, 9])"),
        ({"precision": 2, "edgeitems": 1, "threshold": 5, "linewidth": 30},
         np.arange(30.0, dtype=np.float32).reshape(5, 6) / 7,
         "tensor([[0.00,  ..., 0.71],\n        ...,\n        [3.43,  ..., 4.14]])"),
        ({"edgeitems": 0, "threshold": 5}, np.arange(30.0, dtype=np.float32).reshape(5, 6),
         "tensor([...], size=(5, 6))"),
        ({"edgeitems": 0, "threshold": 5}, np.arange(10), "tensor([...], size=(10,))"),
        ({"sci_mode": True}, f32([1.0, 2.0]), "tensor([1.0000e+00, 2.0000e+00])"),
        ({"sci_mode": True}, f32(0.5), "tensor(5.0000e-01)"),
        ({"sci_mode": False}, f32([1e-8, 1e10]), "tensor([          0.0000, 10000000000.0000])"),
    ],
)
def test_printoptions_literal(options, data, expected):
    set_printoptions(**options)
    assert format_tensor(data) == expected


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"profile": "tiny"}, "unknown profile 'tiny'"),
        ({"precision": -1}, "precision must be an integer >= 0"),
        ({"precision": 2.5}, "precision must be an integer >= 0"),
        ({"edgeitems": True}, "edgeitems must be an integer >= 0"),
        ({"linewidth": 0}, "linewidth must be an integer >= 1"),
        ({"threshold": -3}, "threshold must be a number >= 0"),
        ({"threshold": math.nan}, "threshold must be a number >= 0"),
    ],
)
def test_bad_printoptions_are_named(kwargs, message):
    with pytest.raises(ValueError, match=message):
        set_printoptions(**kwargs)
    assert get_printoptions() == DEFAULT_OPTIONS


# --------------------------------------------------------------------------
# torch-free: bad input
# --------------------------------------------------------------------------


def test_complex_is_refused():
    with pytest.raises(TypeError, match="cannot print complex tensors"):
        format_tensor(np.array([1 + 2j]))


@pytest.mark.parametrize("dtype", [np.object_, np.str_, np.longdouble, "datetime64[s]"])
def test_unsupported_dtype_is_refused(dtype):
    if np.dtype(dtype).itemsize == 8 and np.dtype(dtype).kind == "f":
        pytest.skip("longdouble is float64 on this platform")
    with pytest.raises(TypeError, match="cannot print a tensor of NumPy dtype"):
        format_tensor(np.zeros(2, dtype=dtype))


def test_list_is_refused():
    with pytest.raises(TypeError, match="expects a numpy.ndarray, got list"):
        format_tensor([1.0, 2.0])


def test_integer_default_dtype_is_refused():
    with pytest.raises(ValueError, match="default_dtype must be a floating dtype"):
        format_tensor(f32([1.0]), default_dtype=np.int64)


def test_torch_dtype_names():
    assert torch_dtype_name(np.float32) == "torch.float32"
    assert torch_dtype_name(np.dtype("<i4")) == "torch.int32"
    assert torch_dtype_name(bool) == "torch.bool"


# --------------------------------------------------------------------------
# Against torch: seeded random arrays
# --------------------------------------------------------------------------

SHAPES = [
    (), (1,), (5,), (0,), (0, 3), (3, 0, 2), (4, 7), (2, 3, 4), (2, 1, 3, 2),
    (1, 1, 1, 1), (33,), (1000,), (10, 100), (1001,), (40, 30), (11, 10, 10),
    (3, 400), (2, 2, 2, 2, 70),
]
FLOAT_DTYPES = [np.float16, np.float32, np.float64]
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8]


def _random_floats(rng: np.random.Generator, kind: str, shape: tuple) -> np.ndarray:
    if kind == "normal":
        return rng.standard_normal(shape)
    if kind == "wide":  # magnitudes 1e-6 .. 1e10: scientific mode
        return rng.choice([-1.0, 1.0], shape) * 10.0 ** rng.uniform(-6, 10, shape)
    if kind == "whole":  # integers stored as floats: integer mode
        return rng.integers(-1000, 1000, shape).astype(np.float64)
    if kind == "tiny":
        return rng.uniform(-1e-3, 1e-3, shape)
    if kind == "huge_whole":
        return rng.integers(-(10**9), 10**9, shape).astype(np.float64)
    if kind == "special":  # nan, inf, -inf, 0, -0 among ordinary values
        values = rng.standard_normal(shape) * 10
        specials = np.array([math.nan, math.inf, -math.inf, 0.0, -0.0])
        mask = rng.random(shape) < 0.4
        return np.where(mask, rng.choice(specials, shape), values)
    if kind == "zeros_and_nonfinite":
        return rng.choice(np.array([0.0, -0.0, math.nan, math.inf]), shape)
    raise ValueError(kind)


FLOAT_KINDS = ["normal", "wide", "whole", "tiny", "huge_whole", "special", "zeros_and_nonfinite"]


def _seed_for(*parts) -> int:
    return zlib.crc32(repr(parts).encode())


def assert_prints_like_torch(torch, array: np.ndarray) -> None:
    expected = repr(torch.from_numpy(np.array(array)))
    assert format_tensor(array) == expected


def assert_suffixes_like_torch(torch, array: np.ndarray) -> None:
    """requires_grad=True on a leaf, and grad_fn=<MulBackward0> on leaf * 1."""
    leaf = torch.from_numpy(array.copy()).clone().requires_grad_()
    assert format_tensor(array, requires_grad=True) == repr(leaf)
    product = leaf * 1  # same values (nan, -0. included), now with a grad_fn
    assert format_tensor(array, grad_fn_name=type(product.grad_fn).__name__) == repr(product)


@pytest.mark.parametrize("kind", FLOAT_KINDS)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES, ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_random_floats_match_torch(torch, shape, dtype, kind):
    rng = np.random.default_rng(_seed_for(shape, np.dtype(dtype).name, kind))
    with np.errstate(over="ignore"):  # float16 turns 1e10 into inf, as torch would
        array = np.asarray(_random_floats(rng, kind, shape)).astype(dtype)
    assert_prints_like_torch(torch, array)
    if array.size <= 40:
        assert_suffixes_like_torch(torch, array)


@pytest.mark.parametrize("dtype", [*INT_DTYPES, np.bool_], ids=lambda d: np.dtype(d).name)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_random_integers_and_bools_match_torch(torch, shape, dtype):
    rng = np.random.default_rng(_seed_for(shape, np.dtype(dtype).name))
    if dtype is np.bool_:
        array = rng.random(shape) < 0.5
    else:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    assert_prints_like_torch(torch, array)


def test_int64_extremes_match_torch(torch):
    info = np.iinfo(np.int64)
    assert_prints_like_torch(torch, np.array([info.min, 0, info.max], dtype=np.int64))


def test_float_extremes_match_torch(torch):
    for dtype in FLOAT_DTYPES:
        info = np.finfo(dtype)
        array = np.array([info.max, info.tiny, info.smallest_subnormal, -info.max], dtype)
        assert_prints_like_torch(torch, array)


def test_rounding_boundaries_match_torch(torch):
    # values whose 4-decimal rounding carries into another digit or exponent
    assert_prints_like_torch(torch, f32([9.99996, 0.99999, 99.99995]))
    assert_prints_like_torch(torch, f32([9.99996e-5, 1.0, 9.99996e8]))
    assert_prints_like_torch(torch, np.array([9.99996e99, 1e-100, -1.0]))


# --------------------------------------------------------------------------
# Against torch: print options
# --------------------------------------------------------------------------

OPTION_SETTINGS = [
    {"precision": 2},
    {"precision": 0},
    {"precision": 8},
    {"threshold": 5},
    {"threshold": 5, "edgeitems": 1},
    {"threshold": 5, "edgeitems": 0},
    {"edgeitems": 5},
    {"linewidth": 40},
    {"linewidth": 1},
    {"linewidth": 200, "threshold": 20},
    {"profile": "short"},
    {"profile": "full"},
    {"sci_mode": True},
    {"sci_mode": False},
]


@pytest.mark.parametrize("options", OPTION_SETTINGS, ids=str)
def test_printoptions_match_torch(torch, options):
    rng = np.random.default_rng(_seed_for(options))
    set_printoptions(**options)
    torch.set_printoptions(**options)
    arrays = [
        rng.standard_normal(()).astype(np.float32),
        rng.standard_normal((2, 3, 17)).astype(np.float32),
        _random_floats(rng, "wide", (30,)).astype(np.float32),
        _random_floats(rng, "special", (3, 4)),
        _random_floats(rng, "whole", (13, 4)).astype(np.float32),
        rng.integers(-50, 50, (9, 9)),
        rng.random((4, 5)) < 0.5,
        rng.standard_normal((1200,)).astype(np.float32),
        np.zeros((0, 2), dtype=np.float32),
    ]
    for array in arrays:
        assert_prints_like_torch(torch, array)
        if array.dtype.kind == "f":
            assert_suffixes_like_torch(torch, array)


def test_default_dtype_float64_matches_torch(torch):
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        for array in (f32([1.5, 2.0]), np.array([1.5, 2.0]), np.zeros(0), np.zeros(0, np.float32)):
            expected = repr(torch.from_numpy(array))
            assert format_tensor(array, default_dtype=np.float64) == expected
    finally:
        torch.set_default_dtype(previous)


# --------------------------------------------------------------------------
# Against torch: the seed's own loop, and grad_fn names from real ops
# --------------------------------------------------------------------------


def test_seed_loop_prints_like_torch(torch):
    w = torch.tensor([1.0], requires_grad=True)
    for _ in range(100):
        for x, y in zip(X_DATA, Y_DATA):
            loss = (x * w - y) * (x * w - y)
            loss.backward()
            for shown in (w.grad.data[0], loss.data[0], w):
                assert format_tensor(
                    shown.detach().numpy(), requires_grad=shown.requires_grad
                ) == repr(shown)
            w.data = w.data - 0.01 * w.grad.data
            w.grad.data.zero_()


def test_grad_fn_names_from_torch_ops(torch):
    leaf = torch.tensor([[1.5, -2.0], [0.25, 3.0]], requires_grad=True)
    for result in (leaf * 2, leaf + 1, leaf.sum(), leaf.mean(), leaf.exp(), leaf @ leaf):
        expected = repr(result)
        name = type(result.grad_fn).__name__
        assert format_tensor(result.detach().numpy(), grad_fn_name=name) == expected


# --------------------------------------------------------------------------
# Against torch: a property test over dtypes, shapes, values and options
# --------------------------------------------------------------------------

PROPERTY_DTYPES = [np.float16, np.float32, np.float64, np.int32, np.int64, np.uint8, np.bool_]


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    array=hnp.arrays(
        dtype=st.sampled_from(PROPERTY_DTYPES),
        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=6),
    ),
    precision=st.integers(0, 6),
    threshold=st.sampled_from([1000, 10, 3, 0]),
    edgeitems=st.integers(0, 3),
    linewidth=st.integers(1, 120),
    sci_mode=st.sampled_from([None, True, False]),
)
def test_property_matches_torch(array, precision, threshold, edgeitems, linewidth, sci_mode):
    torch = pytest.importorskip("torch")
    options = {
        "precision": precision,
        "threshold": threshold,
        "edgeitems": edgeitems,
        "linewidth": linewidth,
        "sci_mode": sci_mode,
    }
    set_printoptions(**options)
    torch.set_printoptions(**options)
    try:
        assert_prints_like_torch(torch, array)
        if array.dtype.kind == "f":
            assert format_tensor(array, requires_grad=True) == repr(
                torch.from_numpy(array.copy()).requires_grad_()
            )
    finally:
        set_printoptions(profile="default")
        torch.set_printoptions(profile="default")
