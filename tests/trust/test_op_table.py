"""Every op in `chainrule.testing.op_table`, against NumPy, finite differences and PyTorch.

Adding an op to the table adds it to every test here. Entries whose op chainrule does
not have yet are reported by `test_the_table_covers_the_ops_chainrule_has`, not silently
dropped.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as cr
from chainrule._tensor import FUNCTIONS, Tensor
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from chainrule.testing.op_table import OPS, available_ops, broadcastable_pairs, missing_ops, sample_inputs

AVAILABLE = available_ops()

# Failures found in ops owned by other helpers, kept visible until fixed: (test, op) -> reason.
# Each becomes an xfail(strict=True) of that test for that op, so it flips to a failure when fixed.
KNOWN_FAILURES: dict[tuple[str, str], str] = {
    ("special_values_numpy", "sign"): "by design: NumPy's sign(nan) is nan, chainrule follows torch (0)",
    ("special_values_torch", "logit_eps"): "by design: at x = nan chainrule gives the gradient of torch's vectorized "
                                           "kernel and create_graph formula (0); torch's scalar loop, which runs on "
                                           "tensors as small as this one, gives nan",
}
# A factorization of a matrix holding inf (QR: or nan) returns what LAPACK's arithmetic makes of it, and
# PyTorch's MKL and NumPy's OpenBLAS make different things: an infinite entry gives nan singular values
# in both, but MKL's singular vectors are arbitrary (chainrule's are nan, so the gradients differ).
for _name, _labels in (("linalg_svd", ("inf", "-inf")), ("linalg_svd_full_matrices", ("inf", "-inf")),
                       ("linalg_svdvals", ("inf", "-inf")), ("linalg_norm_nuclear", ("inf", "-inf")),
                       ("linalg_matrix_norm_nuclear_keepdim", ("inf", "-inf")), ("norm_nuclear", ("inf", "-inf")),
                       ("norm_nuclear_dims", ("inf", "-inf")), ("linalg_qr", ("nan", "inf", "-inf")),
                       ("linalg_qr_complete", ("nan", "inf", "-inf")), ("svd", ("inf", "-inf")),
                       ("svd_full", ("inf", "-inf")), ("qr", ("nan", "inf", "-inf"))):
    for _label in _labels:
        KNOWN_FAILURES[("special_values_other", f"{_name}-{_label}")] = (
            "by design: LAPACK builds (MKL under torch, OpenBLAS under NumPy) differ on non-finite input")


def _known(test: str, spec) -> list:
    reason = KNOWN_FAILURES.get((test, spec.name)) or KNOWN_FAILURES.get(("*", spec.name))
    return [pytest.mark.xfail(strict=True, reason=reason)] if reason else []


def _specs(predicate, test: str) -> list:
    return [pytest.param(s, id=s.name, marks=_known(test, s)) for s in AVAILABLE if predicate(s)]


def _cases(predicate=lambda spec: True, shapes_of=lambda spec: spec.shapes, test=""):
    cases = []
    for spec in AVAILABLE:
        if not predicate(spec):
            continue
        for shapes in shapes_of(spec):
            cases.append(pytest.param(spec, tuple(shapes), id=f"{spec.name}-{'-'.join(map(_shape_id, shapes))}",
                                      marks=_known(test, spec)))
    return cases


def _shape_id(shape) -> str:
    return "x".join(map(str, shape)) if shape else "scalar"


def _leaves(arrays, requires_grad=True, dtype=np.float64):
    out = []
    for a in arrays:
        t = Tensor._wrap(np.asarray(a, dtype=dtype))
        if requires_grad:
            t.requires_grad_(True)
        out.append(t)
    return out


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


def _outputs(spec, tensors):
    """The op's outputs as a tuple of Tensors (`max(dim=)` gives values and indices)."""
    return _as_tuple(spec.call(cr, *tensors))


def _assert_matches(actual: Tensor, expected, rtol=1e-10, atol=1e-12, what=""):
    expected = np.asarray(expected)
    assert tuple(actual.shape) == expected.shape, f"{what}: shape {tuple(actual.shape)} != {expected.shape}"
    data = actual.detach().numpy() if actual.requires_grad else actual.numpy()
    if expected.dtype.kind in "biu":
        np.testing.assert_array_equal(data, expected, err_msg=what)
    else:
        np.testing.assert_allclose(data, expected, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)


