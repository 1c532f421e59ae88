"""matmul (@, mm, bmm, mv, dot), outer, einsum and torch.linalg (norms, factorizations,
det, inv, solve) against PyTorch 2.13 (values, grad_fn names, gradients summed over
broadcast batches, second derivatives, errors) and against finite differences (no torch)."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest

import chainrule
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.tensor.test_reduce import assert_matches_torch, random

# (a shape, b shape): every rank combination of matmul, with broadcast batches
MATMUL_SHAPES = [
    ((2, 3), (3, 4)),
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 4)),
    ((5, 2, 3), (5, 3, 4)),
    ((5, 2, 3), (3, 4)),
    ((2, 3), (5, 3, 4)),
    ((1, 3), (5, 3, 4)),
    ((5, 2, 3), (3,)),
    ((3,), (5, 3, 4)),
    ((5, 2, 3), (1, 3, 4)),
    ((7, 1, 2, 3), (5, 3, 4)),
    ((2, 5, 2, 3), (5, 3, 4)),
    ((1, 2, 3), (1, 3, 4)),
    ((0, 3), (3, 4)),
    ((2, 0), (0, 4)),
    ((0,), (0,)),
    ((4, 0, 3), (3, 2)),
]


@pytest.mark.parametrize("shape_a, shape_b", MATMUL_SHAPES, ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES])
def test_matmul_matches_torch(shape_a, shape_b):
    assert_matches_torch(lambda lib, a, b: a @ b, random(*shape_a, seed=1), random(*shape_b, seed=2))


def test_grad_fn_names_follow_torchs_kernel_choice_over_a_grid_of_shapes():
    torch = pytest.importorskip("torch")
    shapes_a = [(3,), (1, 3), (2, 3), (1, 2, 3), (1, 1, 3), (5, 2, 3), (1, 1, 2, 3), (2, 1, 2, 3), (4, 5, 1, 3)]
    shapes_b = [(3,), (3, 1), (3, 4), (1, 3, 4), (5, 3, 4), (5, 3, 1), (1, 5, 3, 4), (2, 5, 3, 4), (5, 1, 3, 4)]
    compared = 0
    for shape_a, shape_b in itertools.product(shapes_a, shapes_b):
        for grad_a, grad_b in ((True, True), (True, False), (False, True)):
            try:
                theirs = torch.ones(shape_a, requires_grad=grad_a) @ torch.ones(shape_b, requires_grad=grad_b)
            except RuntimeError:
                continue  # batch shapes that do not broadcast
            ours = chainrule.ones(shape_a, requires_grad=grad_a) @ chainrule.ones(shape_b, requires_grad=grad_b)
            assert ours.grad_fn.name() == theirs.grad_fn.name(), (shape_a, shape_b, grad_a, grad_b)
            compared += 1
    assert compared > 200


def test_grad_fn_name_of_a_batch_times_a_shared_matrix_without_grad():
    # torch folds the batch when only the matrix on the left needs a gradient, too
    torch = pytest.importorskip("torch")
    for lib in (chainrule, torch):
        a = lib.tensor(random(5, 2, 3), requires_grad=True)
        b = lib.tensor(random(3, 4))
        assert (a @ b).grad_fn.name() == "UnsafeViewBackward0"
        assert (b.T @ a.mT).grad_fn.name() == "UnsafeViewBackward0"


FUNCTION_CASES = [
    ("mm", lambda lib, a, b: lib.mm(a, b), (2, 3), (3, 4)),
    ("mm_method", lambda lib, a, b: a.mm(b), (2, 3), (3, 4)),
    ("matmul_function", lambda lib, a, b: lib.matmul(a, b), (5, 2, 3), (3, 4)),
    ("matmul_method", lambda lib, a, b: a.matmul(b), (2, 3), (3,)),
    ("bmm", lambda lib, a, b: lib.bmm(a, b), (5, 2, 3), (5, 3, 4)),
    ("mv", lambda lib, a, b: lib.mv(a, b), (2, 3), (3,)),
    ("dot", lambda lib, a, b: lib.dot(a, b), (3,), (3,)),
    ("dot_method", lambda lib, a, b: a.dot(b), (3,), (3,)),
    ("outer", lambda lib, a, b: lib.outer(a, b), (3,), (4,)),
    ("ger", lambda lib, a, b: a.ger(b), (3,), (4,)),
    ("matmul_chain", lambda lib, a, b: (a @ b).tanh() @ b.T, (2, 3), (3, 3)),
    ("matmul_self", lambda lib, a, b: (a @ a.mT) @ b, (3, 3), (3, 2)),
]


@pytest.mark.parametrize("name, fn, shape_a, shape_b", FUNCTION_CASES, ids=[c[0] for c in FUNCTION_CASES])
def test_functions_match_torch(name, fn, shape_a, shape_b):
    assert_matches_torch(fn, random(*shape_a, seed=3), random(*shape_b, seed=4))


def test_rmatmul_and_integer_matmul_match_torch():
    torch = pytest.importorskip("torch")
    a, b = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
    ours = chainrule.tensor(a) @ chainrule.tensor(b)
    assert ours.dtype == chainrule.int64 and ours.tolist() == (torch.tensor(a) @ torch.tensor(b)).tolist()
    x = chainrule.tensor(random(3, 2), requires_grad=True)
    out = chainrule.Tensor.__rmatmul__(x, chainrule.tensor(random(2, 3)))
    assert out.shape == (2, 2) and out.grad_fn.name() == "MmBackward0"
    with pytest.raises(NotImplementedError):
        torch.ones(2, 2).bool() @ torch.ones(2, 2).bool()
    with pytest.raises(RuntimeError, match="matmul: not implemented for 'Bool' tensors"):
        chainrule.ones(2, 2).bool() @ chainrule.ones(2, 2).bool()


# (call, torch's exception type): our message must contain torch's
ERRORS = [
    (lambda lib, r: r(2, 3) @ r(4, 5), RuntimeError),
    (lambda lib, r: lib.mm(r(2, 3), r(4, 5)), RuntimeError),
    (lambda lib, r: r(3) @ r(4), RuntimeError),
    (lambda lib, r: r(2, 3) @ r(4), RuntimeError),
    (lambda lib, r: r(3) @ r(4, 5), RuntimeError),
    (lambda lib, r: r(5, 2, 3) @ r(4, 3, 4), RuntimeError),
    (lambda lib, r: r(5, 2, 3) @ r(4, 5), RuntimeError),
    (lambda lib, r: r(5, 2, 3) @ r(4), RuntimeError),
    (lambda lib, r: r(5, 2, 3) @ r(5, 4, 4), RuntimeError),
    (lambda lib, r: r(7, 5, 2, 3) @ r(5, 4, 4), RuntimeError),
    (lambda lib, r: r(3) @ r(5, 4, 4), RuntimeError),
    (lambda lib, r: lib.tensor(1.0) @ r(3), RuntimeError),
    (lambda lib, r: r(3) @ lib.tensor(1.0), RuntimeError),
    (lambda lib, r: lib.bmm(r(5, 2, 3), r(4, 3, 4)), RuntimeError),
    (lambda lib, r: lib.bmm(r(2, 3), r(5, 4, 4)), RuntimeError),
    (lambda lib, r: lib.bmm(r(5, 2, 3), r(5, 3)), RuntimeError),
    (lambda lib, r: lib.mm(r(3), r(3, 1)), RuntimeError),
    (lambda lib, r: lib.mm(r(2, 3), r(3)), RuntimeError),
    (lambda lib, r: lib.mv(r(2, 3), r(3, 1)), RuntimeError),
    (lambda lib, r: lib.mv(r(2, 3), r(4)), RuntimeError),
    (lambda lib, r: lib.dot(r(3), r(3, 1)), RuntimeError),
    (lambda lib, r: lib.dot(r(3), r(4)), RuntimeError),
    (lambda lib, r: lib.outer(r(2, 2), r(3)), RuntimeError),
    (lambda lib, r: lib.outer(r(2), r(3, 1)), RuntimeError),
    (lambda lib, r: r(2, 3) @ r(3, 4).double(), RuntimeError),
    (lambda lib, r: r(2, 3).long() @ r(3, 4), RuntimeError),
    (lambda lib, r: r(3) @ r(3).double(), RuntimeError),
    (lambda lib, r: r(2, 2, 3) @ r(2, 3, 3).double(), RuntimeError),
    (lambda lib, r: lib.einsum("ij,jk->ik", r(2, 3), r(4, 4)), RuntimeError),
    (lambda lib, r: lib.einsum("ij,jk->ik", r(2, 3)), RuntimeError),
    (lambda lib, r: lib.einsum("ij", r(2, 2), r(3)), RuntimeError),
    (lambda lib, r: lib.einsum("ij->ik", r(2, 3)), RuntimeError),
    (lambda lib, r: lib.einsum("ij->ii", r(2, 2)), RuntimeError),
    (lambda lib, r: lib.einsum("ijk->ij", r(2, 2)), RuntimeError),
    (lambda lib, r: lib.einsum("i1->i", r(2, 2)), RuntimeError),
    (lambda lib, r: lib.einsum("ii->i", r(2, 3)), RuntimeError),
    (lambda lib, r: lib.einsum("ij,jk->ik", r(2, 3), r(3, 4).double()), RuntimeError),
]


def assert_same_error(call, error) -> None:
    """``call(lib, r)`` raises ``error`` with torch and with chainrule, ours containing torch's message
    (``r(*shape)`` makes a float32 tensor of random values)."""
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as theirs:
        call(torch, lambda *shape: torch.tensor(random(*shape)).float())
    with pytest.raises(error) as ours:
        call(chainrule, lambda *shape: chainrule.tensor(random(*shape)).float())
    assert str(theirs.value) in str(ours.value), (str(ours.value), str(theirs.value))
    if isinstance(theirs.value, torch.linalg.LinAlgError):
        assert isinstance(ours.value, chainrule.linalg.LinAlgError)


@pytest.mark.parametrize("call, error", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(call, error):
    assert_same_error(call, error)


# (equation, operand shapes)
EINSUM_CASES = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 4)]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 4)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("ij->", [(2, 3)]),
    ("ij->j", [(2, 3)]),
    ("ba", [(2, 3)]),
    ("ij->ji", [(2, 3)]),
    ("i,j->ij", [(3,), (4,)]),
    ("i,i->", [(3,), (3,)]),
    ("i,i->i", [(3,), (1,)]),
    ("bij,jk->bik", [(2, 2, 3), (1, 4)]),
    ("...ij,...jk", [(2, 2, 3), (3, 4)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (5, 3, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 2)]),
    ("i, j -> i j", [(3,), (2,)]),
    ("ij,ij->i", [(0, 3), (0, 3)]),
    ("Ab,bC->AC", [(2, 3), (3, 2)]),
]


@pytest.mark.parametrize("equation, shapes", EINSUM_CASES, ids=[c[0] for c in EINSUM_CASES])
def test_einsum_matches_torch_in_values_and_derivatives(equation, shapes):
    arrays = [random(*s, seed=i + 5) for i, s in enumerate(shapes)]
    assert_matches_torch(lambda lib, *ops: lib.einsum(equation, *ops), *arrays, check_names=False)


def test_einsum_takes_a_list_of_operands_and_its_result_owns_its_memory():
    x = chainrule.tensor(random(3, 3))
    diagonal = chainrule.einsum("ii->i", [x])
    transposed = chainrule.einsum("ij->ji", x)
    diagonal.add_(1.0)
    transposed.mul_(2.0)
    np.testing.assert_array_equal(x.numpy(), random(3, 3))  # the input is untouched


# -- without torch ------------------------------------------------------------------------


@pytest.mark.parametrize("shape_a, shape_b", MATMUL_SHAPES[:13], ids=[f"{a}@{b}" for a, b in MATMUL_SHAPES[:13]])
def test_matmul_derivatives_match_finite_differences(shape_a, shape_b):
    a = chainrule.tensor(random(*shape_a, seed=1), requires_grad=True)
    b = chainrule.tensor(random(*shape_b, seed=2), requires_grad=True)
    assert gradcheck(lambda x, y: x @ y, (a, b))
    assert gradgradcheck(lambda x, y: x @ y, (a, b))


@pytest.mark.parametrize("equation, shapes", EINSUM_CASES[:18], ids=[c[0] for c in EINSUM_CASES[:18]])
def test_einsum_derivatives_match_finite_differences(equation, shapes):
    operands = tuple(chainrule.tensor(random(*s, seed=i), requires_grad=True) for i, s in enumerate(shapes))
    assert gradcheck(lambda *ops: chainrule.einsum(equation, *ops), operands)
    assert gradgradcheck(lambda *ops: chainrule.einsum(equation, *ops), operands)


def test_matmul_gradients_by_hand_and_only_where_needed():
    a = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = chainrule.tensor([[1.0, 0.0], [1.0, 1.0]])  # a constant: no gradient computed for it
    (a @ b).sum().backward()
    assert a.grad.tolist() == [[1.0, 2.0], [1.0, 2.0]]  # ones @ b^T
    assert b.grad is None
    batch = chainrule.ones(4, 2, 2, requires_grad=True)
    shared = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    (batch @ shared).sum().backward()
    assert shared.grad.tolist() == [[8.0, 8.0], [8.0, 8.0]]  # summed over the batch of 4


def test_matmul_keeps_only_the_operands_its_gradients_need_as_torch():
    torch = pytest.importorskip("torch")
    for lib in (chainrule, torch):
        x = lib.tensor(random(2, 3))  # data: no gradient wanted, so w need not be kept
        w = lib.tensor(random(3, 4), requires_grad=True)
        y = (x @ w).sum()
        with lib.no_grad():
            w.mul_(2.0)  # e.g. an optimizer step before backward
        y.backward()
        np.testing.assert_allclose(w.grad.numpy(), x.numpy().T @ np.ones((2, 4)))  # dL/dw = x^T @ ones
        h = lib.tensor(random(2, 3), requires_grad=True)
        z = (h @ w).sum()
        with lib.no_grad():
            w.mul_(2.0)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            z.backward()


def test_grad_fn_names_without_torch():
    m, v, batch = (chainrule.ones(*s, requires_grad=True) for s in ((2, 2), (2,), (3, 2, 2)))
    names = [m @ m, v @ v, m @ v, v @ m, batch @ batch, batch @ m, chainrule.bmm(batch, batch), chainrule.outer(v, v)]
    assert [t.grad_fn.name() for t in names] == [
        "MmBackward0", "DotBackward0", "MvBackward0", "SqueezeBackward4", "UnsafeViewBackward0",
        "UnsafeViewBackward0", "BmmBackward0", "MulBackward0"]


# -- random broadcast shapes against torch -------------------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies


@st.composite
def matmul_shapes(draw):
    """Two operand shapes: 1-D or matrices with up to two batch dims that may broadcast."""
    n, k, p = draw(st.integers(0, 3)), draw(st.integers(0, 3)), draw(st.integers(1, 3))
    batch = draw(st.lists(st.integers(1, 3), max_size=2))
    a_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    b_batch = [draw(st.sampled_from([b, 1])) for b in batch][draw(st.integers(0, len(batch))):]
    a_shape = (k,) if draw(st.booleans()) and not a_batch else (*a_batch, n, k)
    b_shape = (k,) if draw(st.booleans()) and not b_batch else (*b_batch, k, p)
    return a_shape, b_shape


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(matmul_shapes(), st.integers(0, 2**16))
def test_random_broadcast_matmul_matches_torch(shapes, seed):
    a_shape, b_shape = shapes
    rng = np.random.default_rng(seed)
    assert_matches_torch(lambda lib, a, b: a @ b, rng.standard_normal(a_shape), rng.standard_normal(b_shape),
                         seed=seed)


# -- torch.linalg: norms -------------------------------------------------------------------
# The matrix norms are built as PyTorch builds them (svdvals, amax/amin, sum, vector_norm), so
# values, grad_fn names, first and second derivatives must all agree.

SQUARE, TALL, BATCH = random(3, 3, seed=11), random(4, 3, seed=12), random(2, 3, 4, seed=13)

NORM_CASES = [
    ("linalg_norm_default_matrix", lambda lib, x: lib.linalg.norm(x), TALL),
    ("linalg_norm_default_3d", lambda lib, x: lib.linalg.norm(x), BATCH),
    ("linalg_norm_spectral", lambda lib, x: lib.linalg.norm(x, 2), TALL),
    ("linalg_norm_smallest_singular", lambda lib, x: lib.linalg.norm(x, -2), TALL),
    ("linalg_norm_nuclear", lambda lib, x: lib.linalg.norm(x, "nuc"), TALL),
    ("linalg_norm_fro", lambda lib, x: lib.linalg.norm(x, "fro"), TALL),
    ("linalg_norm_columns", lambda lib, x: lib.linalg.norm(x, 1), TALL),
    ("linalg_norm_smallest_column", lambda lib, x: lib.linalg.norm(x, -1), TALL),
    ("linalg_norm_rows", lambda lib, x: lib.linalg.norm(x, float("inf")), TALL),
    ("linalg_norm_smallest_row", lambda lib, x: lib.linalg.norm(x, float("-inf")), TALL),
    ("linalg_norm_vector_ord", lambda lib, x: lib.linalg.norm(x, 3), random(5, seed=3)),
    ("linalg_norm_int_dim_is_a_vector_norm", lambda lib, x: lib.linalg.norm(x, 3, dim=0), TALL),
    ("linalg_norm_tuple_dim_is_a_matrix_norm", lambda lib, x: lib.linalg.norm(x, 2, dim=(2, 0), keepdim=True), BATCH),
    ("linalg_norm_one_dim_tuple", lambda lib, x: lib.linalg.norm(x, float("inf"), dim=(1,)), TALL),
    ("matrix_norm_default", lambda lib, x: lib.linalg.matrix_norm(x), BATCH),
    ("matrix_norm_spectral_batch", lambda lib, x: lib.linalg.matrix_norm(x, 2), BATCH),
    ("matrix_norm_nuclear_dims_keepdim", lambda lib, x: lib.linalg.matrix_norm(x, "nuc", dim=(0, 2), keepdim=True),
     BATCH),
    ("matrix_norm_columns_keepdim", lambda lib, x: lib.linalg.matrix_norm(x, 1, dim=(-1, 0), keepdim=True), BATCH),
    ("matrix_norm_rows", lambda lib, x: lib.linalg.matrix_norm(x, float("inf"), dim=(1, 2)), BATCH),
    ("matrix_norm_dtype", lambda lib, x: lib.linalg.matrix_norm(x.float(), 2, dtype=lib.float64), TALL),
    ("vector_norm_dims", lambda lib, x: lib.linalg.vector_norm(x, 1.5, dim=(0, 2)), BATCH),
    # the legacy torch.norm: a number is a vector norm over all entries, even of a matrix
    ("norm_p2_of_a_matrix_is_a_vector_norm", lambda lib, x: x.norm(2), TALL),
    ("norm_p2_dims_is_a_vector_norm", lambda lib, x: x.norm(p=2, dim=(0, 1)), TALL),
    ("norm_nuc", lambda lib, x: x.norm(p="nuc"), TALL),
    ("norm_nuc_dims", lambda lib, x: lib.norm(x, "nuc", dim=(1, 2)), BATCH),
    ("norm_nuc_keepdim", lambda lib, x: lib.norm(x, "nuc", keepdim=True), TALL),
    ("norm_fro_dim", lambda lib, x: lib.norm(x, "fro", dim=1), TALL),
    ("norm_none", lambda lib, x: lib.norm(x, None, dim=1), TALL),
]


@pytest.mark.parametrize("name, fn, array", NORM_CASES, ids=[c[0] for c in NORM_CASES])
def test_norms_match_torch(name, fn, array):
    assert_matches_torch(fn, array)


def test_linalg_norm_of_a_matrix_is_a_matrix_norm_not_the_norm_of_its_entries():
    A = chainrule.tensor([[3.0, 0.0], [4.0, 0.0]])  # one column (3, 4): every norm differs from the next
    assert chainrule.linalg.norm(A).item() == 5.0  # Frobenius
    assert chainrule.linalg.norm(A, 2).item() == pytest.approx(5.0)  # the largest singular value
    assert chainrule.linalg.norm(A, 1).item() == 7.0  # the largest column sum
    assert chainrule.linalg.norm(A, float("inf")).item() == 4.0  # the largest row sum
    assert chainrule.linalg.norm(A, -2).item() == pytest.approx(0.0)
    B = chainrule.tensor([[2.0, 1.0], [1.0, 2.0]])  # singular values 3 and 1
    assert chainrule.linalg.norm(B, 2).item() == pytest.approx(3.0)
    assert chainrule.linalg.norm(B, "nuc").item() == pytest.approx(4.0)
    assert B.norm(2).item() == pytest.approx(10 ** 0.5)  # the legacy torch.norm: the entries' 2-norm


def test_spectral_and_nuclear_norm_gradients_by_hand():
    A = chainrule.tensor(random(4, 3, seed=21), requires_grad=True)
    U, S, Vh = chainrule.linalg.svd(A.detach(), full_matrices=False)
    (spectral,) = chainrule.autograd.grad(chainrule.linalg.norm(A, 2), A)
    np.testing.assert_allclose(spectral.numpy(), np.outer(U.numpy()[:, 0], Vh.numpy()[0]), atol=1e-12)  # u1 v1^T
    (nuclear,) = chainrule.autograd.grad(chainrule.linalg.norm(A, "nuc"), A)
    np.testing.assert_allclose(nuclear.numpy(), U.numpy() @ Vh.numpy(), atol=1e-12)  # U V^T


def test_tied_largest_singular_values_share_the_gradient_as_in_torch():
    # diag(2, 2, 1): u1 v1^T and u2 v2^T are not unique, their half-sum is (amax's rule for ties)
    for lib in (chainrule, pytest.importorskip("torch")):
        A = lib.tensor(np.diag([2.0, -2.0, 1.0]), requires_grad=True)
        lib.linalg.matrix_norm(A, 2).backward()
        np.testing.assert_allclose(A.grad.numpy(), np.diag([0.5, -0.5, 0.0]), atol=1e-12)


def test_norms_of_empty_matrices_as_torch():
    torch = pytest.importorskip("torch")
    for ord in (2, 1, float("inf"), -1, "nuc", "fro"):
        for shape, keepdim in (((2, 0, 3), False), ((2, 3, 0), True)):
            try:
                expected = torch.linalg.matrix_norm(torch.ones(shape, dtype=torch.float64), ord, keepdim=keepdim)
            except IndexError as error:
                with pytest.raises(IndexError) as ours:
                    chainrule.linalg.matrix_norm(chainrule.ones(shape, dtype=chainrule.float64), ord, keepdim=keepdim)
                assert str(ours.value) == str(error)
                continue
            ours = chainrule.linalg.matrix_norm(chainrule.ones(shape, dtype=chainrule.float64), ord, keepdim=keepdim)
            assert tuple(ours.shape) == tuple(expected.shape) and not ours.numpy().any()
    with pytest.raises(IndexError, match=r"amin\(\): Expected reduction dim -1 to have non-zero size"):
        chainrule.linalg.matrix_norm(chainrule.ones(0, 3), -2)


# -- torch.linalg: factorizations, determinants, inverses, solvers ------------------------------


def _column_signs(lib, V):
    return lib.sign(V[..., :1, :])


def _svd_fixed(lib, A, full_matrices=False):
    """U, S, Vh with each singular pair's sign fixed: LAPACK builds choose signs differently."""
    U, S, Vh = lib.linalg.svd(A, full_matrices=full_matrices)
    k = S.shape[-1]
    signs = _column_signs(lib, U[..., :k])
    return U[..., :k] * signs, S, Vh[..., :k, :] * signs.mT


