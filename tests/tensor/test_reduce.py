"""Reductions against PyTorch 2.13 (values, dtypes, grad_fn names, gradients, second
derivatives, errors) and against finite differences and hand-worked values (no torch).

`assert_matches_torch` is shared with test_softmax.py and test_linalg.py.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import chainrule
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck


def _outputs(out) -> tuple:
    return tuple(out) if isinstance(out, (tuple, list)) else (out,)


def _grad_fn_name(t) -> str | None:
    return t.grad_fn.name() if t.grad_fn is not None else None


def _hessian_vector_products(lib, inputs, outputs, weights, vectors):
    """First derivatives of sum(w * out**2) and the derivative of their dot with ``vectors``."""
    float_outputs = [(o, w) for o, w in zip(outputs, weights) if o.dtype == lib.float64 and o.requires_grad]
    loss = sum((o**2 * lib.tensor(w, dtype=lib.float64)).sum() for o, w in float_outputs)
    firsts = lib.autograd.grad(loss, inputs, create_graph=True, allow_unused=True)
    firsts = [g if g is not None else lib.zeros_like(x) for g, x in zip(firsts, inputs)]
    dot = sum((g * lib.tensor(v, dtype=lib.float64)).sum() for g, v in zip(firsts, vectors))
    seconds = lib.autograd.grad(dot, inputs, allow_unused=True) if dot.requires_grad else [None] * len(inputs)
    return firsts, seconds


def assert_matches_torch(fn, *arrays, check_names: bool = True, second: bool = True, seed: int = 0) -> None:
    """Run ``fn(lib, *leaves)`` with chainrule and with torch on float64 leaves made from
    ``arrays``: every output's shape, dtype, values and grad_fn name, the gradient of
    ``sum(w * out**2)`` and (when ``second``) its Hessian-vector product must agree."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    ours_in = [chainrule.tensor(a, dtype=chainrule.float64, requires_grad=True) for a in arrays]
    theirs_in = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    ours, theirs = _outputs(fn(chainrule, *ours_in)), _outputs(fn(torch, *theirs_in))
    assert len(ours) == len(theirs)
    for o, t in zip(ours, theirs):
        assert tuple(o.shape) == tuple(t.shape)
        assert o.dtype.name == str(t.dtype).removeprefix("torch.")
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-12, atol=1e-12)
        if check_names:
            assert _grad_fn_name(o) == _grad_fn_name(t)
    if not any(t.requires_grad for t in theirs):
        return
    weights = [rng.standard_normal(tuple(t.shape)) for t in theirs]
    vectors = [rng.standard_normal(np.shape(a)) for a in arrays]
    our_first, our_second = _hessian_vector_products(chainrule, ours_in, ours, weights, vectors)
    their_first, their_second = _hessian_vector_products(torch, theirs_in, theirs, weights, vectors)
    for o, t in zip(our_first, their_first):
        np.testing.assert_allclose(o.detach().numpy(), t.detach().numpy(), rtol=1e-10, atol=1e-12)
    if not second:
        return
    for o, t, a in zip(our_second, their_second, arrays):
        o = np.zeros(np.shape(a)) if o is None else o.numpy()  # None: no path, a zero derivative
        t = np.zeros(np.shape(a)) if t is None else t.numpy()
        np.testing.assert_allclose(o, t, rtol=1e-10, atol=1e-12)


