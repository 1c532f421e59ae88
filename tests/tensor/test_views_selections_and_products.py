"""The ops of broadcasting.py, splitting.py, stacking.py, reordering.py, strided_views.py,
selecting.py, products.py and distances.py beyond what the op table checks: which results
are views (shared memory, shared version counter, in-place writes reaching the base),
the in-place forms, argument forms, warnings and errors, against PyTorch 2.13."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.autograd.node import Node
from tests.tensor.test_shape import raises_like_torch

# -- views ---------------------------------------------------------------------------------------

VIEWS = [
    ("broadcast_to", lambda lib, x: lib.broadcast_to(x, (4, 2, 3))),
    ("broadcast_to_same_shape", lambda lib, x: x.broadcast_to((2, 3))),
    ("broadcast_tensors", lambda lib, x: lib.broadcast_tensors(x, lib.zeros(5, 1, 1))[0]),
    ("meshgrid", lambda lib, x: lib.meshgrid(x[0], x[1], indexing="xy")[1]),
    ("atleast_3d", lambda lib, x: lib.atleast_3d(x)),
    ("tensor_split", lambda lib, x: lib.tensor_split(x, 2, dim=1)[1]),
    ("tensor_split_indices", lambda lib, x: x.tensor_split([1, 2], dim=1)[2]),
    ("hsplit", lambda lib, x: lib.hsplit(x, [2])[0]),
    ("vsplit", lambda lib, x: x.vsplit(2)[1]),
    ("select", lambda lib, x: x.select(1, -1)),
    ("unfold", lambda lib, x: x.unfold(1, 2, 1)),
]


def _made_in_both(make) -> list:
    """``(x, make(lib, x))`` in chainrule and in torch, x a fresh 2x3 tensor."""
    torch = pytest.importorskip("torch")
    pairs = []
    for lib in (chainrule, torch):
        x = lib.arange(6.0).reshape(2, 3)
        pairs.append((x, make(lib, x)))
    return pairs


@pytest.mark.parametrize("make_view", [f for _, f in VIEWS], ids=[name for name, _ in VIEWS])
def test_views_share_memory_and_version_counter_as_in_torch(make_view):
    for x, v in _made_in_both(make_view):
        assert v._base is x or v._base is x._base
        assert np.shares_memory(np.asarray(v), np.asarray(x))
        before = v._version
        x.add_(1)
        assert v._version == before + 1


COPIES = [
    ("dstack", lambda lib, x: lib.dstack([x])),
    ("column_stack", lambda lib, x: lib.column_stack([x])),
    ("row_stack", lambda lib, x: lib.row_stack([x])),
    ("block_diag", lambda lib, x: lib.block_diag(x)),
    ("cartesian_prod", lambda lib, x: lib.cartesian_prod(x[0], x[1])),
    ("rot90", lambda lib, x: lib.rot90(x)),
    ("rot90_full_turn", lambda lib, x: x.rot90(0)),
    ("fliplr", lambda lib, x: lib.fliplr(x)),
    ("repeat_interleave_counts", lambda lib, x: x.repeat_interleave(lib.tensor([1, 2]), dim=0)),
    ("take", lambda lib, x: lib.take(x, lib.tensor([1]))),
    ("take_along_dim", lambda lib, x: lib.take_along_dim(x, lib.tensor([[0]]), dim=1)),
    ("index_fill", lambda lib, x: x.index_fill(0, lib.tensor([0]), 1.0)),
    ("put", lambda lib, x: x.put(lib.tensor([0]), lib.tensor([1.0]))),
    ("addmm", lambda lib, x: lib.addmm(x, lib.eye(2), x)),
    ("kron", lambda lib, x: lib.kron(x, lib.ones(1, 1))),
    ("cross", lambda lib, x: lib.cross(x, x, dim=1)),
    ("cdist", lambda lib, x: lib.cdist(x, x)),
]


@pytest.mark.parametrize("make_copy", [f for _, f in COPIES], ids=[name for name, _ in COPIES])
def test_copies_share_nothing_as_in_torch(make_copy):
    for x, y in _made_in_both(make_copy):
        assert y._base is None or (y._base is not x and y._base is not x._base)
        assert not np.shares_memory(np.asarray(y), np.asarray(x))


def test_a_write_through_a_view_reaches_the_base_and_its_gradient():
    torch = pytest.importorskip("torch")
    results = []
    for lib in (chainrule, torch):
        w = lib.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], dtype=lib.float64, requires_grad=True)
        x = w * 1.0
        lib.hsplit(x, 2)[1].mul_(3)
        x.select(0, 0).add_(1)
        x.unfold(1, 2, 2)[1, 0].mul_(-1)
        (x * x).sum().backward()
        results.append((x.detach().numpy().copy(), w.grad.numpy().copy(), _name(x.grad_fn)))
    (ours, ours_grad, ours_name), (theirs, theirs_grad, theirs_name) = results
    np.testing.assert_array_equal(ours, theirs)
    np.testing.assert_array_equal(ours_grad, theirs_grad)
    assert ours_name == theirs_name == "CopySlices"


def _name(grad_fn) -> str:
    """A grad_fn's class name in either library (torch's name() adds a C++ namespace)."""
    return grad_fn.name() if isinstance(grad_fn, Node) else type(grad_fn).__name__


def test_broadcast_tensors_gives_back_tensors_already_of_the_shape():
    a, b = chainrule.zeros(2, 3), chainrule.zeros(3)
    out = chainrule.broadcast_tensors(a, b)
    assert out[0] is a and out[1] is not b and out[1]._base is b
    assert chainrule.broadcast_tensors() == ()


def test_atleast_and_cartesian_prod_give_back_tensors_that_need_nothing():
    x = chainrule.zeros(2, 3)
    assert chainrule.atleast_1d(x) is x and chainrule.atleast_2d(x) is x
    one = chainrule.zeros(3)
    assert chainrule.cartesian_prod(one) is one
    assert chainrule.atleast_1d() == ()
    assert isinstance(chainrule.atleast_1d([one]), tuple)


def test_a_broadcast_view_with_repeats_refuses_writes_and_one_without_accepts_them():
    x = chainrule.zeros(1, 3)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        x.broadcast_to((2, 3)).add_(1)
    x.broadcast_to((1, 1, 3)).add_(1)  # nothing repeated: a plain view
    assert x.tolist() == [[1.0, 1.0, 1.0]]


def test_strides_of_views_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib, x: x.unfold(1, 2, 1),
        lambda lib, x: x.unfold(0, 2, 1).unfold(1, 2, 2),
        lambda lib, x: lib.broadcast_to(x, (2, 2, 4)),
        lambda lib, x: lib.rot90(x),
        lambda lib, x: lib.rot90(x, 3),
        lambda lib, x: lib.meshgrid(x[0], x[1], indexing="xy")[0],
        lambda lib, x: x.select(1, 1),
        lambda lib, x: lib.tensor_split(x, 3, dim=1)[2],
    ]
    for case in cases:
        ours = case(chainrule, chainrule.arange(8.0).reshape(2, 4))
        theirs = case(torch, torch.arange(8.0).reshape(2, 4))
        assert ours.stride() == theirs.stride() and ours.storage_offset() == theirs.storage_offset()


# -- in-place forms -----------------------------------------------------------------------------------

IN_PLACE = [
    ("index_fill_", lambda lib, x, s: x.index_fill_(1, lib.tensor([0, 2]), s[0, 0])),
    ("index_copy_", lambda lib, x, s: x.index_copy_(1, lib.tensor([2, 0]), s[:, :2])),
    ("masked_scatter_", lambda lib, x, s: x.masked_scatter_(lib.tensor([True, False, True]), s)),
    ("put_", lambda lib, x, s: x.put_(lib.tensor([4, 0]), s[1, 1:])),
    ("put_accumulate", lambda lib, x, s: x.put_(lib.tensor([4, 4]), s[1, 1:], accumulate=True)),
    ("addmm_", lambda lib, x, s: x.addmm_(s[:, :2], s, beta=0.5)),
    ("addmv_", lambda lib, x, s: x[0].addmv_(s.t()[:, :2], s[0, :2], alpha=2)),
    ("baddbmm_", lambda lib, x, s: x.unsqueeze(0).baddbmm_(s[None, :, :2], s[None])),
    ("addbmm_", lambda lib, x, s: x.addbmm_(s[None, :, :2], s[None])),
]


@pytest.mark.parametrize("write", [f for _, f in IN_PLACE], ids=[name for name, _ in IN_PLACE])
def test_in_place_forms_match_torch_with_gradients(write):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    x0, s0 = rng.standard_normal((2, 3)), rng.standard_normal((2, 3))
    results = []
    for lib in (chainrule, torch):
        w = lib.tensor(x0, requires_grad=True)
        s = lib.tensor(s0, requires_grad=True)
        x = w.clone()
        write(lib, x, s)  # writes into x, or into a view of x (then x's history is CopySlices)
        assert x._version > 0
        (x * lib.tensor(x0 + 1.0)).sum().backward()
        results.append((x.detach().numpy().copy(), w.grad.numpy(), s.grad.numpy(), _name(x.grad_fn)))
    for ours, theirs in zip(*results):
        if isinstance(ours, str):
            assert ours == theirs
        else:
            np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)


def test_in_place_forms_without_grad_write_into_the_tensor():
    x = chainrule.zeros(2, 3)
    data = x.numpy()
    x.index_fill_(1, chainrule.tensor([1]), 2.0).put_(chainrule.tensor([0]), chainrule.tensor([5.0]))
    x.index_copy_(0, chainrule.tensor([1]), chainrule.ones(1, 3))
    assert x.numpy() is data and x._version == 3
    assert x.tolist() == [[5.0, 2.0, 0.0], [1.0, 1.0, 1.0]]


def test_masked_scatter_in_place_cannot_grow_the_tensor():
    with pytest.raises(RuntimeError, match="number of sizes provided"):
        chainrule.zeros(3).masked_scatter_(chainrule.ones(2, 3, dtype=chainrule.bool), chainrule.zeros(6))


# -- argument forms and values ------------------------------------------------------------------------


def test_repeat_interleave_forms_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.repeat_interleave(lib.tensor([2, 0, 1])),
        lambda lib: lib.repeat_interleave(lib.tensor([2, 0, 1], dtype=lib.int32)),
        lambda lib: lib.tensor([1, 2]).repeat_interleave(lib.tensor(3)),
        lambda lib: lib.tensor([[1, 2], [3, 4]]).repeat_interleave(lib.tensor([2]), dim=1),
        lambda lib: lib.repeat_interleave(lib.tensor([[1, 2], [3, 4]]), 2, dim=-1, output_size=4),
        lambda lib: lib.repeat_interleave(lib.tensor(3.0), 2),
        lambda lib: lib.zeros(2, 0).repeat_interleave(3, dim=0),
    ]
    for case in cases:
        ours, theirs = case(chainrule), case(torch)
        assert ours.tolist() == theirs.tolist() and str(ours.dtype) == str(theirs.dtype)


def test_tensor_split_edge_cases_match_torch():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.tensor_split(lib.arange(5), [-2]),
        lambda lib: lib.tensor_split(lib.arange(5), [3, 1]),
        lambda lib: lib.tensor_split(lib.arange(5), [-7, 2]),
        lambda lib: lib.tensor_split(lib.arange(5), []),
        lambda lib: lib.tensor_split(lib.arange(3), 5),
        lambda lib: lib.tensor_split(lib.arange(6).reshape(2, 3), lib.tensor(2), dim=1),
        lambda lib: lib.tensor_split(lib.arange(5), lib.tensor([], dtype=lib.int64)),
    ]
    for case in cases:
        assert [p.tolist() for p in case(chainrule)] == [p.tolist() for p in case(torch)]


def test_addmm_family_follows_blas_rules_for_zero_factors_and_integers():
    torch = pytest.importorskip("torch")
    cases = [
        lambda lib: lib.addmm(lib.full((3,), float("nan")), lib.ones(2, 4), lib.ones(4, 3), beta=0),
        lambda lib: lib.addmm(lib.ones(3), lib.full((2, 4), float("nan")), lib.ones(4, 3), alpha=0),
        lambda lib: lib.addmv(lib.ones(2), lib.full((2, 4), float("nan")), lib.ones(4), alpha=0),
        lambda lib: lib.addbmm(lib.ones(2, 3), lib.full((1, 2, 4), float("nan")), lib.ones(1, 4, 3), alpha=0),
        lambda lib: lib.baddbmm(lib.ones(1, 2, 3), lib.full((1, 2, 4), float("nan")), lib.ones(1, 4, 3), alpha=0),
        lambda lib: lib.addmm(lib.ones(3, dtype=lib.long), lib.ones(2, 4, dtype=lib.long),
                              lib.ones(4, 3, dtype=lib.long), alpha=0.5, beta=2.7),
        lambda lib: lib.addmm(lib.zeros(0), lib.zeros(2, 0), lib.zeros(0, 0)),
    ]
    for case in cases:
        ours, theirs = case(chainrule), case(torch)
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
        assert str(ours.dtype) == str(theirs.dtype)


def test_zero_beta_still_gives_the_input_a_zero_gradient_as_torch():
    c = chainrule.ones(3, requires_grad=True)
    chainrule.addmm(c, chainrule.ones(2, 4), chainrule.ones(4, 3), beta=0).sum().backward()
    assert c.grad.tolist() == [0.0, 0.0, 0.0]


def test_multi_dot_multiplies_in_the_cheapest_order():
    shapes = [(10, 100), (100, 5), (5, 50), (50, 1)]
    chain = [chainrule.ones(*s, requires_grad=True) for s in shapes]
    out = chainrule.linalg.multi_dot(chain)
    assert out.grad_fn.name() == "ViewBackward0"
    # ((A (B C)) D) costs more than (A (B (C D))), the order CLRS's search picks here
    product = out.grad_fn.next_functions[0][0]
    assert [fn.name() for fn, _ in product.next_functions] == ["AccumulateGrad", "MmBackward0"]


def test_deprecated_spellings_warn_as_in_torch():
    a, b = chainrule.zeros(3), chainrule.zeros(2)
    with pytest.warns(UserWarning, match="indexing argument"):
        chainrule.meshgrid(a, b)
    with pytest.warns(UserWarning, match="without specifying the dim arg is deprecated"):
        assert chainrule.cross(chainrule.zeros(2, 3), chainrule.zeros(2, 3)).shape == (2, 3)
    with pytest.warns(UserWarning, match="chain_matmul is deprecated"):
        chainrule.chain_matmul(chainrule.eye(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        chainrule.meshgrid(a, b, indexing="ij")
        chainrule.cross(chainrule.zeros(3), chainrule.zeros(3), dim=0)


def test_cdist_second_derivative_exists_where_torch_has_none():
    torch = pytest.importorskip("torch")
    a = torch.randn(3, 2, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(torch.cdist(a, a.detach() + 1).sum(), a, create_graph=True)
    with pytest.raises(RuntimeError, match="not implemented"):
        torch.autograd.grad(g.sum(), a)
    x = chainrule.tensor(a.detach().numpy(), requires_grad=True)
    (g,) = chainrule.autograd.grad(chainrule.cdist(x, x.detach() + 1).sum(), x, create_graph=True)
    assert chainrule.autograd.grad(g.sum(), x)[0].shape == (3, 2)


# -- errors ---------------------------------------------------------------------------------------------

ERRORS = [
    ("broadcast_to_size", lambda lib: lib.broadcast_to(lib.zeros(2, 3), (3, 3))),
    ("broadcast_tensors", lambda lib: lib.broadcast_tensors(lib.zeros(2, 3), lib.zeros(4))),
    ("broadcast_shapes", lambda lib: lib.broadcast_shapes((2,), (3,))),
    ("broadcast_shapes_negative", lambda lib: lib.broadcast_shapes((-1,), (3,))),
    ("meshgrid_indexing", lambda lib: lib.meshgrid(lib.zeros(2), indexing="ab")),
    ("meshgrid_empty", lambda lib: lib.meshgrid(indexing="ij")),
    ("meshgrid_dtype", lambda lib: lib.meshgrid(lib.zeros(2), lib.arange(3), indexing="ij")),
    ("cartesian_prod_2d", lambda lib: lib.cartesian_prod(lib.zeros(2, 2), lib.zeros(2))),
    ("tensor_split_0d", lambda lib: lib.tensor_split(lib.tensor(1.0), 2)),
    ("tensor_split_sections", lambda lib: lib.tensor_split(lib.zeros(3), 0)),
    ("tensor_split_float_tensor", lambda lib: lib.tensor_split(lib.zeros(3), lib.tensor([1.0]))),
    ("tensor_split_2d_tensor", lambda lib: lib.tensor_split(lib.zeros(3), lib.tensor([[1]]))),
    ("tensor_split_dim", lambda lib: lib.tensor_split(lib.zeros(2, 3), 2, dim=2)),
    ("hsplit_uneven", lambda lib: lib.hsplit(lib.zeros(2, 3), 2)),
    ("hsplit_0d", lambda lib: lib.hsplit(lib.tensor(1.0), 2)),
    ("vsplit_1d", lambda lib: lib.vsplit(lib.zeros(4), 2)),
    ("dsplit_uneven", lambda lib: lib.dsplit(lib.zeros(2, 2, 3), 2)),
    ("dstack_empty", lambda lib: lib.dstack([])),
    ("column_stack_empty", lambda lib: lib.column_stack([])),
    ("row_stack_empty", lambda lib: lib.row_stack([])),
    ("block_diag_3d", lambda lib: lib.block_diag(lib.zeros(2, 2, 2))),
    ("rot90_1d", lambda lib: lib.rot90(lib.zeros(3))),
    ("rot90_one_dim", lambda lib: lib.rot90(lib.zeros(2, 3), 1, [0])),
    ("rot90_same_dims", lambda lib: lib.rot90(lib.zeros(2, 3), 1, [0, -2])),
    ("fliplr_1d", lambda lib: lib.fliplr(lib.zeros(3))),
    ("flipud_0d", lambda lib: lib.flipud(lib.tensor(1.0))),
    ("repeat_interleave_negative", lambda lib: lib.zeros(3).repeat_interleave(-1)),
    ("repeat_interleave_negative_counts", lambda lib: lib.zeros(3).repeat_interleave(lib.tensor([1, -1, 1]))),
    ("repeat_interleave_counts_length", lambda lib: lib.zeros(2, 3).repeat_interleave(lib.tensor([1, 1]), dim=1)),
    ("repeat_interleave_2d_counts", lambda lib: lib.zeros(3).repeat_interleave(lib.tensor([[1, 1, 1]]))),
    ("repeat_interleave_float_counts", lambda lib: lib.repeat_interleave(lib.zeros(3), lib.tensor([1.0, 1.0, 2.0]))),
    ("repeat_interleave_output_size", lambda lib: lib.zeros(2).repeat_interleave(2, output_size=5)),
    ("unfold_size", lambda lib: lib.zeros(2, 3).unfold(1, 4, 1)),
    ("unfold_step", lambda lib: lib.zeros(2, 3).unfold(1, 2, 0)),
    ("unfold_negative_size", lambda lib: lib.zeros(2, 3).unfold(1, -1, 1)),
    ("unfold_0d", lambda lib: lib.tensor(1.0).unfold(0, 2, 1)),
    ("select_index", lambda lib: lib.zeros(2, 3).select(1, -4)),
    ("select_0d", lambda lib: lib.tensor(1.0).select(0, 0)),
    ("take_range", lambda lib: lib.take(lib.zeros(2, 3), lib.tensor([-7]))),
    ("take_int32", lambda lib: lib.take(lib.zeros(2, 3), lib.tensor([1], dtype=lib.int32))),
    ("take_from_empty", lambda lib: lib.take(lib.zeros(0), lib.tensor([0]))),
    ("take_along_dim_ndim", lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.tensor([0]), dim=0)),
    ("take_along_dim_float", lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.tensor([[0.0]]), dim=0)),
    ("take_along_dim_int32", lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.tensor([[0]], dtype=lib.int32), 0)),
    ("take_along_dim_shapes", lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.tensor([[1, 0]]), dim=0)),
    ("take_along_dim_flat_range", lambda lib: lib.take_along_dim(lib.zeros(2, 3), lib.tensor([6]))),
    ("index_fill_range", lambda lib: lib.zeros(2, 3).index_fill(1, lib.tensor([3]), 1.0)),
    ("index_fill_2d_index", lambda lib: lib.zeros(2, 3).index_fill(1, lib.tensor([[0]]), 1.0)),
    ("index_fill_float_index", lambda lib: lib.zeros(2, 3).index_fill(1, lib.tensor([0.0]), 1.0)),
    ("index_fill_1d_value", lambda lib: lib.zeros(2, 3).index_fill(1, lib.tensor([0]), lib.tensor([1.0]))),
    ("index_copy_slices", lambda lib: lib.zeros(2, 3, 4).index_copy(1, lib.tensor([0, 1]), lib.zeros(3, 2, 5))),
    ("index_copy_count", lambda lib: lib.zeros(2, 3).index_copy(1, lib.tensor([0]), lib.zeros(2, 2))),
    ("index_copy_range", lambda lib: lib.zeros(2, 3).index_copy(1, lib.tensor([0, 3]), lib.zeros(2, 2))),
    ("index_copy_dtype", lambda lib: lib.zeros(2, 3).index_copy(1, lib.tensor([0]), lib.zeros(2, 1, dtype=lib.double))),
    ("index_copy_ndim", lambda lib: lib.zeros(2, 3, 4).index_copy(1, lib.tensor([0, 1]), lib.zeros(2, 2))),
    ("index_copy_int32", lambda lib: lib.zeros(2, 3).index_copy(1, lib.tensor([0], dtype=lib.int32), lib.zeros(2, 1))),
    ("masked_scatter_short", lambda lib: lib.zeros(2, 3).masked_scatter(lib.ones(2, 3, dtype=lib.bool), lib.zeros(5))),
    ("masked_scatter_float_mask", lambda lib: lib.zeros(2, 3).masked_scatter(lib.ones(2, 3), lib.zeros(6))),
    ("put_range", lambda lib: lib.zeros(2, 3).put(lib.tensor([6]), lib.tensor([1.0]))),
    ("put_count", lambda lib: lib.zeros(2, 3).put(lib.tensor([0, 1]), lib.tensor([1.0]))),
    ("put_dtype", lambda lib: lib.zeros(2, 3).put(lib.tensor([0]), lib.tensor([1.0], dtype=lib.double))),
    ("addmm_shapes", lambda lib: lib.addmm(lib.zeros(2, 3), lib.zeros(2, 4), lib.zeros(3, 3))),
    ("addmm_1d", lambda lib: lib.addmm(lib.zeros(3), lib.zeros(4), lib.zeros(4, 3))),
    ("addmm_input", lambda lib: lib.addmm(lib.zeros(4), lib.zeros(2, 4), lib.zeros(4, 3))),
    ("addmm_dtypes", lambda lib: lib.addmm(lib.zeros(3, dtype=lib.double), lib.zeros(2, 4), lib.zeros(4, 3))),
    ("addmm_mat_dtypes", lambda lib: lib.addmm(lib.zeros(3), lib.zeros(2, 4, dtype=lib.double), lib.zeros(4, 3))),
    ("addmm_bool", lambda lib: lib.addmm(*(lib.ones(n, 2, dtype=lib.bool) for n in (2, 2, 2)))),
    ("addmv_sizes", lambda lib: lib.addmv(lib.zeros(3), lib.zeros(2, 4), lib.zeros(4))),
    ("addmv_ranks", lambda lib: lib.addmv(lib.zeros(2), lib.zeros(2, 4), lib.zeros(4, 1))),
    ("addmv_dtypes", lambda lib: lib.addmv(lib.zeros(2), lib.zeros(2, 4, dtype=lib.double), lib.zeros(4))),
    ("baddbmm_sizes", lambda lib: lib.baddbmm(lib.zeros(5, 2, 3), lib.zeros(5, 2, 4), lib.zeros(5, 3, 3))),
    ("baddbmm_2d", lambda lib: lib.baddbmm(lib.zeros(3), lib.zeros(2, 4), lib.zeros(5, 4, 3))),
    ("baddbmm_dtypes", lambda lib: lib.baddbmm(lib.zeros(5, 2, 3, dtype=lib.double), lib.zeros(5, 2, 4),
                                               lib.zeros(5, 4, 3))),
    ("addbmm_batches", lambda lib: lib.addbmm(lib.zeros(2, 3), lib.zeros(5, 2, 4), lib.zeros(4, 4, 3))),
    ("addbmm_sizes", lambda lib: lib.addbmm(lib.zeros(2, 3), lib.zeros(5, 2, 4), lib.zeros(5, 3, 3))),
    ("addbmm_input", lambda lib: lib.addbmm(lib.zeros(3, 3), lib.zeros(5, 2, 4), lib.zeros(5, 4, 3))),
    ("tensordot_sizes", lambda lib: lib.tensordot(lib.zeros(2, 3), lib.zeros(4, 3), dims=1)),
    ("tensordot_negative", lambda lib: lib.tensordot(lib.zeros(2, 3), lib.zeros(3, 3), dims=-1)),
    ("tensordot_too_many", lambda lib: lib.tensordot(lib.zeros(2, 3), lib.zeros(3, 3), dims=3)),
    ("tensordot_lengths", lambda lib: lib.tensordot(lib.zeros(2, 3), lib.zeros(3, 3), dims=([1], [0, 1]))),
    ("tensordot_dtypes", lambda lib: lib.tensordot(lib.zeros(2, 3), lib.zeros(3, 3, dtype=lib.double), dims=1)),
    ("tensordot_repeated", lambda lib: lib.tensordot(lib.zeros(3, 3), lib.zeros(3, 3), dims=([0, 0], [0, 1]))),
    ("tensordot_dims_type", lambda lib: lib.tensordot(lib.zeros(2, 3), lib.zeros(3, 3), dims=1.0)),
    ("tensordot_int_list", lambda lib: lib.tensordot(lib.zeros(2, 3), lib.zeros(3, 3), dims=[1, 0])),
    ("inner_sizes", lambda lib: lib.inner(lib.zeros(2, 3), lib.zeros(2))),
    ("vdot_sizes", lambda lib: lib.vdot(lib.zeros(2), lib.zeros(3))),
    ("vdot_2d", lambda lib: lib.vdot(lib.zeros(2, 2), lib.zeros(4))),
    ("vdot_dtypes", lambda lib: lib.vdot(lib.zeros(2), lib.zeros(2, dtype=lib.double))),
    ("cross_length", lambda lib: lib.cross(lib.zeros(2, 3), lib.zeros(2, 3), dim=0)),
    ("cross_no_three", lambda lib: lib.cross(lib.zeros(2, 2), lib.zeros(2, 2))),
    ("linalg_cross_length", lambda lib: lib.linalg.cross(lib.zeros(3, 2), lib.zeros(3, 2))),
    ("linalg_cross_ndim", lambda lib: lib.linalg.cross(lib.zeros(2, 3), lib.zeros(3))),
    ("linalg_cross_dtypes", lambda lib: lib.linalg.cross(lib.zeros(3), lib.zeros(3, dtype=lib.double))),
    ("linalg_cross_bool", lambda lib: lib.linalg.cross(*(lib.ones(3, dtype=lib.bool) for _ in range(2)))),
    ("cdist_columns", lambda lib: lib.cdist(lib.zeros(4, 3), lib.zeros(5, 2))),
    ("cdist_1d", lambda lib: lib.cdist(lib.zeros(3), lib.zeros(3))),
    ("cdist_negative_p", lambda lib: lib.cdist(lib.zeros(4, 3), lib.zeros(5, 3), p=-1)),
    ("cdist_int", lambda lib: lib.cdist(lib.ones(2, 3, dtype=lib.long), lib.ones(2, 3, dtype=lib.long))),
    ("cdist_dtypes", lambda lib: lib.cdist(lib.zeros(4, 3), lib.zeros(5, 3, dtype=lib.double))),
    ("cdist_batches", lambda lib: lib.cdist(lib.zeros(2, 4, 3), lib.zeros(3, 5, 3))),
    ("cdist_mode", lambda lib: lib.cdist(lib.zeros(4, 3), lib.zeros(5, 3), compute_mode="abc")),
    ("multi_dot_one", lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3)])),
    ("multi_dot_shapes", lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3), lib.zeros(3, 4), lib.zeros(3, 2)])),
    ("multi_dot_last_3d", lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3), lib.zeros(1, 3, 2)])),
    ("multi_dot_middle_1d", lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3), lib.zeros(3), lib.zeros(2)])),
    ("multi_dot_dtypes", lambda lib: lib.linalg.multi_dot([lib.zeros(2, 3), lib.zeros(3, 2, dtype=lib.double)])),
    ("chain_matmul_1d", lambda lib: lib.chain_matmul(lib.zeros(3), lib.zeros(3, 2))),
    ("chain_matmul_empty", lambda lib: lib.chain_matmul()),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("fn", [fn for _, fn in ERRORS], ids=[name for name, _ in ERRORS])
def test_errors_read_as_torchs(fn):
    ours, theirs = raises_like_torch(fn)
    # Ours may prefix the op's name ("select: Dimension out of range ..."); PyTorch's sentence must be there.
    assert theirs in ours