def _eigh_fixed(lib, A):
    L, V = lib.linalg.eigh(A + A.mT)
    return L, V * _column_signs(lib, V)


def _positive_definite(lib, x):
    return x @ x.mT + lib.eye(x.shape[-1], dtype=x.dtype)


WIDE, SQUARE_BATCH = random(3, 5, seed=14), random(2, 3, 3, seed=15) + 2 * np.eye(3)

DECOMPOSITION_CASES = [
    ("svd_tall", lambda lib, x: _svd_fixed(lib, x), TALL),
    ("svd_wide_batch", lambda lib, x: _svd_fixed(lib, x), random(2, 3, 5, seed=16)),
    ("svd_full_matrices_tall", lambda lib, x: _svd_fixed(lib, x, full_matrices=True), TALL),
    ("svd_full_matrices_wide", lambda lib, x: _svd_fixed(lib, x, full_matrices=True), WIDE),
    ("svd_singular_values_only", lambda lib, x: lib.linalg.svd(x).S, TALL),
    ("svdvals", lambda lib, x: lib.linalg.svdvals(x), BATCH),
    ("svd_reconstruction", lambda lib, x: (lambda r: r.U @ (r.S.unsqueeze(-1) * r.Vh))(
        lib.linalg.svd(x, full_matrices=False)), WIDE),
    ("eigh", lambda lib, x: _eigh_fixed(lib, x), SQUARE_BATCH),
    ("eigh_upper_triangle", lambda lib, x: lib.linalg.eigh(x + x.mT, UPLO="U").eigenvalues, SQUARE),
    ("eigvalsh", lambda lib, x: lib.linalg.eigvalsh(x + x.mT), SQUARE_BATCH),
    ("cholesky", lambda lib, x: lib.linalg.cholesky(_positive_definite(lib, x)), SQUARE_BATCH),
    ("cholesky_upper", lambda lib, x: lib.linalg.cholesky(_positive_definite(lib, x), upper=True), SQUARE),
    ("qr_tall", lambda lib, x: tuple(lib.linalg.qr(x)), TALL),
    ("qr_wide", lambda lib, x: tuple(lib.linalg.qr(x)), WIDE),
    ("qr_complete_wide", lambda lib, x: tuple(lib.linalg.qr(x, mode="complete")), WIDE),
    ("qr_R_only_used", lambda lib, x: lib.linalg.qr(x).R, random(2, 4, 3, seed=17)),
    ("det", lambda lib, x: lib.linalg.det(x), SQUARE_BATCH),
    ("det_function_and_method", lambda lib, x: lib.det(x) + x.det(), SQUARE),
    ("det_one_by_one", lambda lib, x: lib.linalg.det(x), random(2, 1, 1, seed=18)),
    ("slogdet", lambda lib, x: tuple(lib.linalg.slogdet(x)), SQUARE_BATCH),
    ("slogdet_method", lambda lib, x: x.slogdet().logabsdet, SQUARE),
    ("inv", lambda lib, x: lib.linalg.inv(x), SQUARE_BATCH),
    ("inverse_function_and_method", lambda lib, x: lib.inverse(x) @ x.inverse(), SQUARE),
]