def random(*shape: int, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


TIES = np.array([[1.0, 3.0, 3.0, -2.0], [2.0, 2.0, 0.0, 2.0], [-1.0, -1.0, -1.0, -1.0]])
ZEROS = np.array([[0.0, 0.0, 3.0], [0.0, 3.0, 2.0], [1.0, -2.0, 3.0]])
ONE_ZERO = np.array([[1.5, 0.0, -2.0, 0.5], [0.7, 1.2, -0.4, 2.0]])

# (id, fn(lib, x), input array)
CASES = [
    ("sum_all", lambda lib, x: x.sum(), random(3, 4)),
    ("sum_dims_keepdim", lambda lib, x: x.sum((0, -1), keepdim=True), random(2, 3, 4)),
    ("sum_empty_tuple_means_all", lambda lib, x: lib.sum(x, ()), random(2, 3)),
    ("sum_0d", lambda lib, x: x.sum(0), random()),
    ("sum_empty", lambda lib, x: x.sum(0), random(0, 3)),
    ("mean_all", lambda lib, x: x.mean(), random(3, 4)),
    ("mean_dim", lambda lib, x: x.mean(-1, keepdim=True), random(3, 4)),
    ("prod_all", lambda lib, x: x.prod(), random(3, 4)),
    ("prod_dim", lambda lib, x: x.prod(1), random(3, 4)),
    ("prod_dim_keepdim", lambda lib, x: lib.prod(x, -2, keepdim=True), random(2, 3, 4)),
    ("prod_zeros_dim", lambda lib, x: x.prod(1), ZEROS),
    ("prod_zeros_dim0", lambda lib, x: x.prod(0), ZEROS),
    ("prod_one_zero_all", lambda lib, x: x.prod(), ONE_ZERO),
    ("prod_zeros_all", lambda lib, x: x.prod(), ZEROS),
    ("prod_0d", lambda lib, x: x.prod(), random()),
    ("prod_empty", lambda lib, x: x.prod(1), random(2, 0)),
    ("var_all", lambda lib, x: x.var(), random(3, 4)),
    ("var_dim", lambda lib, x: x.var(1), random(3, 4)),
    ("var_unbiased_false", lambda lib, x: x.var(0, unbiased=False), random(3, 4)),
    ("var_positional_overload", lambda lib, x: x.var(0, True, True), random(3, 4)),
    ("var_legacy_bool", lambda lib, x: x.var(False), random(3, 4)),
    ("var_correction", lambda lib, x: lib.var(x, dim=(0, 2), correction=2), random(3, 2, 4)),
    ("std_all", lambda lib, x: x.std(), random(3, 4)),
    ("std_dim_keepdim", lambda lib, x: x.std(-1, keepdim=True), random(3, 4)),
    ("std_correction_0", lambda lib, x: lib.std(x, 1, correction=0), random(3, 4)),
    ("std_constant_rows", lambda lib, x: x.std(1), np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])),
    ("max_all", lambda lib, x: x.max(), random(3, 4)),
    ("max_all_ties", lambda lib, x: x.max(), TIES),
    ("max_dim", lambda lib, x: x.max(1), random(3, 4)),
    ("max_dim_ties", lambda lib, x: x.max(dim=1), TIES),
    ("max_dim0_keepdim_ties", lambda lib, x: lib.max(x, 0, keepdim=True), TIES),
    ("max_0d_dim", lambda lib, x: x.max(0), random()),
    ("max_empty_rows", lambda lib, x: x.max(1), random(0, 3)),
    ("max_elementwise", lambda lib, x: lib.max(x, x * 0.5), random(3, 4)),
    ("min_all_ties", lambda lib, x: x.min(), TIES),
    ("min_dim_ties", lambda lib, x: x.min(-1), TIES),
    ("amax_all_ties", lambda lib, x: x.amax(), TIES),
    ("amax_dim_ties", lambda lib, x: x.amax(1), TIES),
    ("amax_dims_keepdim", lambda lib, x: x.amax((0, 2), keepdim=True), random(2, 3, 4)),
    ("amin_dim_ties", lambda lib, x: lib.amin(x, 0), TIES),
    ("amax_empty_rows", lambda lib, x: x.amax(1), random(0, 3)),
    ("logsumexp_dim", lambda lib, x: x.logsumexp(1), random(3, 4)),
    ("logsumexp_dims_keepdim", lambda lib, x: lib.logsumexp(x, (0, 1), keepdim=True), random(3, 4, 2)),
    ("logsumexp_large", lambda lib, x: x.logsumexp(0), np.array([1000.0, 1000.0, 999.0])),
    ("logsumexp_0d", lambda lib, x: x.logsumexp(0), random()),
    ("logsumexp_empty", lambda lib, x: x.logsumexp(1), random(0, 3)),
    ("norm_default", lambda lib, x: x.norm(), random(3, 4)),
    ("norm_p1", lambda lib, x: x.norm(1), random(3, 4)),
    ("norm_p3_dim_keepdim", lambda lib, x: x.norm(p=3, dim=0, keepdim=True), random(3, 4)),
    ("norm_p_half", lambda lib, x: x.norm(0.5, dim=1), random(3, 4)),
    ("norm_inf_ties", lambda lib, x: x.norm(float("inf"), dim=1), TIES),
    ("norm_minus_inf", lambda lib, x: x.norm(float("-inf")), random(3, 4)),
    ("norm_p0", lambda lib, x: x.norm(0), ONE_ZERO),
    ("norm_fro_dims", lambda lib, x: lib.norm(x, "fro", dim=(0, 1)), random(3, 4)),
    ("norm_0d", lambda lib, x: x.norm(dim=0), random()),
    ("norm_empty", lambda lib, x: x.norm(), random(0, 3)),
    ("cumsum", lambda lib, x: x.cumsum(1), random(3, 4)),
    ("cumsum_negative_dim", lambda lib, x: lib.cumsum(x, -3), random(2, 3, 2)),
    ("cumsum_0d", lambda lib, x: x.cumsum(0), random()),
]


