"""matmul (@, mm, bmm, mv, dot), outer and einsum against PyTorch 2.13 (values, grad_fn
names, gradients summed over broadcast batches, second derivatives, errors) and against
finite differences (no torch)."""

from __future__ import annotations

import itertools

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


@pytest.mark.parametrize("call, error", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(call, error):
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as theirs:
        call(torch, lambda *shape: torch.tensor(random(*shape)).float())
    with pytest.raises(error) as ours:
        call(chainrule, lambda *shape: chainrule.tensor(random(*shape)).float())
    assert str(theirs.value) in str(ours.value), (str(ours.value), str(theirs.value))


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