@pytest.mark.parametrize("name, fn, array", DECOMPOSITION_CASES, ids=[c[0] for c in DECOMPOSITION_CASES])
def test_decompositions_match_torch(name, fn, array):
    assert_matches_torch(fn, array)


SOLVE_CASES = [
    ("matrix", (3, 3), (3, 2), {}),
    ("vector", (3, 3), (3,), {}),
    ("batch_of_vectors", (2, 3, 3), (2, 3), {}),
    ("one_vector_for_a_batch", (2, 3, 3), (3,), {}),
    ("broadcast_batches", (2, 1, 3, 3), (4, 3, 2), {}),
    ("right_side", (3, 3), (2, 3), {"left": False}),
    ("right_side_broadcast", (2, 3, 3), (4, 1, 2, 3), {"left": False}),
]


@pytest.mark.parametrize("name, shape_a, shape_b, kwargs", SOLVE_CASES, ids=[c[0] for c in SOLVE_CASES])
def test_solve_matches_torch(name, shape_a, shape_b, kwargs):
    A = random(*shape_a, seed=19) + 3 * np.eye(shape_a[-1])
    assert_matches_torch(lambda lib, a, b: lib.linalg.solve(a, b, **kwargs), A, random(*shape_b, seed=20))


def test_det_of_a_singular_matrix_has_the_cofactors_as_gradient():
    # PyTorch takes |det| < 100 eps through the SVD; the cofactor matrix of [[1, 2], [2, 4]] is [[4, -2], [-2, 1]]
    A = chainrule.tensor([[1.0, 2.0], [2.0, 4.0]], requires_grad=True)
    chainrule.linalg.det(A).backward()
    np.testing.assert_allclose(A.grad.numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)
    singular = np.array([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 0.0, 1.0]])
    mixed = np.stack([singular, random(3, 3, seed=22) + 2 * np.eye(3), singular.T])  # one path per matrix
    for array in (singular, mixed):
        # second=False: the Hessian-vector product differentiates det's backward without create_graph,
        # where torch differs (next test)
        assert_matches_torch(lambda lib, x: lib.linalg.det(x), array, second=False)


