"""Tensor attributes users call (stride, storage_offset, data_ptr, type, byte, char, is_complex),
torch.is_floating_point/is_complex/numel, torch.finfo/iinfo and the deprecated torch.range,
against PyTorch 2.13."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from tests.tensor.test_shape import raises_like_torch

LAYOUTS = [
    lambda lib: lib.zeros(2, 3),
    lambda lib: lib.zeros(2, 3).t(),
    lambda lib: lib.zeros(2, 3, 4).permute(2, 0, 1),
    lambda lib: lib.arange(24.0).reshape(2, 3, 4)[1, :, 1:3],
    lambda lib: lib.arange(12.0).reshape(3, 4)[::2, 1],
    lambda lib: lib.zeros(0, 3),
    lambda lib: lib.tensor(1.0),
    lambda lib: lib.arange(6).reshape(2, 3)[1, 2],
    lambda lib: lib.zeros(3, 1).expand(3, 4),
    lambda lib: lib.arange(10.0).unfold(0, 3, 2),
    lambda lib: lib.arange(6.0).reshape(2, 3).split(1, dim=1)[2],
]


@pytest.mark.parametrize("make", LAYOUTS)
def test_stride_and_storage_offset_match_torch(make):
    torch = pytest.importorskip("torch")
    ours, theirs = make(chainrule), make(torch)
    assert ours.stride() == theirs.stride()
    assert ours.storage_offset() == theirs.storage_offset()
    for d in range(-ours.dim(), ours.dim()):
        assert ours.stride(d) == theirs.stride(d)


def test_data_ptr_is_the_address_of_the_first_element():
    x = chainrule.arange(6.0).reshape(2, 3)
    assert x.data_ptr() == x.numpy().ctypes.data
    assert x[1, 1].data_ptr() - x.data_ptr() == 4 * x.element_size()
    assert chainrule.zeros(0).data_ptr() == 0


def test_type_names_and_conversions_match_torch():
    torch = pytest.importorskip("torch")
    for name in ("float16", "float32", "float64", "uint8", "int8", "int16", "int32", "int64", "bool"):
        assert chainrule.zeros(1, dtype=getattr(chainrule, name)).type() == torch.zeros(1, dtype=getattr(torch, name)).type()
    x = chainrule.tensor([1.5, -2.5], requires_grad=True)
    assert x.type(chainrule.float32) is x
    y = x.type(chainrule.float64)
    assert y.dtype == chainrule.float64 and y.grad_fn.name() == "ToCopyBackward0"
    assert x.type("torch.IntTensor").tolist() == [1, -2]
    assert x.type("torch.IntTensor").dtype == chainrule.int32


def test_byte_char_short_wrap_around_as_in_torch():
    torch = pytest.importorskip("torch")
    values = [-1.5, 300.7, 200.7, -200.3, 70000.7, -0.5, 255.9]
    for method in ("byte", "char", "short"):
        ours = getattr(chainrule.tensor(values), method)()
        theirs = getattr(torch.tensor(values), method)()
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype)
    assert chainrule.tensor([True, False]).char().tolist() == [1, 0]


def test_dtype_questions_as_functions():
    x = chainrule.zeros(2)
    assert chainrule.is_floating_point(x) and not chainrule.is_floating_point(chainrule.arange(2))
    assert not chainrule.is_complex(x) and not x.is_complex()
    assert chainrule.numel(chainrule.zeros(2, 3)) == 6


@pytest.mark.parametrize("name", ["float16", "float32", "float64"])
def test_finfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = chainrule.finfo(getattr(chainrule, name)), torch.finfo(getattr(torch, name))
    assert repr(ours) == repr(theirs) and str(ours) == str(theirs)
    for attribute in ("bits", "eps", "max", "min", "tiny", "smallest_normal", "resolution", "dtype"):
        assert getattr(ours, attribute) == getattr(theirs, attribute)
        assert type(getattr(ours, attribute)) is type(getattr(theirs, attribute))


@pytest.mark.parametrize("name", ["uint8", "int8", "int16", "int32", "int64"])
def test_iinfo_matches_torch(name):
    torch = pytest.importorskip("torch")
    ours, theirs = chainrule.iinfo(getattr(chainrule, name)), torch.iinfo(getattr(torch, name))
    assert repr(ours) == repr(theirs)
    for attribute in ("bits", "max", "min", "dtype"):
        assert getattr(ours, attribute) == getattr(theirs, attribute)


def test_finfo_defaults_compares_by_value_and_is_read_only():
    assert chainrule.finfo() == chainrule.finfo(chainrule.float32) != chainrule.finfo(chainrule.float64)
    assert chainrule.finfo(chainrule.float) == chainrule.finfo(chainrule.float32)
    chainrule.set_default_dtype(chainrule.float64)
    try:
        assert chainrule.finfo().dtype == "float64"
    finally:
        chainrule.set_default_dtype(chainrule.float32)
    with pytest.raises(AttributeError, match="not writable"):
        chainrule.finfo().eps = 1.0
    with pytest.raises(TypeError, match="unhashable"):
        hash(chainrule.iinfo(chainrule.int8))


def test_range_includes_its_end_and_warns_as_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.range(1, 4),
        lambda lib: lib.range(0, 1, 0.1),
        lambda lib: lib.range(4, 1, -1),
        lambda lib: lib.range(1, 4, dtype=lib.int64),
        lambda lib: lib.range(0, 1, 0.3, dtype=lib.float64),
        lambda lib: lib.range(1, 1),
    ]
    for case in cases:
        with pytest.warns(UserWarning, match="torch.range is deprecated"):
            ours = case(chainrule)
        with pytest.warns(UserWarning):
            theirs = case(torch)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype)
    with pytest.warns(UserWarning):
        assert chainrule.range(0, 1, 0.5, requires_grad=True).requires_grad


ERRORS = [
    ("stride_dim", lambda lib: lib.zeros(2, 3).stride(2)),
    ("stride_0d", lambda lib: lib.tensor(1.0).stride(0)),
    ("type_name", lambda lib: lib.zeros(2).type("torch.Foo")),
    ("is_floating_point_number", lambda lib: lib.is_floating_point(1.0)),
    ("finfo_int", lambda lib: lib.finfo(lib.int32)),
    ("finfo_tensor", lambda lib: lib.finfo(lib.zeros(1))),
    ("iinfo_float", lambda lib: lib.iinfo(lib.float32)),
    ("iinfo_bool", lambda lib: lib.iinfo(lib.bool)),
    ("range_sign", lambda lib: lib.range(4, 1)),
    ("range_step", lambda lib: lib.range(1, 4, 0)),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fn", [fn for _, fn in ERRORS], ids=[name for name, _ in ERRORS])
def test_errors_read_as_torchs(fn):
    ours, theirs = raises_like_torch(fn)
    assert theirs in ours