def _differentiable_outputs(outs):
    return [o for o in outs if o.dtype.is_floating_point and o.requires_grad]


def _grad_is_checkable(spec, shapes) -> bool:
    return spec.differentiable and all(int(np.prod(s)) > 0 for s in shapes) or spec.differentiable and any(shapes)


# -- the table itself -------------------------------------------------------------------------------


def test_the_table_covers_the_ops_chainrule_has():
    """Each differentiable public op of chainrule has an entry (the rest are named here)."""
    covered = {name for spec in OPS for name in spec.required_names()} | {spec.name for spec in OPS}
    not_ops = {"tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like", "ones_like",
               "empty_like", "full_like", "arange", "linspace", "logspace", "eye", "rand", "randn", "randint",
               "rand_like", "randn_like", "randint_like", "randperm", "normal", "manual_seed", "allclose", "equal",
               "isclose", "isnan", "isinf", "isfinite", "ne", "lt", "le", "ge", "logical_and", "logical_or",
               "logical_xor", "logical_not", "true_divide", "negative", "absolute", "clip", "floor_divide",
               "masked_fill", "bernoulli", "multinomial", "poisson", "normal_", "greater", "less", "greater_equal", "less_equal", "not_equal", "multiply",
               "subtract", "divide"}
    uncovered = sorted(set(FUNCTIONS) - covered - not_ops)
    assert not uncovered, f"ops without an entry in chainrule/testing/op_table.py: {uncovered}"


def test_missing_ops_are_only_ones_other_work_will_add():
    # The table lists issue 3's ops; until their helpers land them, they are skipped. This
    # test documents which (it fails if an op the table needs from the core disappears).
    core = {"add", "sub", "mul", "div", "exp", "log", "sum", "mean", "reshape", "relu", "tanh", "sigmoid"}
    assert not core & set(missing_ops())


# -- values ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("spec, shapes", _cases(lambda s: s.reference is not None, test="values"))
def test_values_match_numpy(spec, shapes):
    arrays = sample_inputs(spec, shapes)
    outs = _outputs(spec, _leaves(arrays, requires_grad=False))
    expected = _as_tuple(spec.reference(*arrays))
    assert len(outs) == len(expected)
    for k, (o, e) in enumerate(zip(outs, expected)):
        _assert_matches(o, e, what=f"{spec.name} output {k}")


# -- first and second derivatives vs finite differences --------------------------------------------


@pytest.mark.parametrize("spec, shapes", _cases(lambda s: s.differentiable, test="gradients"))
def test_gradients_match_finite_differences(spec, shapes):
    leaves = _leaves(sample_inputs(spec, shapes))
    assert gradcheck(lambda *xs: _outputs(spec, xs), leaves, eps=spec.eps)


@pytest.mark.parametrize("spec, shapes", _cases(lambda s: s.differentiable and s.second_derivative,
                                                  test="second_derivatives"))
def test_second_derivatives_match_finite_differences(spec, shapes):
    leaves = _leaves(sample_inputs(spec, shapes, seed=1))
    assert gradgradcheck(lambda *xs: _outputs(spec, xs), leaves, eps=spec.eps, atol=1e-4, rtol=1e-3)


@pytest.mark.parametrize("spec", _specs(lambda s: not s.differentiable, "no_graph"))
def test_non_differentiable_ops_record_no_graph(spec):
    leaves = _leaves(sample_inputs(spec, spec.shapes[0]))
    for out in _outputs(spec, leaves):
        assert not out.requires_grad and out.grad_fn is None


# -- broadcasting: every pair of broadcastable shapes ------------------------------------------------


@pytest.mark.parametrize("spec, shapes", _cases(lambda s: s.broadcasts, lambda s: broadcastable_pairs(),
                                                  test="broadcasting"))