def test_det_gradient_at_an_exactly_singular_matrix_without_create_graph_differs_from_torch():
    # By design. Without create_graph, torch computes det(A) * A^-T from an LU factorization whose zero
    # pivot it nudges by eps: with det(A) exactly 0 that is 0, not the cofactor matrix it gives with
    # create_graph=True. chainrule gives the cofactor matrix (the derivative) either way.
    torch = pytest.importorskip("torch")
    A = torch.tensor([[1.0, 2.0], [2.0, 4.0]], dtype=torch.float64, requires_grad=True)
    torch.linalg.det(A).backward()
    assert not A.grad.any()
    (with_graph,) = torch.autograd.grad(torch.linalg.det(A), A, create_graph=True)
    np.testing.assert_allclose(with_graph.detach().numpy(), [[4.0, -2.0], [-2.0, 1.0]], atol=1e-12)


def test_empty_inputs_match_torch():
    torch = pytest.importorskip("torch")
    calls = [
        lambda lib, x: tuple(lib.linalg.svd(x)), lambda lib, x: tuple(lib.linalg.svd(x, full_matrices=False)),
        lambda lib, x: lib.linalg.svdvals(x), lambda lib, x: tuple(lib.linalg.qr(x)),
        lambda lib, x: tuple(lib.linalg.qr(x, mode="complete")),
    ]
    square_calls = [lambda lib, x: lib.linalg.det(x), lambda lib, x: tuple(lib.linalg.slogdet(x)),
                    lambda lib, x: lib.linalg.inv(x), lambda lib, x: tuple(lib.linalg.eigh(x)),
                    lambda lib, x: lib.linalg.cholesky(x), lambda lib, x: lib.linalg.solve(x, x)]
    cases = [(c, s) for c in calls for s in ((0, 3), (3, 0), (2, 0, 3), (0, 2, 2))]
    cases += [(c, s) for c in square_calls for s in ((0, 0), (2, 0, 0), (0, 3, 3))]
    for call, shape in cases:
        theirs = call(torch, torch.zeros(shape, dtype=torch.float64))
        ours = call(chainrule, chainrule.zeros(shape, dtype=chainrule.float64))
        for o, t in zip(ours if isinstance(ours, tuple) else (ours,), theirs if isinstance(theirs, tuple) else (theirs,)):
            assert tuple(o.shape) == tuple(t.shape), (shape, o.shape, t.shape)
            np.testing.assert_array_equal(o.numpy(), t.numpy())