@pytest.mark.parametrize("name, fn, array", CASES, ids=[c[0] for c in CASES])
def test_matches_torch(name, fn, array):
    assert_matches_torch(fn, array)


@pytest.mark.parametrize("p", [2, 1, 3, 0.5, math.inf])
def test_norm_at_zero_has_a_zero_gradient_as_torch(p):
    # Second derivatives at 0 are infinite or undefined (torch gives nan for some p): not compared.
    with np.errstate(all="ignore"):
        assert_matches_torch(lambda lib, x: x.norm(p), np.zeros(3), second=False)
        assert_matches_torch(lambda lib, x: x.norm(p, dim=1), np.array([[0.0, 0.0], [3.0, 4.0]]), second=False)


SPECIAL_VALUE_CASES = [
    ("prod", lambda lib, x: x.prod()),
    ("prod_dim", lambda lib, x: x.prod(1)),
    ("max", lambda lib, x: x.max()),
    ("max_dim", lambda lib, x: x.max(1)),
    ("amax", lambda lib, x: x.amax(1)),
    ("amin", lambda lib, x: x.amin(0)),
    ("logsumexp", lambda lib, x: x.logsumexp(1)),
    ("norm", lambda lib, x: x.norm(dim=1)),
]


@pytest.mark.parametrize("special", [math.nan, math.inf, -math.inf], ids=["nan", "inf", "-inf"])
@pytest.mark.parametrize("name, fn", SPECIAL_VALUE_CASES, ids=[c[0] for c in SPECIAL_VALUE_CASES])
def test_nan_and_inf_give_torchs_values_and_gradients(name, fn, special):
    array = random(3, 4)
    array[1, 2] = special
    with np.errstate(all="ignore"):
        assert_matches_torch(fn, array, second=False)


# (id, fn(lib, x)) for reductions without a gradient: compared on values and dtypes
NO_GRAD_CASES = [
    ("argmax_all", lambda lib, x: x.argmax()),
    ("argmax_dim", lambda lib, x: x.argmax(1)),
    ("argmax_keepdim_all", lambda lib, x: x.argmax(keepdim=True)),
    ("argmin_dim_keepdim", lambda lib, x: lib.argmin(x, 0, keepdim=True)),
    ("all", lambda lib, x: (x > 0).all()),
    ("any_dim", lambda lib, x: (x > 0).any(1)),
    ("any_dims", lambda lib, x: lib.any(x > 2, (0, 1))),
    ("all_float", lambda lib, x: x.all(1)),
    ("sum_bool_int64", lambda lib, x: (x > 0).sum(0)),
    ("prod_int64", lambda lib, x: x.long().prod(1)),
    ("prod_bool", lambda lib, x: (x > 0).prod()),
    ("cumsum_int", lambda lib, x: x.int().cumsum(0)),
    ("cumsum_dtype", lambda lib, x: x.cumsum(0, dtype=lib.float32)),
    ("max_int", lambda lib, x: x.long().max()),
    ("amax_int", lambda lib, x: x.long().amax(0)),
    ("max_int_dim", lambda lib, x: x.long().max(1)),
    ("logsumexp_int_to_float", lambda lib, x: x.long().logsumexp(0)),
]


