"""Shape ops against PyTorch 2.13 (values, grad_fn names, gradients, second derivatives,
errors) and against finite differences (no torch needed)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck


def _as_tuple(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def assert_matches_torch(fn, *arrays, check_names: bool = True, seed: int = 0) -> None:
    """``fn(lib, *tensors)`` run on chainrule and torch float64 leaves: values, grad_fn names,
    first derivatives and Hessian-vector products of ``sum(w * out**2)`` must agree."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    ours_in = [chainrule.tensor(a, dtype=chainrule.float64, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    ours = _as_tuple(fn(chainrule, *ours_in))
    theirs = _as_tuple(fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert o.dtype.name == str(t.dtype).removeprefix("torch.")
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
        if check_names:
            assert (o.grad_fn.name() if o.grad_fn else None) == (t.grad_fn.name() if t.grad_fn else None)
    weights = [rng.standard_normal(tuple(t.shape)) for t in theirs]
    vectors = [rng.standard_normal(a.shape) for a in arrays]

    def derivatives(lib, inputs, outputs):
        loss = sum((out**2 * lib.tensor(w, dtype=lib.float64)).sum() for out, w in zip(outputs, weights))
        firsts = lib.autograd.grad(loss, inputs, create_graph=True, allow_unused=True)
        firsts = [g if g is not None else lib.zeros_like(x) for g, x in zip(firsts, inputs)]
        dot = sum((g * lib.tensor(v, dtype=lib.float64)).sum() for g, v in zip(firsts, vectors))
        seconds = lib.autograd.grad(dot, inputs, allow_unused=True) if dot.requires_grad else [None] * len(inputs)
        return firsts, seconds

    our_first, our_second = derivatives(chainrule, ours_in, ours)
    their_first, their_second = derivatives(torch, theirs_in, theirs)
    for o, t in zip(our_first, their_first):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    for o, t, a in zip(our_second, their_second, arrays):
        o = np.zeros(a.shape) if o is None else o.numpy()  # None: no path, a zero derivative
        t = np.zeros(a.shape) if t is None else t.numpy()
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)