def test_broadcasting_every_pair(spec, shapes):
    arrays = sample_inputs(spec, shapes, seed=2)
    leaves = _leaves(arrays, requires_grad=spec.differentiable)
    (out,) = _outputs(spec, leaves)
    _assert_matches(out, spec.reference(*arrays), what=f"{spec.name}{shapes}")
    if spec.differentiable:
        out.backward(cr.ones_like(out))
        for leaf, shape in zip(leaves, shapes):
            assert tuple(leaf.grad.shape) == shape
        assert gradcheck(lambda *xs: _outputs(spec, xs), _leaves(arrays), eps=spec.eps)


# -- 0-d and empty tensors -------------------------------------------------------------------------------

ZERO_DIM_AND_EMPTY = ((), (0,), (2, 0))


@pytest.mark.parametrize("spec, shapes", _cases(lambda s: s.elementwise,
                                                  lambda s: [(shape,) * s.arity for shape in ZERO_DIM_AND_EMPTY],
                                                  test="zero_dim_and_empty"))
def test_zero_dim_and_empty_inputs(spec, shapes):
    arrays = sample_inputs(spec, shapes, seed=3)
    leaves = _leaves(arrays, requires_grad=spec.differentiable)
    (out,) = _outputs(spec, leaves)
    _assert_matches(out, spec.reference(*arrays), what=spec.name)
    if spec.differentiable:
        out.sum().backward()
        for leaf in leaves:
            assert leaf.grad is not None and tuple(leaf.grad.shape) == tuple(leaf.shape)
            assert leaf.grad.dtype == leaf.dtype


def _with_first_dim_empty(spec):
    shape = next((s for s in spec.shapes if len(s[0]) >= 1), None)
    return [] if shape is None or spec.arity != 1 else [((0,) + tuple(shape[0][1:]),)]


# var/std of nothing warn "degrees of freedom is <= 0" in both libraries, by design
@pytest.mark.filterwarnings("ignore:.*degrees of freedom is <= 0:UserWarning")
@pytest.mark.parametrize("spec, shapes", _cases(lambda s: not s.elementwise and s.torch, _with_first_dim_empty,
                                                  test="empty_vs_torch"))
def test_empty_inputs_behave_as_in_torch(spec, shapes):
    """On an empty input, chainrule raises where PyTorch raises and otherwise gives the same result."""
    torch = pytest.importorskip("torch")
    array = np.zeros(shapes[0])
    try:
        expected = _as_tuple(spec.call(torch, torch.tensor(array, requires_grad=spec.differentiable)))
    except (RuntimeError, IndexError, ValueError):
        with pytest.raises(Exception):
            _outputs(spec, _leaves([array], requires_grad=spec.differentiable))
        return
    outs = _outputs(spec, _leaves([array], requires_grad=spec.differentiable))
    for o, e in zip(outs, expected):
        _assert_matches(o, _array(e), what=spec.name)


# -- non-contiguous inputs ---------------------------------------------------------------------------------


def _transposed_copy(a: np.ndarray) -> np.ndarray:
    """The same values stored transposed: a view with the last two axes' strides swapped."""
    return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2) if a.ndim >= 2 else a


def _c_strides(a: np.ndarray) -> tuple:
    return np.empty(a.shape, dtype=a.dtype).strides


def _strided_copy(a: np.ndarray) -> np.ndarray:
    return np.repeat(a[..., None], 2, axis=-1)[..., 0] if a.ndim >= 1 else a


def _layout_cases() -> list:
    """(op, shapes, layout) for every layout that really changes some input's strides."""
    cases = []
    for param in _cases(lambda s: any(len(x) >= 1 for x in s.shapes[0]), lambda s: s.shapes[:1],
                        test="non_contiguous"):
        spec, shapes = param.values
        for layout in (_transposed_copy, _strided_copy):
            arrays = sample_inputs(spec, shapes)
            if any(layout(a).strides != _c_strides(a) for a in arrays):
                cases.append(pytest.param(spec, shapes, layout, id=f"{param.id}-{layout.__name__.strip('_')}",
                                          marks=param.marks))
    return cases