@pytest.mark.parametrize("name, fn", NO_GRAD_CASES, ids=[c[0] for c in NO_GRAD_CASES])
def test_no_grad_reductions_match_torch(name, fn):
    torch = pytest.importorskip("torch")
    array = np.round(random(3, 4) * 3)
    array[0, 1] = array[0, 2]  # a tie for argmax/argmin
    ours = _outputs(fn(chainrule, chainrule.tensor(array)))
    theirs = _outputs(fn(torch, torch.tensor(array)))
    for o, t in zip(ours, theirs):
        assert o.dtype.name == str(t.dtype).removeprefix("torch.") and tuple(o.shape) == tuple(t.shape)
        np.testing.assert_allclose(o.numpy(), t.numpy(), rtol=1e-6)


def test_max_with_dim_returns_torchs_named_pair():
    torch = pytest.importorskip("torch")
    ours = chainrule.tensor(TIES, requires_grad=True).max(1)
    theirs = torch.tensor(TIES, requires_grad=True).max(1)
    assert repr(ours) == repr(theirs)
    values, indices = ours
    assert values is ours.values and indices is ours.indices and ours.indices.dtype == chainrule.int64
    assert repr(chainrule.tensor(TIES).min(0)) == repr(torch.tensor(TIES).min(0))


# (call, torch's exception type) — messages must equal torch's
ERRORS = [
    (lambda lib, x: x.sum(5), IndexError),
    (lambda lib, x: x.max(-3), IndexError),
    (lambda lib, x: x.prod(2), IndexError),
    (lambda lib, x: x.var(-3), IndexError),
    (lambda lib, x: x.amax(5), IndexError),
    (lambda lib, x: x.argmax(5), IndexError),
    (lambda lib, x: x.cumsum(dim=5), IndexError),
    (lambda lib, x: x.norm(dim=3), IndexError),
    (lambda lib, x: x.amax((0, 0)), RuntimeError),
    (lambda lib, x: x.sum((1, -1)), RuntimeError),
    (lambda lib, x: x[:0].max(), RuntimeError),
    (lambda lib, x: x[:0].max(0), IndexError),
    (lambda lib, x: x[:0].amax(), RuntimeError),
    (lambda lib, x: x[:0].amin(0), IndexError),
    (lambda lib, x: x[:0].argmax(), IndexError),
    (lambda lib, x: x.long().var(), RuntimeError),
    (lambda lib, x: x.long().norm(), RuntimeError),
    (lambda lib, x: x.long().mean(), RuntimeError),
    (lambda lib, x: x.norm(p="abc"), RuntimeError),
    (lambda lib, x: x[:0].norm(float("inf")), RuntimeError),
    (lambda lib, x: x.norm(dtype=lib.float32), RuntimeError),
    (lambda lib, x: x.argmax(dim=(0, 1)), TypeError),
    (lambda lib, x: x.logsumexp(), TypeError),
    (lambda lib, x: x.cumsum(), TypeError),
]