# (id, fn(lib, *tensors), input shapes)
CASES = [
    ("reshape", lambda lib, x: x.reshape(4, -1), [(2, 3, 2)]),
    ("reshape_same", lambda lib, x: x.reshape(2, 3), [(2, 3)]),
    ("view", lambda lib, x: x.view(-1), [(2, 3)]),
    ("view_as", lambda lib, x: x.view_as(lib.zeros(3, 2)), [(2, 3)]),
    ("reshape_as", lambda lib, x: x.reshape_as(lib.zeros(6)), [(2, 3)]),
    ("flatten", lambda lib, x: x.flatten(), [(2, 3, 4)]),
    ("flatten_middle", lambda lib, x: lib.flatten(x, 1, -2), [(2, 3, 4, 2)]),
    ("flatten_0d", lambda lib, x: x.flatten(), [()]),
    ("unflatten", lambda lib, x: x.unflatten(-1, (2, -1)), [(3, 4)]),
    ("squeeze_all", lambda lib, x: x.squeeze(), [(1, 3, 1, 2)]),
    ("squeeze_dim", lambda lib, x: x.squeeze(-2), [(3, 1, 2)]),
    ("squeeze_dim_not_one", lambda lib, x: x.squeeze(0), [(3, 1, 2)]),
    ("squeeze_dims", lambda lib, x: x.squeeze((0, 2)), [(1, 3, 1)]),
    ("squeeze_0d", lambda lib, x: x.squeeze(0), [()]),
    ("unsqueeze", lambda lib, x: x.unsqueeze(1), [(2, 3)]),
    ("unsqueeze_negative", lambda lib, x: lib.unsqueeze(x, -1), [(2, 3)]),
    ("unsqueeze_0d", lambda lib, x: x.unsqueeze(0), [()]),
    ("permute", lambda lib, x: x.permute(2, 0, 1), [(2, 3, 4)]),
    ("permute_list_negative", lambda lib, x: lib.permute(x, [-1, 0, 1]), [(2, 3, 4)]),
    ("transpose", lambda lib, x: x.transpose(0, -1), [(2, 3, 4)]),
    ("transpose_0d", lambda lib, x: x.transpose(0, -1), [()]),
    ("swapaxes", lambda lib, x: lib.swapaxes(x, 0, 1), [(2, 3)]),
    ("swapdims", lambda lib, x: x.swapdims(1, 2), [(2, 3, 4)]),
    ("t", lambda lib, x: x.t(), [(2, 3)]),
    ("t_1d", lambda lib, x: lib.t(x), [(3,)]),
    ("T", lambda lib, x: x.T, [(2, 3)]),
    ("mT", lambda lib, x: x.mT, [(4, 2, 3)]),
    ("movedim", lambda lib, x: x.movedim(0, -1), [(2, 3, 4)]),
    ("moveaxis_many", lambda lib, x: lib.moveaxis(x, (0, 1), (2, 0)), [(2, 3, 4)]),
    ("expand", lambda lib, x: x.expand(4, -1, 3), [(2, 1)]),
    ("expand_as", lambda lib, x: x.expand_as(lib.zeros(2, 3)), [(3,)]),
    ("repeat", lambda lib, x: x.repeat(2, 3), [(2, 3)]),
    ("repeat_new_dims", lambda lib, x: x.repeat(2, 1, 3), [(3,)]),
    ("repeat_0d", lambda lib, x: x.repeat(3), [()]),
    ("repeat_zero", lambda lib, x: x.repeat(0, 2), [(2, 3)]),
    ("tile", lambda lib, x: lib.tile(x, (2,)), [(2, 3)]),
    ("cat", lambda lib, a, b: lib.cat([a, b, a]), [(2, 3), (1, 3)]),
    ("cat_negative_dim", lambda lib, a, b: lib.cat((a, b), dim=-1), [(2, 3), (2, 1)]),
    ("cat_empty_piece", lambda lib, a, b: lib.cat([a, b]), [(0, 3), (2, 3)]),
    ("cat_legacy_1d_empty", lambda lib, a, b: lib.cat([a, b]), [(2, 3), (0,)]),
    ("concat", lambda lib, a, b: lib.concat([a, b], 1), [(2, 3), (2, 2)]),
    ("concatenate", lambda lib, a, b: lib.concatenate([a, b]), [(2,), (3,)]),
    ("stack", lambda lib, a, b: lib.stack([a, b]), [(2, 3), (2, 3)]),
    ("stack_last", lambda lib, a, b: lib.stack([a, b, a], dim=-1), [(2, 3), (2, 3)]),
    ("stack_0d", lambda lib, a, b: lib.stack([a, b]), [(), ()]),
    ("hstack", lambda lib, a, b: lib.hstack([a, b]), [(2, 3), (2, 1)]),
    ("vstack", lambda lib, a, b: lib.vstack([a, b]), [(3,), (3,)]),
    ("split", lambda lib, x: x.split(2), [(5, 2)]),
    ("split_sizes", lambda lib, x: lib.split(x, [1, 3], dim=-1), [(2, 4)]),
    ("split_one_piece_used", lambda lib, x: x.split(2, 1)[1], [(2, 5)]),
    ("chunk", lambda lib, x: x.chunk(3, 1), [(2, 7)]),
    ("chunk_fewer", lambda lib, x: lib.chunk(x, 4), [(6,)]),
    ("unbind", lambda lib, x: x.unbind(1), [(2, 3)]),
    ("unbind_middle_used", lambda lib, x: lib.unbind(x)[1], [(3, 2)]),
    ("narrow", lambda lib, x: x.narrow(1, 1, 2), [(2, 4)]),
    ("narrow_negative_start", lambda lib, x: lib.narrow(x, -1, -3, 2), [(2, 4)]),
    ("flip", lambda lib, x: x.flip(0, -1), [(2, 3, 2)]),
    ("flip_keyword", lambda lib, x: lib.flip(x, dims=[1]), [(2, 3)]),
    ("roll", lambda lib, x: x.roll(1, 0), [(3, 2)]),
    ("roll_flat", lambda lib, x: lib.roll(x, -2), [(3, 2)]),
    ("roll_many", lambda lib, x: x.roll((1, 5), (0, 1)), [(3, 4)]),
    ("contiguous_of_transpose", lambda lib, x: x.t().contiguous(), [(2, 3)]),
    ("empty_permute", lambda lib, x: x.permute(1, 0), [(0, 3)]),
    ("empty_split", lambda lib, x: x.split(2, dim=1), [(0, 3)]),
    ("chain", lambda lib, x: x.unsqueeze(0).transpose(1, 2).flatten(1).repeat(2, 1).T, [(2, 3)]),
]


def _inputs(shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape) for shape in shapes]


