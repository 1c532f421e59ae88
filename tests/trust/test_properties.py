"""Hypothesis property tests: random shapes and values per op, and random programs.

* Each element-wise op of the table, on random shapes (broadcast pairs for binary ops) and
  random points of its domain: values vs NumPy, gradients vs finite differences.
* Random *programs*: short sequences of ops over a few inputs. Their gradients must
  match finite differences, PyTorch (when installed), and, on scalars, the Value engine.

The ``ci`` profile (tests/conftest.py) is derandomized and short; run
``HYPOTHESIS_PROFILE=long pytest tests/trust/test_properties.py`` to search far longer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.extra import numpy as hnp  # noqa: E402

import chainrule as cr  # noqa: E402
from chainrule import Value  # noqa: E402
from chainrule._tensor import Tensor  # noqa: E402
from chainrule.autograd.gradcheck import gradcheck  # noqa: E402
from chainrule.testing.op_table import available_ops  # noqa: E402

ELEMENTWISE = [s for s in available_ops() if s.elementwise and s.differentiable]
UNARY = [s for s in ELEMENTWISE if s.arity == 1]
BINARY = [s for s in ELEMENTWISE if s.arity == 2]


def _leaf(array: np.ndarray) -> Tensor:
    return Tensor._wrap(np.asarray(array, dtype=np.float64)).requires_grad_(True)


def _as_tuple(x):
    return tuple(x) if isinstance(x, (tuple, list)) else (x,)


small_shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=0, max_side=3)


@given(spec=st.sampled_from(UNARY), shape=small_shapes, seed=st.integers(0, 2**32 - 1))
def test_unary_op_on_random_shapes_and_points(spec, shape, seed):
    array = spec.domain(0)(np.random.default_rng(seed), shape)
    x = _leaf(array)
    out = spec.call(cr, x)
    np.testing.assert_allclose(out.detach().numpy(), spec.reference(array), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda t: spec.call(cr, t), (x,), eps=spec.eps)


@given(spec=st.sampled_from(BINARY),
       shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, min_side=0, max_side=3),
       seed=st.integers(0, 2**32 - 1))
def test_binary_op_on_random_broadcast_shapes(spec, shapes, seed):
    rng = np.random.default_rng(seed)
    arrays = [spec.domain(i)(rng, s) for i, s in enumerate(shapes.input_shapes)]
    leaves = [_leaf(a) for a in arrays]
    out = spec.call(cr, *leaves)
    assert tuple(out.shape) == shapes.result_shape
    np.testing.assert_allclose(out.detach().numpy(), spec.reference(*arrays), rtol=1e-10, atol=1e-12)
    assert gradcheck(lambda *ts: spec.call(cr, *ts), leaves, eps=spec.eps)


# -- random programs --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One instruction: ``name`` applied to earlier values (by index)."""

    name: str
    arity: int
    apply: Callable  # on Tensors (chainrule or torch) or on Values, via methods and operators
    scalar_ok: bool = True  # also defined for the Value engine


# Smooth, bounded-domain ops, so that any program stays finite and differentiable.
STEPS = [
    Step("add", 2, lambda a, b: a + b),
    Step("sub", 2, lambda a, b: a - b),
    Step("mul", 2, lambda a, b: a * b),
    Step("div_safe", 2, lambda a, b: a / (b * b + 1.0)),
    Step("tanh", 1, lambda a: a.tanh()),
    Step("sigmoid", 1, lambda a: a.sigmoid()),
    Step("sin", 1, lambda a: a.sin()),
    Step("cos", 1, lambda a: a.cos()),
    Step("exp_tanh", 1, lambda a: a.tanh().exp()),
    Step("log_1p_square", 1, lambda a: (a * a + 1.0).log()),
    Step("sqrt_1p_square", 1, lambda a: (a * a + 1.0).sqrt()),
    Step("square", 1, lambda a: a ** 2),
    Step("cube_scaled", 1, lambda a: (a * 0.5) ** 3),
    Step("mean_keepdim", 1, lambda a: a.mean(dim=-1, keepdim=True) * 1.0 + a * 0.5, scalar_ok=False),
    Step("sum_broadcast", 2, lambda a, b: a.sum(dim=-1, keepdim=True) * b * 0.25, scalar_ok=False),
]
# Ops other work adds, once chainrule has them (all keep the shape, so any program composes).
if hasattr(Tensor, "softmax"):
    STEPS += [Step("softmax", 1, lambda a: a.softmax(-1) * 2.0, scalar_ok=False),
              Step("log_softmax", 1, lambda a: a.log_softmax(-1) * 0.5, scalar_ok=False)]