def test_float32_stays_float32():
    A = chainrule.tensor(random(3, 3, seed=23) + 3 * np.eye(3), dtype=chainrule.float32)
    results = [chainrule.linalg.det(A), chainrule.linalg.inv(A), chainrule.linalg.svdvals(A),
               *chainrule.linalg.svd(A), *chainrule.linalg.eigh(A), *chainrule.linalg.qr(A),
               *chainrule.linalg.slogdet(A), chainrule.linalg.cholesky(A @ A.mT), chainrule.linalg.solve(A, A),
               chainrule.linalg.norm(A, 2), chainrule.linalg.norm(A, "nuc")]
    assert all(r.dtype == chainrule.float32 for r in results)


# (call, torch's exception type): our message must contain torch's
LINALG_ERRORS = [
    (lambda lib, r: lib.linalg.inv(r(2, 3)), RuntimeError),
    (lambda lib, r: lib.linalg.inv(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.inv(r(2, 2).long()), RuntimeError),
    (lambda lib, r: lib.linalg.inv(r(2, 2).half()), RuntimeError),
    (lambda lib, r: lib.linalg.inv(lib.tensor([[1.0, 2.0], [2.0, 4.0]])), RuntimeError),
    (lambda lib, r: lib.linalg.inv(lib.tensor([[1.0, 2.0, 3.0], [2.0, 4.0, 6.0], [1.0, 1.0, 1.0]])), RuntimeError),
    (lambda lib, r: lib.linalg.inv(lib.zeros(3, 3)), RuntimeError),
    (lambda lib, r: lib.linalg.inv(lib.stack([lib.eye(2), lib.tensor([[1.0, 2.0], [2.0, 4.0]])])), RuntimeError),
    (lambda lib, r: lib.linalg.inv(lib.zeros(2, 2, 3, 3)), RuntimeError),
    (lambda lib, r: lib.inverse(lib.tensor([[1.0, 2.0], [2.0, 4.0]])), RuntimeError),
    (lambda lib, r: lib.linalg.det(r(2, 3)), RuntimeError),
    (lambda lib, r: lib.linalg.det(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.det(r(2, 2).long()), RuntimeError),
    (lambda lib, r: lib.linalg.det(r(3, 2).long()), RuntimeError),
    (lambda lib, r: lib.linalg.det(r(2, 2).bool()), RuntimeError),
    (lambda lib, r: lib.linalg.det(r(2, 2).half()), NotImplementedError),
    (lambda lib, r: lib.det(r(2, 3)), RuntimeError),
    (lambda lib, r: lib.linalg.slogdet(r(2, 3)), RuntimeError),
    (lambda lib, r: lib.linalg.slogdet(r(2, 2).half()), RuntimeError),
    (lambda lib, r: lib.linalg.slogdet(r(2, 2).long()), RuntimeError),
    (lambda lib, r: lib.linalg.solve(r(2, 3), r(2)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.tensor([[1.0, 2.0], [2.0, 4.0]]), r(2)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.stack([lib.eye(2), lib.tensor([[1.0, 2.0], [2.0, 4.0]])]), r(2, 2)),
     RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.zeros(1, 2, 2), r(3, 2, 1)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2), r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2), r(3, 2)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2), r(2, 3), left=False), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2), r(2), left=False), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.ones(3, 1, 1), r(3, 1), left=False), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2), r(2).double()), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2).long(), r(2).long()), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2).half(), r(2).half()), NotImplementedError),
    (lambda lib, r: lib.linalg.solve(r(2), r(2)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2), lib.tensor(1.0)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2).expand(3, 2, 2), r(4, 2, 1)), RuntimeError),
    (lambda lib, r: lib.linalg.solve(lib.eye(2).expand(3, 2, 2), r(1, 2)), RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(r(2, 3)), RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(lib.tensor([[1.0, 2.0], [2.0, 1.0]])), RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(lib.tensor([[1.0, 2.0], [2.0, 1.0]]), upper=True), RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(-lib.eye(3)), RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(lib.stack([lib.eye(2), lib.eye(2), -lib.eye(2)]).reshape(3, 1, 2, 2)),
     RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(lib.tensor([[float("nan"), 1.0], [1.0, 1.0]])), RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(r(2, 2).long()), RuntimeError),
    (lambda lib, r: lib.linalg.cholesky(r(2, 2).half()), NotImplementedError),
    (lambda lib, r: lib.linalg.eigh(r(2, 3)), RuntimeError),
    (lambda lib, r: lib.linalg.eigh(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.eigh(lib.eye(2), UPLO="X"), RuntimeError),
    (lambda lib, r: lib.linalg.eigh(r(2, 2).long()), NotImplementedError),
    (lambda lib, r: lib.linalg.eigh(r(2, 2).half()), NotImplementedError),
    (lambda lib, r: lib.linalg.eigvalsh(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.svd(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.svd(r(3, 3).long()), RuntimeError),
    (lambda lib, r: lib.linalg.svd(r(3, 3).bool()), RuntimeError),
    (lambda lib, r: lib.linalg.svd(r(3, 3).half()), NotImplementedError),
    (lambda lib, r: lib.linalg.svd(r(2, 2), driver="gesvd"), RuntimeError),
    (lambda lib, r: lib.linalg.svdvals(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.svdvals(r(2, 2), driver="gesvd"), RuntimeError),
    (lambda lib, r: lib.linalg.svd(lib.tensor([[float("nan"), 1.0], [1.0, 1.0]])), RuntimeError),
    (lambda lib, r: lib.linalg.svd(lib.stack([lib.eye(2), lib.full((2, 2), float("nan"))])), RuntimeError),
    (lambda lib, r: lib.linalg.qr(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.qr(r(3, 3), mode="x"), RuntimeError),
    (lambda lib, r: lib.linalg.qr(r(3, 3).long()), RuntimeError),
    (lambda lib, r: lib.linalg.qr(r(3, 3).half()), NotImplementedError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3)), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3), 3), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3), 3.5), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3), 0), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3), "abc"), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3), dim=(0, 0)), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3), dim=(1, -1)), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3, 3), dim=(0, 1, 2)), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3, 3), dim=(0,)), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3), dim=(0, 2)), IndexError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3).long()), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3).long(), 2), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3).half(), 2), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3).half(), "nuc"), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3).double(), dtype=lib.float32), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(r(3, 3).double(), "nuc", dtype=lib.float32), RuntimeError),
    (lambda lib, r: lib.linalg.matrix_norm(lib.ones(0, 3), -2), IndexError),
    (lambda lib, r: lib.linalg.norm(r(3, 3, 3), 2), RuntimeError),
    (lambda lib, r: lib.linalg.norm(r(3, 3, 3), "fro"), RuntimeError),
    (lambda lib, r: lib.linalg.norm(r(3, 3, 3), 2, dim=(0, 1, 2)), RuntimeError),
    (lambda lib, r: lib.linalg.norm(r(3, 3, 3), dim=(0, 1, 2)), RuntimeError),
    (lambda lib, r: lib.linalg.norm(r(3), "nuc"), RuntimeError),
    (lambda lib, r: lib.linalg.norm(r(3), "fro"), RuntimeError),
    (lambda lib, r: lib.linalg.norm(r(3, 3), 0), RuntimeError),
    (lambda lib, r: lib.linalg.norm(r(3, 3), "fro", dim=0), RuntimeError),
    (lambda lib, r: lib.linalg.norm(lib.tensor(3.0), 2), RuntimeError),
    (lambda lib, r: lib.norm(r(3), "nuc"), RuntimeError),
    (lambda lib, r: lib.norm(r(2, 3, 3), "nuc"), RuntimeError),
    (lambda lib, r: lib.norm(r(2, 3, 3), "fro", dim=(0, 1, 2)), RuntimeError),
    (lambda lib, r: lib.norm(r(2, 3), "nuc", dim=0), RuntimeError),
    (lambda lib, r: r(2, 3).norm(p="abc"), RuntimeError),
]