@pytest.mark.parametrize("fn,shapes", [(fn, shapes) for _, fn, shapes in CASES], ids=[c[0] for c in CASES])
def test_matches_torch(fn, shapes):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # x.T on a non-matrix warns in both
        assert_matches_torch(fn, *_inputs(shapes))


def _joined(out):
    pieces = _as_tuple(out)
    return pieces[0] if len(pieces) == 1 else chainrule.cat([p.reshape(-1) for p in pieces])


@pytest.mark.parametrize("fn,shapes", [(fn, shapes) for _, fn, shapes in CASES], ids=[c[0] for c in CASES])
def test_derivatives_match_finite_differences(fn, shapes):
    inputs = tuple(chainrule.tensor(a, dtype=chainrule.float64, requires_grad=True) for a in _inputs(shapes, 1))

    def f(*xs):
        return _joined(fn(chainrule, *xs)) ** 2  # squared: the second derivative is not zero

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        assert gradcheck(f, inputs)
        assert gradgradcheck(f, inputs)


def test_repeat_gradient_sums_the_tiles_without_torch():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x.repeat(3, 2)
    (y * chainrule.arange(12.0).reshape(3, 4)).sum().backward()
    # element 0 sits at columns 0 and 2 of every row: 0+2+4+6+8+10
    assert x.grad.tolist() == [30.0, 36.0]


def test_split_outputs_share_one_node_and_unused_pieces_get_zero_gradient():
    x = chainrule.arange(6.0, requires_grad=True)
    a, b, c = x.split(2)
    assert a.grad_fn is b.grad_fn is c.grad_fn and (a._output_nr, b._output_nr, c._output_nr) == (0, 1, 2)
    (b * 3).sum().backward()
    assert x.grad.tolist() == [0.0, 0.0, 3.0, 3.0, 0.0, 0.0]


def test_unbind_many_rows_backward_is_one_node():
    x = chainrule.zeros(200, 3, requires_grad=True)
    rows = x.unbind()
    assert len({id(r.grad_fn) for r in rows}) == 1
    chainrule.stack(rows[::2]).sum().backward()
    assert x.grad.sum().item() == 300.0


# -- views ---------------------------------------------------------------------------------

VIEW_OPS = [
    lambda x: x.view(6),
    lambda x: x.reshape(3, 2),
    lambda x: x.flatten(),
    lambda x: x.unflatten(1, (3, 1)),
    lambda x: x.squeeze(),
    lambda x: x.unsqueeze(0),
    lambda x: x.permute(1, 0),
    lambda x: x.transpose(0, 1),
    lambda x: x.t(),
    lambda x: x.T,
    lambda x: x.mT,
    lambda x: x.movedim(0, 1),
    lambda x: x.narrow(1, 0, 2),
    lambda x: x.split(1)[1],
    lambda x: x.chunk(3, 1)[0],
    lambda x: x.unbind(1)[2],
    lambda x: x.flatten().unbind()[4],  # a 0-d piece: still a view, not a NumPy scalar
    lambda x: x[1, 2],
    lambda x: x.expand(4, 2, 3),
]


@pytest.mark.parametrize("make_view", VIEW_OPS)
def test_views_share_memory_and_version_counter_with_their_base(make_view):
    x = chainrule.arange(6.0).reshape(2, 3)
    v = make_view(x)
    assert v._base is x or v._base is x._base
    assert np.shares_memory(v.numpy(), x.numpy())
    before = v._version
    x.add_(1)
    assert v._version == before + 1


@pytest.mark.parametrize("make_copy", [
    lambda x: x.repeat(1, 1),
    lambda x: chainrule.cat([x]),
    lambda x: chainrule.stack([x]),
    lambda x: x.flip(0),
    lambda x: x.roll(1),
    lambda x: x.t().reshape(6),  # a transposed tensor cannot be flattened without a copy
])
def test_copying_ops_do_not_share_memory_or_versions(make_copy):
    x = chainrule.arange(6.0).reshape(2, 3)
    y = make_copy(x)
    assert not np.shares_memory(y.numpy(), x.numpy()) and not y._is_view()
    x.add_(1)
    assert y._version == 0


def test_contiguous_returns_self_or_a_row_major_copy():
    x = chainrule.zeros(2, 3)
    assert x.contiguous() is x
    t = x.t()
    c = t.contiguous()
    assert c is not t and c.is_contiguous() and not t.is_contiguous()