@pytest.mark.parametrize("spec, shapes, layout", _layout_cases())
def test_non_contiguous_inputs_give_the_same_values_and_gradients(spec, shapes, layout):
    arrays = sample_inputs(spec, shapes, seed=4)
    odd = [layout(a) for a in arrays]
    assert any(a.strides != _c_strides(a) for a in odd)
    if "needs_contiguous" in spec.tags and any(not a.flags.c_contiguous for a in odd):
        with pytest.raises(RuntimeError, match="view size is not compatible"):  # PyTorch's error
            _outputs(spec, [Tensor._wrap(a) for a in odd])
        return
    results = []
    for inputs in (arrays, odd):
        leaves = [Tensor._wrap(a) for a in inputs]
        for t in leaves:
            if spec.differentiable:
                t.requires_grad_(True)
        outs = _outputs(spec, leaves)
        grads = []
        if spec.differentiable:
            diff = _differentiable_outputs(outs)
            if diff:
                cr.autograd.backward(diff, [cr.ones_like(o) * 0.5 for o in diff])
            grads = [t.grad.numpy() if t.grad is not None else None for t in leaves]
        results.append(([o.detach().numpy() for o in outs], grads))
    (values_c, grads_c), (values_odd, grads_odd) = results
    for a, b in zip(values_c, values_odd):
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=0, equal_nan=True)
    for a, b in zip(grads_c, grads_odd):
        np.testing.assert_allclose(b, a, rtol=1e-13, atol=0)


# -- NaN and inf -----------------------------------------------------------------------------------------------

SPECIAL = np.array([np.nan, np.inf, -np.inf, 0.0, 1.5, -1.5])


@pytest.mark.parametrize("spec", _specs(lambda s: s.elementwise, "special_values_numpy"))
def test_nan_and_inf_propagate_as_in_numpy(spec):
    arrays = [SPECIAL] + [np.roll(SPECIAL, k + 1) for k in range(spec.arity - 1)]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        expected = spec.reference(*arrays)
        (out,) = _outputs(spec, _leaves(arrays, requires_grad=False))
    _assert_matches(out, expected, rtol=1e-12, what=f"{spec.name} at {arrays}")


# -- against PyTorch -----------------------------------------------------------------------------------------------


def _array(t) -> np.ndarray:
    """A torch tensor's values (also for the ZeroTensors torch returns for zero second derivatives)."""
    if t._is_zerotensor():
        return np.zeros(tuple(t.shape))
    return np.array(t.detach().tolist(), dtype=np.float64 if t.is_floating_point() else None).reshape(tuple(t.shape))


def _outputs_of_both(spec, shapes, dtype) -> tuple[tuple, tuple]:
    """The op's outputs from chainrule and from torch, on the same random leaves of ``dtype``."""
    torch = pytest.importorskip("torch")
    arrays = [a.astype(dtype) for a in sample_inputs(spec, shapes, seed=7)]
    ours = _outputs(spec, _leaves(arrays, dtype=dtype))
    theirs = _as_tuple(spec.call(torch, *[torch.tensor(a, requires_grad=True) for a in arrays]))
    return ours, theirs