@pytest.mark.parametrize("call, error", LINALG_ERRORS, ids=[str(i) for i in range(len(LINALG_ERRORS))])
def test_linalg_errors_match_torch(call, error):
    assert_same_error(call, error)


def test_backward_errors_match_torch():
    torch = pytest.importorskip("torch")
    calls = [
        lambda lib, x: lib.linalg.qr(x, mode="r").R.sum().backward(),  # R alone has no derivative
        lambda lib, x: lib.linalg.qr(x[:, :2], mode="complete").Q.sum().backward(),  # complete and tall
        lambda lib, x: (lambda r: (r.S.mul_(2), r.S.sum().backward()))(lib.linalg.svd(x)),  # an output written to
        lambda lib, x: (lambda r: (r.eigenvectors.add_(1), r.eigenvalues.sum().backward()))(lib.linalg.eigh(x)),
    ]
    for call in calls:
        messages = []
        for lib in (torch, chainrule):
            x = lib.tensor(random(3, 3, seed=24), requires_grad=True)
            with pytest.raises(RuntimeError) as error:
                call(lib, x)
            messages.append(str(error.value))
        assert messages[1].startswith(messages[0].split(" Hint")[0]), messages


def test_results_are_torchs_named_tuples():
    A = chainrule.tensor([[2.0, 1.0], [1.0, 2.0]])
    svd = chainrule.linalg.svd(A)
    assert type(svd).__name__ == "linalg_svd" and svd.S is svd[1] and repr(svd).startswith(
        "torch.return_types.linalg_svd(\nU=tensor(")
    assert chainrule.linalg.eigh(A).eigenvalues.tolist() == pytest.approx([1.0, 3.0])
    assert type(chainrule.linalg.qr(A)).__name__ == "linalg_qr" and chainrule.linalg.qr(A).R.shape == (2, 2)
    sign, logabsdet = chainrule.linalg.slogdet(A)
    assert sign.item() == 1.0 and logabsdet.item() == pytest.approx(np.log(3.0))
    assert type(A.slogdet()).__name__ == "slogdet" and type(chainrule.slogdet(A)).__name__ == "slogdet"
    assert chainrule.return_types.linalg_svd is type(svd)
    assert chainrule.linalg.qr(A, mode="r").Q.shape == (0,)
    assert issubclass(chainrule.linalg.LinAlgError, RuntimeError)