def test_flatten_of_one_dim_is_the_tensor_itself():
    x = chainrule.zeros(2, 3, requires_grad=True)
    assert x.flatten(1, 1) is x


def test_T_warns_for_non_matrices_as_torch_does():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert chainrule.zeros(2, 3).T.shape == (3, 2)
    with pytest.warns(UserWarning, match="deprecated"):
        assert chainrule.zeros(2, 3, 4).T.shape == (4, 3, 2)
    with pytest.warns(UserWarning, match="0-D"):
        assert chainrule.tensor(1.0).T.shape == ()


# -- errors --------------------------------------------------------------------------------

ERRORS = [
    ("cat_sizes", lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2, 4)])),
    ("cat_ndim", lambda lib: lib.cat([lib.zeros(2, 3), lib.zeros(2)])),
    ("cat_empty_list", lambda lib: lib.cat([])),
    ("cat_0d", lambda lib: lib.cat([lib.tensor(1.0), lib.tensor(2.0)])),
    ("cat_dim", lambda lib: lib.cat([lib.zeros(2, 3)], dim=2)),
    ("cat_not_a_list", lambda lib: lib.cat(lib.zeros(2))),
    ("stack_sizes", lambda lib: lib.stack([lib.zeros(2, 3), lib.zeros(2, 4)])),
    ("stack_empty", lambda lib: lib.stack([])),
    ("stack_dim", lambda lib: lib.stack([lib.zeros(2)], dim=3)),
    ("split_zero", lambda lib: lib.zeros(2).split(0)),
    ("split_sizes_sum", lambda lib: lib.zeros(2, 3).split([1, 1], 1)),
    ("chunk_zero", lambda lib: lib.zeros(2).chunk(0)),
    ("unbind_0d", lambda lib: lib.tensor(1.0).unbind()),
    ("squeeze_dim", lambda lib: lib.zeros(2, 3).squeeze(2)),
    ("unsqueeze_dim", lambda lib: lib.zeros(2, 3).unsqueeze(3)),
    ("permute_dup", lambda lib: lib.zeros(2, 3).permute(0, 0)),
    ("transpose_dim", lambda lib: lib.zeros(2, 3).transpose(0, 2)),
    ("t_3d", lambda lib: lib.zeros(2, 3, 4).t()),
    ("mT_1d", lambda lib: lib.zeros(3).mT),
    ("flatten_order", lambda lib: lib.zeros(2, 3, 4).flatten(2, 1)),
    ("unflatten_sizes", lambda lib: lib.zeros(2, 4).unflatten(1, (3, -1))),
    ("repeat_few", lambda lib: lib.zeros(2, 3).repeat(2)),
    ("narrow_length", lambda lib: lib.zeros(2, 3).narrow(1, 2, 2)),
    ("movedim_lengths", lambda lib: lib.zeros(2, 3, 4).movedim((0, 1), (2,))),
    ("flip_repeat", lambda lib: lib.zeros(2, 3).flip(0, 0)),
    ("roll_align", lambda lib: lib.zeros(2, 3).roll((1, 2), (0,))),
    ("reshape_size", lambda lib: lib.zeros(2, 3).reshape(4, 2)),
    ("view_non_contiguous", lambda lib: lib.zeros(2, 3).t().view(6)),
    ("expand_size", lambda lib: lib.zeros(2, 3).expand(2, 4)),
]


def raises_like_torch(fn) -> tuple[str, str]:
    """Run ``fn(lib)`` on torch and chainrule; both must raise the same type. The messages."""
    torch = pytest.importorskip("torch")
    with pytest.raises(Exception) as theirs:
        fn(torch)
    with pytest.raises(type(theirs.value)) as ours:
        fn(chainrule)
    return str(ours.value), str(theirs.value).split(" (Triggered internally")[0]


@pytest.mark.parametrize("fn", [fn for _, fn in ERRORS], ids=[e[0] for e in ERRORS])
def test_errors_read_as_torchs(fn):
    ours, theirs = raises_like_torch(fn)
    # Ours may prefix the op's name and append the shapes; PyTorch's sentence must be there.
    assert theirs.removeprefix("permute(sparse_coo): ").removeprefix("permute(): ") in ours


def test_cat_error_names_every_shape_without_torch():
    with pytest.raises(RuntimeError, match=r"cat shapes: \[\[2, 3\], \[2, 4\]\]"):
        chainrule.cat([chainrule.zeros(2, 3), chainrule.zeros(2, 4)])