if hasattr(Tensor, "logsumexp"):
    STEPS.append(Step("logsumexp_shift", 1, lambda a: a - a.logsumexp(-1, keepdim=True) * 0.3, scalar_ok=False))
if hasattr(Tensor, "norm"):
    # norm of a + 1 > 0: away from norm's kink at 0
    STEPS.append(Step("normalize", 1, lambda a: a / (a * a + 1.0).norm(dim=-1, keepdim=True), scalar_ok=False))
if hasattr(Tensor, "prod"):
    STEPS.append(Step("prod_scale", 2, lambda a, b: a * (b * 0.5).tanh().prod(dim=-1, keepdim=True),
                      scalar_ok=False))


@st.composite
def programs(draw, scalar_only: bool = False, max_steps: int = 8):
    steps = [s for s in STEPS if s.scalar_ok] if scalar_only else STEPS
    n_inputs = draw(st.integers(1, 3))
    instructions = []
    for k in range(draw(st.integers(1, max_steps))):
        step = draw(st.sampled_from(steps))
        operands = tuple(draw(st.integers(0, n_inputs + k - 1)) for _ in range(step.arity))
        instructions.append((step, operands))
    return n_inputs, instructions


def run_program(program, inputs):
    """Every value the program computes, the inputs first; the output sums the last two."""
    _, instructions = program
    values = list(inputs)
    for step, operands in instructions:
        values.append(step.apply(*(values[i] for i in operands)))
    return values[-1] + values[-2] * 0.5 if len(values) > 1 else values[-1]


def describe(program) -> str:
    n_inputs, instructions = program
    lines = [f"inputs v0..v{n_inputs - 1}"]
    for k, (step, operands) in enumerate(instructions):
        lines.append(f"v{n_inputs + k} = {step.name}({', '.join(f'v{i}' for i in operands)})")
    return "; ".join(lines)


@given(program=programs(), shape=st.sampled_from([(), (3,), (2, 3)]), seed=st.integers(0, 2**32 - 1))
def test_random_program_gradients_match_finite_differences(program, shape, seed):
    rng = np.random.default_rng(seed)
    leaves = [_leaf(rng.uniform(-1.5, 1.5, shape)) for _ in range(program[0])]
    assert gradcheck(lambda *xs: run_program(program, xs).sum(), leaves, atol=1e-5, rtol=1e-4), describe(program)


@given(program=programs(), shape=st.sampled_from([(), (4,), (2, 3)]), seed=st.integers(0, 2**32 - 1))
def test_random_program_gradients_match_torch(program, shape, seed):
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, shape) for _ in range(program[0])]
    ours = [_leaf(a) for a in arrays]
    theirs = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in arrays]
    out, expected = run_program(program, ours), run_program(program, theirs)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-12, atol=1e-12)
    weights = rng.standard_normal(shape)
    grads = cr.autograd.grad(out, ours, cr.tensor(weights), allow_unused=True, create_graph=True)
    expected_grads = torch.autograd.grad(expected, theirs, torch.tensor(weights), allow_unused=True,
                                         create_graph=True)
    for g, e in zip(grads, expected_grads):
        if e is None:
            assert g is None, describe(program)
            continue
        np.testing.assert_allclose(g.detach().numpy(), e.detach().numpy(), rtol=1e-10, atol=1e-12,
                                   err_msg=describe(program))
    # and the second derivative along a random direction
    pairs = [(g, e) for g, e in zip(grads, expected_grads) if e is not None and e.requires_grad]
    for g, e in pairs:
        if not g.requires_grad:
            # chainrule records no graph for a gradient that is constant (relu's mask, softmax of
            # a 0-d tensor); allowed only where torch's second derivative of it is zero too.
            for e2 in torch.autograd.grad(e.sum(), theirs, allow_unused=True, retain_graph=True):
                assert e2 is None or e2._is_zerotensor() or not e2.detach().numpy().any(), describe(program)
    pairs = [(g, e) for g, e in pairs if g.requires_grad]
    if not pairs:
        return
    expected_second = torch.autograd.grad([e.sum() for _, e in pairs], theirs, allow_unused=True)
    second = cr.autograd.grad([g.sum() for g, _ in pairs], ours, allow_unused=True)
    for g, e in zip(second, expected_second):
        if e is None:
            continue
        if g is None:  # reached only through a constant gradient (see above)
            assert e._is_zerotensor() or not e.numpy().any(), describe(program)
            continue
        np.testing.assert_allclose(g.numpy(), e.numpy(), rtol=1e-9, atol=1e-11, err_msg=describe(program))