def test_grad_fn_names_and_graph_bookkeeping_without_torch():
    A = chainrule.tensor(random(3, 3, seed=25) + 2 * np.eye(3), requires_grad=True)
    names = [chainrule.linalg.det(A), chainrule.linalg.inv(A), chainrule.linalg.svdvals(A), chainrule.linalg.svd(A).U,
             chainrule.linalg.eigh(A).eigenvalues, chainrule.linalg.cholesky(A @ A.mT).mT,
             chainrule.linalg.qr(A).R, chainrule.linalg.slogdet(A).logabsdet, chainrule.linalg.solve(A, A),
             chainrule.linalg.norm(A, 2), chainrule.linalg.norm(A, "nuc"), chainrule.linalg.norm(A)]
    assert [t.grad_fn.name() for t in names] == [
        "LinalgDetBackward0", "LinalgInvExBackward0", "LinalgSvdBackward0", "LinalgSvdBackward0",
        "LinalgEighBackward0", "TransposeBackward0", "LinalgQrBackward0", "LinalgSlogdetBackward0",
        "LinalgSolveExBackward0", "AmaxBackward0", "SumBackward1", "LinalgVectorNormBackward0"]
    S = chainrule.linalg.svd(A).S
    S.sum().backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        S.sum().backward()
    with chainrule.no_grad():
        assert chainrule.linalg.svdvals(A).grad_fn is None and chainrule.linalg.svd(A).U.grad_fn is None
    assert chainrule.linalg.svdvals(A.detach()).grad_fn is None