@pytest.mark.parametrize("spec, shapes", _cases(lambda s: s.torch, test="torch"))
def test_values_gradients_and_second_derivatives_match_torch(spec, shapes):
    torch = pytest.importorskip("torch")
    arrays = sample_inputs(spec, shapes, seed=5)
    ours = _leaves(arrays, requires_grad=spec.differentiable)
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=spec.differentiable) for a in arrays]
    our_outs, their_outs = _outputs(spec, ours), _as_tuple(spec.call(torch, *theirs))
    assert len(our_outs) == len(their_outs)
    for o, t in zip(our_outs, their_outs):
        assert o.dtype.name == str(t.dtype).removeprefix("torch."), f"{spec.name}: dtype {o.dtype} vs {t.dtype}"
        _assert_matches(o, _array(t), what=f"{spec.name} value vs torch")
        assert o.requires_grad == t.requires_grad, f"{spec.name}: requires_grad {o.requires_grad} vs torch's"
    if not spec.differentiable:
        return
    rng = np.random.default_rng(6)
    pairs = [(o, t) for o, t in zip(our_outs, their_outs) if t.requires_grad]
    weights = [rng.standard_normal(tuple(t.shape)) for _, t in pairs]
    our_grads = cr.autograd.grad([o for o, _ in pairs], ours, [cr.tensor(w) for w in weights], create_graph=True,
                                 allow_unused=True)
    their_grads = torch.autograd.grad([t for _, t in pairs], theirs, [torch.tensor(w) for w in weights],
                                      create_graph=True, allow_unused=True)
    for g, tg in zip(our_grads, their_grads):
        if tg is None:
            assert g is None or not np.any(g.detach().numpy())
            continue
        _assert_matches(g, _array(tg), rtol=1e-9, atol=1e-12, what=f"{spec.name} gradient vs torch")
    if not spec.second_derivative:
        return
    second = [(g, tg) for g, tg in zip(our_grads, their_grads) if tg is not None and tg.requires_grad]
    for g, tg in second:
        if g is None or not g.requires_grad:
            # A gradient that records no graph is allowed only where it is constant: relu's
            # mask, a bias's summed gradient (torch records a graph for those anyway).
            theirs2 = torch.autograd.grad(tg, theirs, torch.ones_like(tg), allow_unused=True, retain_graph=True)
            assert all(t2 is None or not _array(t2).any() for t2 in theirs2), (
                f"{spec.name}: torch's gradient has a non-zero derivative, chainrule's gradient records no graph")
    second = [(g, tg) for g, tg in second if g is not None and g.requires_grad]
    if not second:
        return
    ws = [rng.standard_normal(tuple(tg.shape)) for _, tg in second]
    ours2 = cr.autograd.grad([g for g, _ in second], ours, [cr.tensor(w) for w in ws], allow_unused=True)
    theirs2 = torch.autograd.grad([tg for _, tg in second], theirs, [torch.tensor(w) for w in ws], allow_unused=True)
    for g, tg in zip(ours2, theirs2):
        if tg is None:
            assert g is None or not np.any(g.numpy())
            continue
        assert g is not None, f"{spec.name}: no second derivative where torch has one"
        _assert_matches(g, _array(tg), rtol=1e-9, atol=1e-12, what=f"{spec.name} second derivative vs torch")


@pytest.mark.parametrize("spec, shapes", _cases(lambda s: s.torch and s.differentiable, lambda s: s.shapes[:1],
                                                  test="float32"))
def test_float32_results_keep_their_dtype_as_in_torch(spec, shapes):
    for o, t in zip(*_outputs_of_both(spec, shapes, np.float32)):
        assert o.dtype.name == str(t.dtype).removeprefix("torch.")
        _assert_matches(o, _array(t), rtol=2e-6, atol=1e-6, what=f"{spec.name} float32 vs torch")


@pytest.mark.parametrize("spec, shapes", _cases(
    lambda s: s.torch and s.differentiable and "grad_fn_name_differs_by_design" not in s.tags, lambda s: s.shapes[:1],
    test="grad_fn_names"))
def test_grad_fn_names_match_torch(spec, shapes):
    for o, t in zip(*_outputs_of_both(spec, shapes, np.float64)):
        if t.grad_fn is not None:
            assert o.grad_fn is not None and o.grad_fn.name() == type(t.grad_fn).__name__, (
                f"{spec.name}: grad_fn {o.grad_fn.name() if o.grad_fn else None} vs torch's {type(t.grad_fn).__name__}")


@pytest.mark.parametrize("spec", _specs(lambda s: s.elementwise and s.torch, "special_values_torch"))
def test_nan_and_inf_values_and_gradients_match_torch(spec):
    torch = pytest.importorskip("torch")
    arrays = [SPECIAL] + [np.roll(SPECIAL, k + 1) for k in range(spec.arity - 1)]
    ours = _leaves(arrays, requires_grad=spec.differentiable)
    theirs = [torch.tensor(a, requires_grad=spec.differentiable) for a in arrays]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        (out,) = _outputs(spec, ours)
        (expected,) = _as_tuple(spec.call(torch, *theirs))
        _assert_matches(out, _array(expected), rtol=1e-12, what=f"{spec.name} value vs torch")
        if not spec.differentiable:
            return
        out.backward(cr.ones_like(out))
        expected.backward(torch.ones_like(expected))
    for leaf, t in zip(ours, theirs):
        _assert_matches(leaf.grad, _array(t.grad), rtol=1e-12, what=f"{spec.name} gradient at nan/inf vs torch")