@given(program=programs(scalar_only=True), seed=st.integers(0, 2**32 - 1))
def test_random_program_scalar_and_tensor_engines_agree(program, seed):
    rng = np.random.default_rng(seed)
    points = [float(p) for p in rng.uniform(-1.5, 1.5, program[0])]
    values = [Value(p) for p in points]
    tensors = [_leaf(np.array(p)) for p in points]
    value_out, tensor_out = run_program(program, values), run_program(program, tensors)
    assert value_out.data == pytest.approx(tensor_out.item(), rel=1e-12, abs=1e-12), describe(program)
    value_out.backward()
    tensor_out.backward()
    for v, t in zip(values, tensors):
        expected = t.grad.item() if t.grad is not None else 0.0
        assert v.grad == pytest.approx(expected, rel=1e-10, abs=1e-12), describe(program)


@given(program=programs(scalar_only=True, max_steps=6), seed=st.integers(0, 2**32 - 1))
def test_random_scalar_program_passes_gradcheck(program, seed):
    points = [float(p) for p in np.random.default_rng(seed).uniform(-1.5, 1.5, program[0])]
    assert gradcheck(lambda *vs: run_program(program, vs), tuple(Value(p) for p in points)), describe(program)


# -- reductions and shape ops on random shapes and dims, against PyTorch ---------------------------

REDUCTIONS = [name for name in ("sum", "mean", "prod", "amax", "amin", "logsumexp", "var", "std", "norm", "softmax",
                                "log_softmax") if hasattr(Tensor, name)]


def _reduce(lib, x, name, dim, keepdim):
    if name in ("softmax", "log_softmax"):
        return getattr(x, name)(dim=dim)
    if name == "norm":
        return x.norm(dim=dim, keepdim=keepdim)
    return getattr(x, name)(dim=dim, keepdim=keepdim)


@pytest.mark.skipif(not REDUCTIONS, reason="no reductions beyond the core yet")
@given(name=st.sampled_from(REDUCTIONS or ["sum"]), shape=hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
       data=st.data(), keepdim=st.booleans(), seed=st.integers(0, 2**32 - 1))
def test_reductions_on_random_dims_match_torch(name, shape, data, keepdim, seed):
    torch = pytest.importorskip("torch")
    dim = data.draw(st.integers(-len(shape), len(shape) - 1), label="dim")
    # distinct values away from 0: no ties for amax/amin, no kink for norm
    array = np.random.default_rng(seed).permutation(np.linspace(0.5, 2.0, int(np.prod(shape)))).reshape(shape)
    array *= np.where(np.arange(array.size).reshape(shape) % 2, 1.0, -1.0)
    ours, theirs = _leaf(array), torch.tensor(array, requires_grad=True)
    out, expected = _reduce(cr, ours, name, dim, keepdim), _reduce(torch, theirs, name, dim, keepdim)
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    weights = np.random.default_rng(seed + 1).standard_normal(tuple(expected.shape))
    out.backward(cr.tensor(weights))
    expected.backward(torch.tensor(weights))
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-9, atol=1e-12)


@given(shape=hnp.array_shapes(min_dims=1, max_dims=4, max_side=3), data=st.data(), seed=st.integers(0, 2**32 - 1))
def test_permute_and_reshape_on_random_shapes(shape, data, seed):
    array = np.random.default_rng(seed).standard_normal(shape)
    order = data.draw(st.permutations(range(len(shape))), label="order")
    x = _leaf(array)
    if hasattr(Tensor, "permute"):
        permuted = x.permute(*order)
        np.testing.assert_array_equal(permuted.detach().numpy(), np.transpose(array, order))
        assert gradcheck(lambda t: t.permute(*order) * 2.0, (x,))
    flat = x.reshape(-1)
    np.testing.assert_array_equal(flat.detach().numpy(), array.reshape(-1))
    assert gradcheck(lambda t: t.reshape(-1)[::2] * 3.0, (x,))


@pytest.mark.skipif(not hasattr(Tensor, "matmul"), reason="chainrule has no matmul yet")
@given(shapes=hnp.mutually_broadcastable_shapes(signature=np.matmul.signature, max_dims=2, max_side=3),
       seed=st.integers(0, 2**32 - 1))
def test_matmul_on_random_batched_shapes(shapes, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(s) for s in shapes.input_shapes]
    leaves = [_leaf(a) for a in arrays]
    out = cr.matmul(*leaves)
    np.testing.assert_allclose(out.detach().numpy(), np.matmul(*arrays), rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda a, b: cr.matmul(a, b), leaves)