# -- finite differences, no torch -----------------------------------------------------------


def _well_conditioned(*shape, seed=0):
    """Random matrices with singular values spread over [1, 3] (distinct, away from zero)."""
    rng = np.random.default_rng(seed)
    *batch, m, n = shape
    k = min(m, n)
    out = np.empty(shape)
    for index in np.ndindex(*batch):
        u, _ = np.linalg.qr(rng.standard_normal((m, k)))
        v, _ = np.linalg.qr(rng.standard_normal((n, k)))
        out[index] = u @ np.diag(np.linspace(3.0, 1.0, k)) @ v.T
    return out


GRADCHECK_CASES = [
    ("svd", lambda x: _svd_fixed(chainrule, x), (4, 3)),
    ("svd_wide_batch", lambda x: _svd_fixed(chainrule, x), (2, 3, 4)),
    ("svd_full_matrices", lambda x: _svd_fixed(chainrule, x, full_matrices=True), (3, 5)),
    ("svdvals", lambda x: chainrule.linalg.svdvals(x), (2, 3, 4)),
    ("eigh", lambda x: _eigh_fixed(chainrule, x), (2, 3, 3)),
    ("eigvalsh", lambda x: chainrule.linalg.eigvalsh(x + x.mT), (3, 3)),
    ("cholesky", lambda x: chainrule.linalg.cholesky(_positive_definite(chainrule, x)), (2, 3, 3)),
    ("cholesky_upper", lambda x: chainrule.linalg.cholesky(_positive_definite(chainrule, x), upper=True), (3, 3)),
    ("qr_tall", lambda x: tuple(chainrule.linalg.qr(x)), (4, 3)),
    ("qr_wide", lambda x: tuple(chainrule.linalg.qr(x)), (2, 3, 4)),
    ("det", lambda x: chainrule.linalg.det(x), (2, 3, 3)),
    ("slogdet", lambda x: chainrule.linalg.slogdet(x).logabsdet, (3, 3)),
    ("inv", lambda x: chainrule.linalg.inv(x), (2, 3, 3)),
    ("solve", lambda x: chainrule.linalg.solve(x[..., :3], x[..., 3:]), (2, 3, 5)),
    ("solve_right", lambda x: chainrule.linalg.solve(x[:, :3], x[:, 3:].mT, left=False), (3, 5)),
    ("norm_spectral", lambda x: chainrule.linalg.norm(x, 2), (4, 3)),
    ("norm_smallest_singular", lambda x: chainrule.linalg.matrix_norm(x, -2), (2, 3, 4)),
    ("norm_nuclear", lambda x: chainrule.linalg.norm(x, "nuc"), (3, 4)),
    ("norm_nuclear_legacy_dims", lambda x: x.norm(p="nuc", dim=(0, 2), keepdim=True), (3, 2, 4)),
]


@pytest.mark.parametrize("name, fn, shape", GRADCHECK_CASES, ids=[c[0] for c in GRADCHECK_CASES])
def test_first_and_second_derivatives_match_finite_differences(name, fn, shape):
    x = chainrule.tensor(_well_conditioned(*shape, seed=len(name)), requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,), atol=1e-4, rtol=1e-3)


def test_det_of_a_singular_matrix_matches_finite_differences():
    u, _ = np.linalg.qr(random(3, 3, seed=26))
    v, _ = np.linalg.qr(random(3, 3, seed=27))
    singular = chainrule.tensor(u @ np.diag([2.0, 1.0, 0.0]) @ v.T, requires_grad=True)
    # det is a cubic polynomial: a large step is exact, a small one meets near-singular rounding
    assert gradcheck(chainrule.linalg.det, (singular,), eps=1e-3)
    assert gradgradcheck(chainrule.linalg.det, (singular,), eps=1e-3, atol=1e-4, rtol=1e-3)


# -- the older top-level forms: torch.svd, torch.qr, torch.cholesky, torch.logdet ------------


def test_legacy_factorizations_match_torch_shapes_warnings_and_values():
    torch = pytest.importorskip("torch")
    a = np.arange(6.0).reshape(3, 2) + np.eye(3, 2)
    results = []
    for lib in (chainrule, torch):
        A = lib.tensor(a, dtype=lib.float64)
        shapes = [tuple(t.shape) for t in lib.svd(A)] + [tuple(t.shape) for t in lib.svd(A, some=False)]
        no_uv = lib.svd(A, compute_uv=False)
        # torch warns once per process (TORCH_WARN_ONCE), so only chainrule's warnings are required
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            Q, R = lib.qr(A)
            L = lib.cholesky(A.mT @ A, upper=True)
        if lib is chainrule:
            messages = [str(w.message) for w in caught]
            assert messages[0].startswith("torch.qr is deprecated") and messages[1].startswith("torch.cholesky is")
            assert caught[0].filename == __file__  # the warning points at the caller's line
        results.append((shapes, [tuple(t.shape) for t in no_uv], float(no_uv.U.abs().sum()), type(no_uv).__name__,
                        np.round(np.abs(Q.numpy()), 10).tolist(), np.round(L.numpy(), 10).tolist(),
                        lib.logdet(lib.tensor([[-1.0, 0.0], [0.0, 1.0]])).isnan().item(),
                        round(lib.logdet(A.mT @ A).item(), 10)))
    assert results[0] == results[1]