@pytest.mark.parametrize("call, error", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_errors_match_torch(call, error):
    torch = pytest.importorskip("torch")
    with pytest.raises(error) as theirs:
        call(torch, torch.tensor(random(3, 4)))
    with pytest.raises(error) as ours:
        call(chainrule, chainrule.tensor(random(3, 4)))
    expected = str(theirs.value).split("\n")[0]
    if error is TypeError:  # torch's argument-parser text differs; the point is the same
        assert "dim" in str(ours.value) or "argument" in str(ours.value)
    else:
        assert expected in str(ours.value), (str(ours.value), expected)


# -- without torch ------------------------------------------------------------------------

FINITE_DIFFERENCE_CASES = [
    ("prod_dim", lambda x: x.prod(1), ZEROS),
    ("prod_all", lambda x: x.prod(), ONE_ZERO),
    ("var_dims", lambda x: x.var((0, 1), keepdim=True), random(2, 3, 2)),
    ("std", lambda x: x.std(0, correction=0), random(3, 4)),
    ("max_dim", lambda x: x.max(1)[0], random(3, 4)),
    ("amin", lambda x: x.amin(0), random(3, 4)),
    ("logsumexp", lambda x: x.logsumexp(-1), random(2, 5)),
    ("norm", lambda x: x.norm(dim=1), random(3, 4)),
    ("norm_p3", lambda x: x.norm(3), random(3, 4)),
    ("norm_inf", lambda x: x.norm(float("inf"), dim=0), random(3, 4)),
    ("cumsum", lambda x: x.cumsum(0), random(3, 4)),
    ("mean_0d", lambda x: x.mean(), random()),
]


@pytest.mark.parametrize("name, fn, array", FINITE_DIFFERENCE_CASES, ids=[c[0] for c in FINITE_DIFFERENCE_CASES])
def test_first_and_second_derivatives_match_finite_differences(name, fn, array):
    x = chainrule.tensor(array, dtype=chainrule.float64, requires_grad=True)
    assert gradcheck(fn, (x,))
    assert gradgradcheck(fn, (x,))


def test_prod_gradient_is_the_product_of_the_others_even_at_zeros():
    x = chainrule.tensor([[0.0, 0.0, 3.0], [0.0, 3.0, 2.0], [1.0, 2.0, 3.0]], requires_grad=True)
    x.prod(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.0, 0.0], [6.0, 0.0, 0.0], [6.0, 3.0, 2.0]]
    y = chainrule.tensor([2.0, 0.0, 5.0], requires_grad=True)
    (g,) = chainrule.autograd.grad(y.prod(), y, create_graph=True)
    assert g.tolist() == [0.0, 10.0, 0.0]
    (h,) = chainrule.autograd.grad(g[1], y)
    assert h.tolist() == [5.0, 0.0, 2.0]  # d/dy (y0 * y2) at y = (2, 0, 5)


def test_ties_share_the_gradient_without_dim_and_follow_the_index_with_dim():
    x = chainrule.tensor([[1.0, 3.0, 3.0], [2.0, 2.0, 0.0]], requires_grad=True)
    x.max().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.0, 0.0, 0.0]]
    x.grad = None
    x.amax(1).sum().backward()
    assert x.grad.tolist() == [[0.0, 0.5, 0.5], [0.5, 0.5, 0.0]]
    x.grad = None
    values, indices = x.max(1)
    values.sum().backward()
    assert indices.tolist() == [1, 0] and x.grad.tolist() == [[0.0, 1.0, 0.0], [1.0, 0.0, 0.0]]