def _with_special_values(spec, special: float) -> list[np.ndarray]:
    arrays = sample_inputs(spec, spec.shapes[0], seed=9)
    first = arrays[0].copy()
    first.reshape(-1)[0] = special
    return [first] + arrays[1:]


def _special_cases() -> list:
    cases = []
    for spec in AVAILABLE:
        if spec.elementwise or not spec.torch or not all(int(np.prod(x)) > 0 for x in spec.shapes[0]):
            continue
        for special, label in ((np.nan, "nan"), (np.inf, "inf"), (-np.inf, "-inf")):
            reason = KNOWN_FAILURES.get(("special_values_other", f"{spec.name}-{label}"))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            cases.append(pytest.param(spec, special, id=f"{spec.name}-{label}", marks=marks))
    return cases


@pytest.mark.parametrize("spec, special", _special_cases())
def test_nan_and_inf_through_other_ops_match_torch(spec, special):
    """Reductions, softmax, matmul, shape and index ops with one NaN or inf input element."""
    torch = pytest.importorskip("torch")
    arrays = _with_special_values(spec, special)
    ours = _leaves(arrays, requires_grad=spec.differentiable)
    theirs = [torch.tensor(a, requires_grad=spec.differentiable) for a in arrays]
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = _as_tuple(spec.call(torch, *theirs))
        except RuntimeError:
            return  # e.g. masked_select shapes depend on values
        outs = _outputs(spec, ours)
        for o, e in zip(outs, expected):
            _assert_matches(o, _array(e), rtol=1e-12, what=f"{spec.name} value with {special}")
        pairs = [(o, e) for o, e in zip(outs, expected) if e.requires_grad]
        if not pairs:
            return
        weights = [np.linspace(0.5, 1.5, int(np.prod(e.shape))).reshape(tuple(e.shape)) for _, e in pairs]
        cr.autograd.backward([o for o, _ in pairs], [cr.tensor(w) for w in weights])
        torch.autograd.backward([e for _, e in pairs], [torch.tensor(w) for w in weights])
    for leaf, t in zip(ours, theirs):
        _assert_matches(leaf.grad, _array(t.grad), rtol=1e-12, what=f"{spec.name} gradient with {special}")


@pytest.mark.parametrize("spec", _specs(lambda s: True, "special_values_quiet"))
def test_special_values_raise_no_numpy_warnings(spec):
    """log(0), sqrt(-1), 0/0, inf*0: IEEE results given silently, as torch gives them, even where
    warnings are errors (python -W error); see chainrule/autograd/fp_errors.py."""
    if spec.elementwise:
        arrays = [SPECIAL] + [np.roll(SPECIAL, k + 1) for k in range(spec.arity - 1)]
    elif all(int(np.prod(x)) > 0 for x in spec.shapes[0]):
        arrays = _with_special_values(spec, np.inf)
        arrays[0].reshape(-1)[-1] = np.nan
    else:
        pytest.skip("no element to hold a special value")
    leaves = _leaves(arrays, requires_grad=spec.differentiable)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        try:
            outs = _outputs(spec, leaves)
        except RuntimeError:
            return  # refused for these values, e.g. an index read from the data
        if spec.differentiable:
            floats = [o for o in outs if o.requires_grad]
            cr.autograd.backward(floats, [cr.ones_like(o) for o in floats], create_graph=True)


def test_means_of_nothing_are_nan_without_numpy_warnings():
    # NumPy's np.mean warns "Mean of empty slice" (a Python warning, not an FP error): avoided
    x = cr.zeros(0, 3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        means = [x.mean(), x.mean(dim=0), x.softmax(dim=0), x.log_softmax(dim=1), x.logsumexp(dim=0)]
        sum(m.sum() for m in means).backward()
    assert np.isnan(means[0].item()) and np.isnan(means[1].detach().numpy()).all()
    assert x.grad.shape == (0, 3)
