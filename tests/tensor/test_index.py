"""Indexing (reading and ``x[k] = v``) and the gather/scatter family against PyTorch 2.13,
plus checks that need no torch: finite differences, views, error messages."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.tensor.test_shape import assert_matches_torch, raises_like_torch

SHAPE = (3, 4, 5)

# Keys written once for both libraries: lib is chainrule or torch.
KEYS = [
    ("int", lambda lib: 1),
    ("negative_int", lambda lib: -1),
    ("slice", lambda lib: slice(1, None)),
    ("slice_step", lambda lib: (slice(None), slice(None, None, 2))),
    ("slice_past_end", lambda lib: slice(1, 99)),
    ("empty_slice", lambda lib: slice(2, 1)),
    ("full_slice", lambda lib: slice(None)),
    ("none", lambda lib: None),
    ("ellipsis", lambda lib: Ellipsis),
    ("empty_tuple", lambda lib: ()),
    ("ellipsis_int", lambda lib: (Ellipsis, 0)),
    ("int_none_slice", lambda lib: (0, None, slice(1, 3))),
    ("ints_all_dims", lambda lib: (2, -1, 0)),
    ("none_last", lambda lib: (Ellipsis, None)),
    ("int_list_repeats", lambda lib: [0, 2, 0, 0]),
    ("int_tensor", lambda lib: lib.tensor([2, 0, 2])),
    ("int_tensor_0d", lambda lib: lib.tensor(1)),
    ("int_tensor_2d", lambda lib: lib.tensor([[0, 1], [1, 1]])),
    ("two_arrays", lambda lib: ([0, 1, 1], [3, 0, 3])),
    ("arrays_apart", lambda lib: ([0, 2], slice(None), [1, 1])),
    ("array_after_slice", lambda lib: (slice(1, None), [0, 3, 0])),
    ("array_none_array", lambda lib: ([0, 1], None, [1, 2])),
    ("ellipsis_array", lambda lib: (Ellipsis, [4, 4, 0])),
    ("bool_mask_full", lambda lib: lib.tensor(np.arange(60).reshape(SHAPE) % 3 == 0)),
    ("bool_mask_leading", lambda lib: lib.tensor([True, False, True])),
    ("bool_mask_middle", lambda lib: (slice(None), lib.tensor([True, False, False, True]))),
    ("bool_numpy_mask", lambda lib: np.array([False, True, True])),
    ("bool_list", lambda lib: [True, False, True]),
    ("python_true", lambda lib: True),
    ("python_false", lambda lib: False),
    ("bool_0d_tensor", lambda lib: lib.tensor(True)),
    ("numpy_int_array", lambda lib: np.array([1, 1])),
    ("numpy_int_scalar", lambda lib: np.int64(2)),
    ("empty_list", lambda lib: []),
    ("list_as_tuple", lambda lib: [0, slice(None)]),
]


@pytest.mark.parametrize("make_key", [k for _, k in KEYS], ids=[n for n, _ in KEYS])
def test_reading_matches_torch(make_key):
    x = np.random.default_rng(0).standard_normal(SHAPE)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # torch warns about list_as_tuple
        assert_matches_torch(lambda lib, t: t[make_key(lib)], x)


@pytest.mark.parametrize("make_key", [k for _, k in KEYS], ids=[n for n, _ in KEYS])
def test_reading_gradients_match_finite_differences(make_key):
    x = chainrule.tensor(np.random.default_rng(1).standard_normal(SHAPE), requires_grad=True)
    key = make_key(chainrule)
    assert gradcheck(lambda t: t[key] ** 2, (x,))
    assert gradgradcheck(lambda t: t[key] ** 2, (x,))


def test_repeated_indices_add_their_gradients_without_torch():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x[[0, 2, 0, 0]].sum().backward()
    assert x.grad.tolist() == [3.0, 0.0, 1.0]
    y = chainrule.zeros(2, 2, requires_grad=True)
    y[[0, 0, 1], [1, 1, 0]].sum().backward()
    assert y.grad.tolist() == [[0.0, 2.0], [1.0, 0.0]]


def test_index_0d_tensor():
    assert_matches_torch(lambda lib, t: (t[None], t[...], t[()]), np.array(2.5))
    with pytest.raises(IndexError, match="invalid index of a 0-dim tensor"):
        chainrule.tensor(1.0)[0]


@pytest.mark.parametrize("make_key", [
    lambda lib, x: (slice(None), 0),
    lambda lib, x: x > 0,
    lambda lib, x: lib.tensor([], dtype=lib.int64),
    lambda lib, x: (Ellipsis, None, slice(1, None)),
], ids=["select", "mask", "empty_index", "slice"])
def test_indexing_empty_tensors(make_key):
    assert_matches_torch(lambda lib, t: t[make_key(lib, t)], np.zeros((0, 3)))


def test_basic_indexing_gives_views_and_advanced_indexing_copies():
    x = chainrule.arange(12.0).reshape(3, 4)
    for view in (x[1], x[:, 1:3], x[None, ..., 0], x[1, 2]):
        assert view._base is x._base and np.shares_memory(view.numpy(), x.numpy())
    row = x[1]
    x.mul_(2)
    assert row._version == x._version == 1 and row.tolist() == [8.0, 10.0, 12.0, 14.0]
    for copy in (x[[0, 1]], x[x > 3], x[:, [0]]):
        assert not copy._is_view() and not np.shares_memory(copy.numpy(), x.numpy())


READ_ERRORS = [
    ("negative_step", lambda lib, x: x[::-1]),
    ("zero_step", lambda lib, x: x[::0]),
    ("int_out_of_range", lambda lib, x: x[3]),
    ("negative_out_of_range", lambda lib, x: x[-4]),
    ("second_dim_out_of_range", lambda lib, x: x[0, 4]),
    ("too_many", lambda lib, x: x[0, 0, 0, 0]),
    ("float_tensor", lambda lib, x: x[lib.tensor([0.0])]),
    ("float", lambda lib, x: x[1.0]),
    ("mask_shape", lambda lib, x: x[lib.ones(4, 5, dtype=lib.bool)]),
    ("list_out_of_range", lambda lib, x: x[[0, 3]]),
]


@pytest.mark.parametrize("fn", [f for _, f in READ_ERRORS], ids=[n for n, _ in READ_ERRORS])
def test_reading_errors_match_torch(fn):
    ours, theirs = raises_like_torch(lambda lib: fn(lib, lib.zeros(SHAPE)))
    assert ours == theirs


def test_an_array_index_out_of_range_names_its_real_dimension():
    # PyTorch numbers the dimension among the indexed ones ("dimension 0"); we name the tensor's.
    with pytest.raises(IndexError, match="index 9 is out of bounds for dimension 2 with size 5"):
        chainrule.zeros(SHAPE)[:, :, [0, 9]]


# -- writing: x[key] = value ---------------------------------------------------------------

WRITES = [
    ("int_number", lambda lib: 1, lambda lib, v: 7.0),
    ("int_row", lambda lib: 1, lambda lib, v: v),
    ("slice_broadcast_row", lambda lib: (slice(None), 2), lambda lib, v: v[0, 0]),
    ("whole_tensor", lambda lib: (slice(None), Ellipsis), lambda lib, v: v[0]),
    ("leading_ones_dropped", lambda lib: (0, 0), lambda lib, v: v[:1, :1, :]),
    ("ellipsis", lambda lib: Ellipsis, lambda lib, v: v[0, 0]),
    ("mask_number", lambda lib: lib.tensor(np.arange(60).reshape(SHAPE) % 4 == 0), lambda lib, v: -1.0),
    ("int_array_values", lambda lib: ([0, 2], [1, 3]), lambda lib, v: v[0, :2]),
    ("int_array_repeats", lambda lib: [1, 1], lambda lib, v: v[0]),
    ("mask_tensor_values", lambda lib: lib.tensor([True, False, True]), lambda lib, v: v[0]),
]


@pytest.mark.parametrize("make_key,make_value", [w[1:] for w in WRITES], ids=[w[0] for w in WRITES])
def test_writing_matches_torch(make_key, make_value):
    rng = np.random.default_rng(2)
    x, v = rng.standard_normal(SHAPE), rng.standard_normal((1, 4, 5))

    def write(lib, x, v):
        y = x * 1.5  # a non-leaf: its history is rebased by the write
        y[make_key(lib)] = make_value(lib, v * 2)
        return y

    assert_matches_torch(write, x, v, check_names=False)
    torch = pytest.importorskip("torch")
    ours = write(chainrule, chainrule.tensor(x, requires_grad=True), chainrule.tensor(v, requires_grad=True))
    theirs = write(torch, torch.tensor(x, requires_grad=True), torch.tensor(v, requires_grad=True))
    their_name = theirs.grad_fn.name().removeprefix("torch::autograd::")
    assert ours.grad_fn.name() == their_name and ours._version == theirs._version


def test_writing_into_zeros_makes_the_result_require_grad():
    a = chainrule.tensor([2.0, 3.0], requires_grad=True)
    h = chainrule.zeros(3)
    h[1:] = a * a
    h[0] = a[0]
    assert h.requires_grad and h.grad_fn.name() == "CopySlices" and h._version == 2
    (h * chainrule.tensor([1.0, 10.0, 100.0])).sum().backward()
    assert a.grad.tolist() == [41.0, 600.0]


def test_writing_gradients_match_finite_differences():
    rng = np.random.default_rng(3)
    x = chainrule.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    v = chainrule.tensor(rng.standard_normal(4), requires_grad=True)

    def f(x, v):
        y = x.tanh()
        y[1] = v * v
        y[[0, 2], [3, 3]] = v[:2].exp()
        return y * x

    assert gradcheck(f, (x, v))
    assert gradgradcheck(f, (x, v))


def test_writing_into_a_leaf_that_requires_grad_is_refused_as_in_torch():
    x = chainrule.zeros(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^a view of a leaf Variable that requires grad is being used"):
        x[0] = 1.0
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used"):
        x[[0]] = 1.0
    with chainrule.no_grad():
        x[0] = 1.0
        x[[2]] = 3.0
    assert x.tolist() == [1.0, 0.0, 3.0] and x._version == 2


def test_writing_casts_to_the_tensors_dtype_and_integer_tensors_take_no_history():
    t = chainrule.zeros(3, dtype=chainrule.int64)
    t[0] = 2.7
    t[1] = chainrule.tensor(5.0, requires_grad=True)
    assert t.tolist() == [2, 5, 0] and t.grad_fn is None and not t.requires_grad


def test_writing_a_value_of_the_wrong_shape_raises_torchs_message():
    torch = pytest.importorskip("torch")
    for lib in (torch, chainrule):
        with pytest.raises(RuntimeError, match=r"The expanded size of the tensor \(4\) must match the existing size \(3\)"):
            lib.zeros(3, 4)[0] = lib.ones(3)


def test_writing_through_an_expanded_tensor_is_refused():
    e = chainrule.zeros(3).expand(2, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        e.add_(1.0)
    # PyTorch lets e[0] write into the expanded memory; NumPy's broadcast views are read-only.
    with pytest.raises(RuntimeError, match=r"memory \(shape \[3\]\) is read-only; clone\(\) it"):
        e[0] = 1.0


# -- gather, scatter, scatter_add, index_select, masked_select ------------------------------

ALONG_DIM = [
    ("gather", lambda lib, x: x.gather(1, lib.tensor([[0, 0, 4], [1, 2, 2], [3, 3, 3]])), [(3, 5)]),
    ("gather_small_index", lambda lib, x: lib.gather(x, 0, lib.tensor([[2, 0]])), [(3, 5)]),
    ("gather_negative_dim", lambda lib, x: x.gather(-1, lib.tensor([[1], [0], [1]])), [(3, 2)]),
    ("scatter_add", lambda lib, x, s: x.scatter_add(1, lib.tensor([[0, 0], [2, 2], [1, 0]]), s), [(3, 3), (3, 2)]),
    ("scatter_add_repeats", lambda lib, x, s: lib.scatter_add(x, 0, lib.tensor([[1, 1, 0]]), s), [(2, 3), (1, 3)]),
    ("scatter_src", lambda lib, x, s: x.scatter(1, lib.tensor([[2], [0]]), s), [(2, 3), (2, 1)]),
    ("scatter_value", lambda lib, x: lib.scatter(x, 0, lib.tensor([[1, 0, 1]]), 5.0), [(2, 3)]),
    ("index_select", lambda lib, x: x.index_select(0, lib.tensor([2, 0, 2, 2])), [(3, 2)]),
    ("index_select_last_dim", lambda lib, x: lib.index_select(x, -1, lib.tensor([1])), [(3, 2)]),
    ("index_select_0d_index", lambda lib, x: x.index_select(1, lib.tensor(0)), [(3, 2)]),
    ("masked_select", lambda lib, x: x.masked_select(x > 0), [(3, 4)]),
    ("index_add", lambda lib, x, s: x.index_add(1, lib.tensor([2, 0, 2]), s, alpha=-1.5), [(2, 4), (2, 3)]),
    ("index_add_0d", lambda lib, x, s: lib.index_add(x, 0, lib.tensor([0]), s), [(), ()]),
    ("index_put", lambda lib, x, v: x.index_put((lib.tensor([0, 1]), lib.tensor([2, 2])), v), [(2, 3), (2,)]),
    ("index_put_accumulate", lambda lib, x, v: x.index_put((lib.tensor([1, 1, 0]),), v, accumulate=True),
     [(2, 3), (3, 3)]),
    ("masked_select_broadcast", lambda lib, x: lib.masked_select(x, lib.tensor([True, False, True])), [(2, 3)]),
]


@pytest.mark.parametrize("fn,shapes", [c[1:] for c in ALONG_DIM], ids=[c[0] for c in ALONG_DIM])
def test_along_dim_ops_match_torch(fn, shapes):
    rng = np.random.default_rng(4)
    assert_matches_torch(fn, *[rng.standard_normal(s) for s in shapes])


# A source bigger than the index: only the index's corner is used. PyTorch's own double
# backward fails here (its gradient has the index's shape), so these are checked without it.
BIGGER_SOURCE = [
    ("scatter_add_bigger_src", lambda lib, x, s: lib.scatter_add(x, 0, lib.tensor([[1, 1, 0]]), s), [(2, 3), (2, 4)]),
    ("scatter_bigger_src", lambda lib, x, s: x.scatter(1, lib.tensor([[2], [0]]), s), [(2, 3), (2, 2)]),
]


@pytest.mark.parametrize("fn,shapes", [c[1:] for c in ALONG_DIM + BIGGER_SOURCE],
                         ids=[c[0] for c in ALONG_DIM + BIGGER_SOURCE])
def test_along_dim_ops_match_finite_differences(fn, shapes):
    rng = np.random.default_rng(5)
    inputs = tuple(chainrule.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes)
    assert gradcheck(lambda *xs: fn(chainrule, *xs) ** 2, inputs)
    assert gradgradcheck(lambda *xs: fn(chainrule, *xs) ** 2, inputs)


def test_one_hot_by_scatter_():
    labels = chainrule.tensor([2, 0])
    one_hot = chainrule.zeros(2, 3).scatter_(1, labels.unsqueeze(1), 1.0)
    assert one_hot.tolist() == [[0.0, 0.0, 1.0], [1.0, 0.0, 0.0]] and one_hot._version == 1


ALONG_DIM_ERRORS = [
    ("gather_float_index", lambda lib: lib.zeros(2, 3).gather(1, lib.tensor([[0.0]]))),
    ("gather_out_of_range", lambda lib: lib.zeros(2, 3).gather(1, lib.tensor([[5]]))),
    ("gather_ndim", lambda lib: lib.zeros(2, 3).gather(1, lib.tensor([1]))),
    ("gather_too_big", lambda lib: lib.zeros(2, 3).gather(1, lib.zeros(3, 4, dtype=lib.int64))),
    ("scatter_add_out_of_range", lambda lib: lib.zeros(2, 3).scatter_add(1, lib.tensor([[3]]), lib.ones(1, 1))),
    ("index_select_2d", lambda lib: lib.zeros(2, 3).index_select(1, lib.zeros(2, 2, dtype=lib.int64))),
    ("index_select_float", lambda lib: lib.zeros(2, 3).index_select(1, lib.tensor([1.0]))),
    ("index_add_count", lambda lib: lib.zeros(3, 4).index_add(1, lib.tensor([0, 1]), lib.ones(3, 3))),
    ("index_add_shape", lambda lib: lib.zeros(3, 4).index_add(1, lib.tensor([0, 1]), lib.ones(2, 2))),
    ("index_add_range", lambda lib: lib.zeros(3, 4).index_add(1, lib.tensor([0, 9]), lib.ones(3, 2))),
    ("index_add_0d_source", lambda lib: lib.zeros(()).index_add(0, lib.tensor([0, 0]), lib.ones(2))),
]


@pytest.mark.parametrize("fn", [f for _, f in ALONG_DIM_ERRORS], ids=[n for n, _ in ALONG_DIM_ERRORS])
def test_along_dim_errors_match_torch(fn):
    ours, theirs = raises_like_torch(fn)
    assert ours == theirs


def test_index_select_out_of_range_names_dim_and_size():
    with pytest.raises(IndexError, match="index 3 is out of bounds for dimension 1 with size 3"):
        chainrule.zeros(2, 3).index_select(1, chainrule.tensor([3]))


# -- random keys against NumPy (no torch) ----------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@st.composite
def shapes_and_keys(draw):
    """A shape and a key for it: ints, positive-step slices, None, one ..., int lists, masks."""
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=0, max_size=3)))
    parts, dim, ellipsis_used = [], 0, False
    while dim < len(shape) and draw(st.booleans()):
        size = shape[dim]
        choice = draw(st.sampled_from(["int", "slice", "none", "ellipsis", "list", "mask"]))
        if choice == "int" and size:
            parts.append(draw(st.integers(-size, size - 1)))
        elif choice == "slice":
            start = draw(st.none() | st.integers(-5, 5))
            stop = draw(st.none() | st.integers(-5, 5))
            parts.append(slice(start, stop, draw(st.none() | st.integers(1, 3))))
        elif choice == "none":
            parts.append(None)
            continue
        elif choice == "ellipsis" and not ellipsis_used:
            ellipsis_used = True
            parts.append(Ellipsis)
            dim = len(shape) - sum(1 for p in parts if p is not None and p is not Ellipsis)
            continue
        elif choice == "list" and size:
            parts.append(draw(st.lists(st.integers(-size, size - 1), max_size=4)))
        elif choice == "mask":
            parts.append(np.array(draw(st.lists(st.booleans(), min_size=size, max_size=size)), dtype=bool))
        else:
            parts.append(slice(None))
        dim += 1
    return shape, tuple(parts)


def _case(shape_and_key, seed):
    """Random data for the drawn shape, the key as NumPy reads it, and what NumPy gives."""
    shape, parts = shape_and_key
    rng = np.random.default_rng(seed)
    data = rng.standard_normal(shape)
    key = tuple(np.asarray(p, dtype=np.int64) if isinstance(p, list) else p for p in parts)
    try:
        expected = data[key]
    except IndexError:
        hypothesis.assume(False)  # e.g. two lists that do not broadcast together
    return rng, data, parts, key, expected


@hypothesis.given(shapes_and_keys(), st.integers(0, 2**16))
def test_random_keys_read_and_differentiate_as_numpy_says(shape_and_key, seed):
    rng, data, parts, key, expected = _case(shape_and_key, seed)
    x = chainrule.tensor(data, requires_grad=True)
    out = x[parts]
    np.testing.assert_array_equal(out.detach().numpy(), expected)
    upstream = rng.standard_normal(expected.shape)
    out.backward(chainrule.tensor(upstream))
    reference = np.zeros(data.shape)
    np.add.at(reference, key, upstream)  # every use of an element adds its gradient
    np.testing.assert_allclose(x.grad.numpy(), reference, rtol=1e-12, atol=1e-12)
    basic = all(not isinstance(p, (list, np.ndarray)) for p in parts)
    assert out._is_view() == basic


@hypothesis.given(shapes_and_keys(), st.integers(0, 2**16))
def test_random_keys_write_as_numpy_says(shape_and_key, seed):
    rng, data, parts, key, target = _case(shape_and_key, seed)
    shape = data.shape
    hypothesis.assume(all(len(set(p)) == len(p) for p in parts if isinstance(p, list)))  # no repeated writes
    values = rng.standard_normal(target.shape)
    expected = data.copy()
    expected[key] = values
    x = chainrule.tensor(data, requires_grad=True)
    v = chainrule.tensor(values, requires_grad=True)
    y = x * 1
    y[parts] = v
    np.testing.assert_array_equal(y.detach().numpy(), expected)
    upstream = rng.standard_normal(shape)
    y.backward(chainrule.tensor(upstream))
    kept = np.ones(shape)
    kept[key] = 0
    np.testing.assert_allclose(x.grad.numpy(), upstream * kept, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(v.grad.numpy(), upstream[key], rtol=1e-12, atol=1e-12)