def test_var_and_std_values_and_the_degrees_of_freedom_warning():
    x = chainrule.tensor([1.0, 2.0, 3.0, 4.0])
    assert math.isclose(x.var().item(), 5 / 3, rel_tol=1e-6)
    assert math.isclose(x.var(unbiased=False).item(), 1.25, rel_tol=1e-6)
    assert math.isclose(x.std(correction=0).item(), math.sqrt(1.25), rel_tol=1e-6)
    with pytest.raises(TypeError, match="either 'unbiased' or 'correction'"):
        x.var(0, unbiased=False, correction=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert math.isnan(chainrule.tensor([2.0]).var().item())
    assert any("degrees of freedom is <= 0" in str(w.message) for w in caught)


def test_logsumexp_is_stable_and_norm_gives_the_nuclear_norm():
    assert math.isclose(chainrule.tensor([1000.0, 1000.0]).logsumexp(0).item(), 1000 + math.log(2), rel_tol=1e-6)
    assert chainrule.tensor([-math.inf, -math.inf]).logsumexp(0).item() == -math.inf
    assert math.isclose(chainrule.tensor([[3.0, 0.0], [0.0, -4.0]]).norm(p="nuc").item(), 7.0)  # tests/tensor/test_linalg.py


def test_reduction_grad_fn_names_and_dtypes_without_torch():
    x = chainrule.ones(2, 3, requires_grad=True)
    names = [x.sum(), x.sum(0), x.prod(), x.prod(1), x.var(), x.std(1), x.max(), x.max(1)[0], x.min(),
             x.amax(0), x.amin(), x.logsumexp(1), x.norm(), x.cumsum(0)]
    assert [t.grad_fn.name() for t in names] == [
        "SumBackward0", "SumBackward1", "ProdBackward0", "ProdBackward1", "VarBackward0", "StdBackward0",
        "MaxBackward1", "MaxBackward0", "MinBackward1", "AmaxBackward0", "AminBackward0",
        "LogsumexpBackward0", "LinalgVectorNormBackward0", "CumsumBackward0"]
    assert x.argmax().dtype == chainrule.int64 and x.argmax().grad_fn is None
    assert x.all().dtype == chainrule.bool and x.any(1).tolist() == [True, True]


# -- random shapes, dims and keepdim against torch -----------------------------------------

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies

# name -> fn(lib, x, dims, keepdim); `dims` is a tuple of ints, ops taking one dim use dims[0]
RANDOM_REDUCTIONS = {
    "sum": lambda lib, x, dims, keepdim: x.sum(dims, keepdim=keepdim),
    "mean": lambda lib, x, dims, keepdim: x.mean(dims, keepdim=keepdim),
    "prod": lambda lib, x, dims, keepdim: x.prod(dims[0], keepdim=keepdim),
    "var": lambda lib, x, dims, keepdim: x.var(dims, keepdim=keepdim, correction=0),
    "std": lambda lib, x, dims, keepdim: x.std(dims, keepdim=keepdim),
    "amax": lambda lib, x, dims, keepdim: x.amax(dims, keepdim=keepdim),
    "amin": lambda lib, x, dims, keepdim: x.amin(dims, keepdim=keepdim),
    "max_dim": lambda lib, x, dims, keepdim: x.max(dims[0], keepdim=keepdim),
    "min_dim": lambda lib, x, dims, keepdim: x.min(dims[0], keepdim),
    "logsumexp": lambda lib, x, dims, keepdim: x.logsumexp(dims, keepdim=keepdim),
    "norm": lambda lib, x, dims, keepdim: x.norm(dim=dims, keepdim=keepdim),
    "norm_p3": lambda lib, x, dims, keepdim: x.norm(3, dims, keepdim),
    "cumsum": lambda lib, x, dims, keepdim: x.cumsum(dims[0]),
}


@st.composite
def reduction_cases(draw):
    shape = tuple(draw(st.lists(st.integers(0, 3), min_size=0, max_size=3)))
    n = max(len(shape), 1)
    dims = tuple(draw(st.lists(st.integers(-n, n - 1), min_size=1, max_size=n, unique_by=lambda d: d % n)))
    return draw(st.sampled_from(sorted(RANDOM_REDUCTIONS))), shape, dims, draw(st.booleans())


@hypothesis.settings(max_examples=60, deadline=None)
@hypothesis.given(reduction_cases(), st.integers(0, 2**16))
def test_random_reductions_match_torch(case, seed):
    """Values, names, gradients and second derivatives, or the same kind of error."""
    torch = pytest.importorskip("torch")
    name, shape, dims, keepdim = case
    data = np.round(np.random.default_rng(seed).standard_normal(shape), 1)  # rounding makes ties
    fn = lambda lib, x: RANDOM_REDUCTIONS[name](lib, x, dims, keepdim)  # noqa: E731
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # var/std with no degrees of freedom
            fn(torch, torch.tensor(data, requires_grad=True))
    except (RuntimeError, IndexError) as error:
        with pytest.raises(type(error)):
            fn(chainrule, chainrule.tensor(data, requires_grad=True))
        return
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        values = _outputs(fn(chainrule, chainrule.tensor(data)))[0].numpy()
        # At a zero norm or std the second derivative is infinite or undefined: not compared.
        smooth = name not in ("norm", "norm_p3", "std") or bool(np.all(values != 0))
        assert_matches_torch(fn, data, second=smooth, seed=seed)


@pytest.mark.parametrize("call", [lambda x: x.var(), lambda x: x.std(), lambda x: chainrule.var_mean(x),
                                  lambda x: chainrule.std_mean(x)], ids=["var", "std", "var_mean", "std_mean"])
def test_degrees_of_freedom_warnings_point_at_the_callers_line(call):
    with pytest.warns(UserWarning, match="degrees of freedom is <= 0") as record:
        call(chainrule.ones(1))
    assert record[0].filename == __file__
