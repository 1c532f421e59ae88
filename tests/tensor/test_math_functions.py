"""The element-wise math functions (ops/trig.py, logexp.py, special.py, rounding.py,
nan_aware.py, ternary.py) against PyTorch 2.13, beyond what the op table checks: every
combination of special values (nan, ±inf, ±0, domain edges) for values and first
derivatives, dtype promotion and errors for every mix of dtypes and numbers, the in-place
forms, and an Adam step written with lerp_, addcmul_ and addcdiv_."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import chainrule
from tests.tensor.test_inplace import _after
from tests.tensor.test_shape import assert_matches_torch

torch = pytest.importorskip("torch")

SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, -2.5, 0.9999, 1e-300, 1e308]

UNARY = ["sinh", "cosh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh",
         "arccosh", "arctanh", "sinc", "deg2rad", "rad2deg", "log2", "log10", "exp2", "erfinv", "logit", "sgn", "frac",
         "nan_to_num"]
BINARY = ["atan2", "arctan2", "hypot", "logaddexp", "logaddexp2", "float_power", "xlogy", "fmod", "fmax", "fmin"]

# (id, call(lib, *tensors), arity)
GRID_CASES = (
    [(name, lambda lib, x, _n=name: getattr(lib, _n)(x), 1) for name in UNARY]
    + [(name, lambda lib, a, b, _n=name: getattr(lib, _n)(a, b), 2) for name in BINARY]
    + [(f"logit_eps_{eps}", lambda lib, x, _e=eps: lib.logit(x, eps=_e), 1) for eps in (0.0, 0.25, 0.6, -0.5)]
    + [("nan_to_num_values", lambda lib, x: lib.nan_to_num(x, nan=1.5, posinf=2.0, neginf=-3.0), 1),
       ("nan_to_num_huge_posinf", lambda lib, x: lib.nan_to_num(x, posinf=1e300), 1)]
    + [(f"{name}_number_{s}", lambda lib, x, _n=name, _s=s: getattr(lib, _n)(x, _s), 1)
       for name in ("xlogy", "fmod", "float_power") for s in (2.5, -1.5, 0.0, math.nan, math.inf)]
    + [(f"{name}_number_base_{s}", lambda lib, x, _n=name, _s=s: getattr(lib, _n)(_s, x), 1)
       for name in ("xlogy", "float_power") for s in (2.5, 0.0, -1.5, math.nan)]
    + [(f"lerp_weight_{w}", lambda lib, a, b, _w=w: lib.lerp(a, b, _w), 2) for w in (0.3, 0.5, 0.8, 1.0, -2.0, math.inf)]
    + [("lerp", lambda lib, a, b, w: lib.lerp(a, b, w), 3),
       ("addcmul", lambda lib, x, a, b: lib.addcmul(x, a, b, value=-0.5), 3),
       ("addcdiv", lambda lib, x, a, b: lib.addcdiv(x, a, b, value=2.5), 3)]
)

TERNARY_SPECIAL = [math.nan, math.inf, -math.inf, 0.0, -0.0, 1.0, 0.3, 0.5, 0.7, -2.5]


def _points_torch_itself_disagrees_on(name: str, columns: list, create_graph: bool) -> np.ndarray:
    """Points where torch's own kernels give two answers, or where chainrule keeps a difference
    recorded in tests/trust/test_op_table.py's KNOWN_FAILURES: left out of the comparison."""
    first = columns[0]
    skip = np.zeros(first.shape, dtype=bool)
    if name.startswith("logit") and not create_graph:
        # torch's scalar loop (small tensors, tails): inf * grad at ±0 and nan at nan with eps;
        # chainrule gives its vectorized kernel's (and create_graph formula's) value everywhere
        skip |= (first == 0) | np.isnan(first)
    if name.startswith("fmod") and len(columns) == 2:
        with np.errstate(all="ignore"):  # torch's vectorized fmod is nan where a / b overflows
            skip |= np.isinf(first / columns[1]) & np.isfinite(first)
    if name == "float_power" or name.startswith("float_power_number_base"):
        skip |= columns[-1] == 0  # KNOWN_FAILURES float_power_zero_exponent (pow's derivative)
    if name == "float_power_number_0.0":
        skip |= True
    return skip


def _close(ours: np.ndarray, theirs: np.ndarray, dtype, what: str, signed_zeros: bool) -> None:
    rtol, atol = (1e-10, 1e-15) if dtype == np.float64 else (2e-5, 1e-6)
    np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol, equal_nan=True, err_msg=what)
    if signed_zeros:
        zeros = (ours == 0) & (theirs == 0)
        assert (np.signbit(ours[zeros]) == np.signbit(theirs[zeros])).all(), f"{what}: the sign of a zero differs"


@pytest.mark.parametrize("create_graph", [False, True], ids=["backward", "create_graph"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name, call, arity", GRID_CASES, ids=[c[0] for c in GRID_CASES])
def test_every_combination_of_special_values_matches_torch(name, call, arity, dtype, create_graph):
    values = SPECIAL if arity < 3 else TERNARY_SPECIAL
    combos = list(itertools.product(values, repeat=arity))
    with np.errstate(over="ignore"):
        columns = [np.array([c[i] for c in combos]).astype(dtype) for i in range(arity)]
    keep = ~_points_torch_itself_disagrees_on(name, columns, create_graph)
    ours_in = [chainrule.tensor(c, requires_grad=True) for c in columns]
    theirs_in = [torch.tensor(c, requires_grad=True) for c in columns]
    ours, theirs = call(chainrule, *ours_in), call(torch, *theirs_in)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    _close(ours.detach().numpy()[keep], theirs.detach().numpy()[keep], dtype, f"{name} values", signed_zeros=True)
    weights = np.linspace(0.5, 1.5, len(combos)).astype(ours.dtype.name)
    our_grads = chainrule.autograd.grad(ours, ours_in, chainrule.tensor(weights), create_graph=create_graph,
                                        allow_unused=True)
    their_grads = torch.autograd.grad(theirs, theirs_in, torch.tensor(weights), create_graph=create_graph,
                                      allow_unused=True)
    for k, (g, tg) in enumerate(zip(our_grads, their_grads)):
        expected = np.zeros(len(combos)) if tg is None or tg._is_zerotensor() else tg.detach().numpy()
        actual = np.zeros(len(combos)) if g is None else g.detach().numpy()
        _close(actual[keep], expected[keep], dtype, f"{name} d/d(input {k})", signed_zeros=False)


# -- dtypes and errors: every mix of dtypes and numbers, decided by what torch does -----------------------------

OPERANDS = {
    "f32": lambda lib: lib.tensor([0.25, -0.5, 0.75], dtype=lib.float32),
    "f64": lambda lib: lib.tensor([0.5, 0.125, -0.25], dtype=lib.float64),
    "f16": lambda lib: lib.tensor([0.5, -0.25, 0.75], dtype=lib.float16),
    "i64": lambda lib: lib.tensor([1, 3, -2]),
    "i32": lambda lib: lib.tensor([2, 0, 1], dtype=lib.int32),
    "u8": lambda lib: lib.tensor([2, 5, 1], dtype=lib.uint8),
    "bool": lambda lib: lib.tensor([True, False, True]),
    "0d_f64": lambda lib: lib.tensor(0.375, dtype=lib.float64),
    "0d_i64": lambda lib: lib.tensor(3),
    "float": lambda lib: 2.5,
    "int": lambda lib: 2,
    "True": lambda lib: True,
}
TENSORS = [k for k in OPERANDS if k not in ("float", "int", "True")]


def _same_outcome(call) -> None:
    """``call(lib)`` raises the same error type in both (torch's first line in ours), or gives the
    same dtype and values."""
    try:
        theirs = call(torch)
    except Exception as error:  # noqa: BLE001 - the error is what is compared
        with pytest.raises(type(error)) as ours:
            call(chainrule)
        first_line = str(error).split(" (Triggered internally")[0].splitlines()[0]
        assert first_line in str(ours.value)
        return
    ours = call(chainrule)
    assert ours.dtype.name == str(theirs.dtype).removeprefix("torch.")
    rtol = 2e-3 if ours.dtype.name == "float16" else 1e-6
    np.testing.assert_allclose(ours.detach().numpy().astype(float), theirs.detach().numpy().astype(float),
                               rtol=rtol, atol=1e-6, equal_nan=True)


DTYPE_CASES = (
    [(f"{name}-{a}", lambda lib, _n=name, _a=a: getattr(lib, _n)(OPERANDS[_a](lib))) for name in UNARY for a in TENSORS]
    + [(f"logit_eps-{a}", lambda lib, _a=a: OPERANDS[_a](lib).logit(0.1)) for a in TENSORS]
    + [(f"{name}-{a}-{b}", lambda lib, _n=name, _a=a, _b=b: getattr(lib, _n)(OPERANDS[_a](lib), OPERANDS[_b](lib)))
       for name in BINARY for a in OPERANDS for b in OPERANDS if a in TENSORS or b in TENSORS]
    + [(f"method_{name}-{b}", lambda lib, _n=name, _b=b: getattr(OPERANDS["f32"](lib), _n)(OPERANDS[_b](lib)))
       for name in BINARY for b in ("float", "i64")]
    + [(f"{name}-{a}-{b}-{c}", lambda lib, _n=name, _a=a, _b=b, _c=c: getattr(lib, _n)(
        OPERANDS[_a](lib), OPERANDS[_b](lib), OPERANDS[_c](lib), value=0.5))
       for name in ("addcmul", "addcdiv") for a, b, c in itertools.product(("f32", "f64", "i64", "bool", "0d_f64"),
                                                                           ("f32", "i64", "i32", "0d_f64", "float"),
                                                                           ("f32", "i64", "f64"))]
    + [(f"addcmul_int_value-{v}", lambda lib, _v=v: lib.addcmul(OPERANDS["i64"](lib), OPERANDS["i64"](lib),
                                                                OPERANDS["i32"](lib), value=_v)) for v in (0.5, 2, -1.5)]
    + [(f"lerp-{a}-{b}-{w}", lambda lib, _a=a, _b=b, _w=w: lib.lerp(OPERANDS[_a](lib), OPERANDS[_b](lib),
                                                                    OPERANDS[_w](lib)))
       for a, b, w in itertools.product(("f32", "f64", "i64", "bool"), ("f32", "f64", "0d_f64", "i64", "float"),
                                        ("float", "int", "True", "f32", "f64", "0d_f64", "0d_i64"))]
    + [("addcmul_value_tensor", lambda lib: lib.addcmul(*(OPERANDS["f32"](lib),) * 3, value=OPERANDS["f32"](lib))),
       ("fmod_int_by_zero", lambda lib: lib.fmod(OPERANDS["i64"](lib), 0)),
       ("fmod_int_by_zero_float", lambda lib: lib.fmod(OPERANDS["i64"](lib), 0.0))]
)


@pytest.mark.parametrize("call", [c for _, c in DTYPE_CASES], ids=[i for i, _ in DTYPE_CASES])
def test_dtypes_and_errors_match_torch(call):
    _same_outcome(call)


# -- in-place forms -----------------------------------------------------------------------------------------------

# (id, call(lib, y, o)); y = x * 1.3 is a non-leaf in (0.4, 0.9), o a leaf in (0.3, 0.7)
INPLACE = (
    [(f"{name}_", lambda lib, y, o, _n=name: getattr(y, _n + "_")())
     for name in ("sinh", "cosh", "asin", "acos", "atan", "arcsin", "arccos", "arctan", "sinc", "deg2rad", "rad2deg",
                  "log2", "log10", "exp2", "erfinv", "logit", "sgn", "frac", "nan_to_num")]
    + [(f"{name}_", lambda lib, y, o, _n=name: getattr(y, _n + "_")(o))
       for name in ("atan2", "arctan2", "hypot", "float_power", "xlogy", "fmod")]
    + [("logit_eps", lambda lib, y, o: y.logit_(0.45)),
       ("float_power_number", lambda lib, y, o: y.float_power_(2.5)),
       ("xlogy_number", lambda lib, y, o: y.xlogy_(2.0)),
       ("fmod_number", lambda lib, y, o: y.fmod_(0.3)),
       ("nan_to_num_values", lambda lib, y, o: (y.log() - 1).log_().nan_to_num_(0.5, 2.0, -3.0)),
       ("addcmul_", lambda lib, y, o: y.addcmul_(o, o * 2, value=0.5)),
       ("addcdiv_", lambda lib, y, o: y.addcdiv_(o, y + 1, value=-2)),
       ("lerp_number", lambda lib, y, o: y.lerp_(o, 0.3)),
       ("lerp_number_above_half", lambda lib, y, o: y.lerp_(o, 0.75)),
       ("lerp_tensor", lambda lib, y, o: y.lerp_(o, o)),
       ("through_a_view", lambda lib, y, o: (y[:, 1:].atan2_(o[:, :2]).addcmul_(o[:, 1:], o[:, 1:]), y)[1])]
)


def _inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.3, 0.7, (2, 3)), rng.uniform(0.3, 0.7, (2, 3))


@pytest.mark.parametrize("call", [c for _, c in INPLACE], ids=[n for n, _ in INPLACE])
def test_inplace_forms_match_torch(call):
    assert_matches_torch(_after(call), *_inputs(), check_names=False)


@pytest.mark.parametrize("call", [c for _, c in INPLACE], ids=[n for n, _ in INPLACE])
def test_inplace_forms_return_self_count_versions_and_name_the_node_as_torch(call):
    x, o = _inputs(1)
    results = {}
    for lib in (chainrule, torch):
        y = lib.tensor(x, requires_grad=True) * 1.3
        out = call(lib, y, lib.tensor(o, requires_grad=True))
        results[lib.__name__] = (out._version, out.grad_fn.name().removeprefix("torch::autograd::"))
    assert results["chainrule"] == results["torch"]


@pytest.mark.parametrize("name", ["asinh_", "acosh_", "atanh_", "arcsinh_", "arccosh_", "arctanh_"])
def test_inplace_inverse_hyperbolic_functions_have_no_derivative_as_in_torch(name):
    x, o = _inputs(2)
    results = {}
    for lib in (chainrule, torch):
        leaf = lib.tensor(x, requires_grad=True)
        y = leaf * 1.3 + (1.0 if "cosh" in name else 0.0)
        out = getattr(y, name)()
        with pytest.raises(NotImplementedError) as error:
            out.sum().backward()
        results[lib.__name__] = (out.detach().numpy().copy(), out._version, out.grad_fn.name(), str(error.value))
    (values, version, node, message), (t_values, t_version, t_node, t_message) = results.values()
    np.testing.assert_allclose(values, t_values, rtol=1e-12)
    assert (version, node) == (t_version, t_node) and t_message.split(" (Triggered internally")[0] in message


@pytest.mark.parametrize("name", ["sinh_", "asin_", "erfinv_", "logit_", "sinc_", "frac_", "log2_", "exp2_"])
def test_inplace_forms_refuse_a_result_that_does_not_fit_an_integer_tensor(name):
    _same_outcome(lambda lib: getattr(lib.tensor([1, 2]), name)())


@pytest.mark.parametrize("call", [
    lambda lib: lib.tensor([1.0, 2.0]).float_power_(2),
    lambda lib: lib.tensor([1, 2]).float_power_(2),
    lambda lib: lib.tensor([1, 2]).xlogy_(2),
    lambda lib: lib.tensor([1, 2]).fmod_(2.5),
    lambda lib: lib.tensor([1.0]).lerp_(lib.tensor([1.0, 2.0]), 0.5),
    lambda lib: lib.tensor([1.0, 2.0], requires_grad=True).atan2_(lib.tensor([1.0, 2.0])),
    lambda lib: lib.tensor([1.0, 2.0], dtype=lib.float32).atan2_(lib.tensor([1.0, 2.0], dtype=lib.float64)),
    lambda lib: lib.tensor([True, False]).sgn_(),
    lambda lib: lib.tensor([1, 0, 2]).nan_to_num_(),
], ids=["float_power_float32", "float_power_int", "xlogy_int", "fmod_int_by_float", "lerp_broadcast_self",
        "leaf_requires_grad", "float64_into_float32", "sgn_bool", "nan_to_num_int"])
def test_inplace_dtype_and_shape_rules_match_torch(call):
    _same_outcome(call)


def test_no_grad_updates_keep_float32_and_count_versions():
    results = {}
    for lib in (chainrule, torch):
        p = lib.tensor([0.5, -1.0, 2.0])
        g = lib.tensor([0.1, 0.2, -0.3])
        with lib.no_grad():
            p.lerp_(g, 0.1).addcmul_(g, g, value=-0.5).addcdiv_(g, p.abs() + 1, value=0.25).hypot_(g)
        results[lib.__name__] = (p.dtype, p._version, p.numpy().copy())
    (dtype, version, values), (t_dtype, t_version, t_values) = results["chainrule"], results["torch"]
    assert dtype.name == str(t_dtype).removeprefix("torch.") and version == t_version
    np.testing.assert_allclose(values, t_values, rtol=1e-6)


def _adam_by_hand(lib, steps: int = 5):
    """Adam written with in-place element-wise ops, as hand-written optimizers are."""
    rng = np.random.default_rng(3)
    p = lib.tensor(rng.standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    target = lib.tensor(rng.standard_normal((3, 4)).astype(np.float32))
    m, v = lib.zeros_like(p), lib.zeros_like(p)
    lr, beta1, beta2, eps = 0.05, 0.9, 0.999, 1e-8
    for t in range(1, steps + 1):
        loss = ((p - target) ** 2 * lib.logaddexp(p, target)).sum()
        (g,) = lib.autograd.grad(loss, p)
        with lib.no_grad():
            m.lerp_(g, 1 - beta1)
            v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
            denominator = (v.sqrt() / math.sqrt(1 - beta2**t)).add_(eps)
            p.addcdiv_(m, denominator, value=-lr / (1 - beta1**t))
    return p.detach().numpy()


def test_an_adam_step_written_with_lerp_addcmul_addcdiv_matches_torch():
    ours, theirs = _adam_by_hand(chainrule), _adam_by_hand(torch)
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)
    p = torch.tensor(np.random.default_rng(3).standard_normal((3, 4)).astype(np.float32), requires_grad=True)
    target = torch.tensor(np.random.default_rng(3).standard_normal((6, 4)).astype(np.float32)[3:])
    optimizer = torch.optim.Adam([p], lr=0.05)
    for _ in range(5):
        optimizer.zero_grad()
        ((p - target) ** 2 * torch.logaddexp(p, target)).sum().backward()
        optimizer.step()
    np.testing.assert_allclose(ours, p.detach().numpy(), rtol=1e-5, atol=1e-6)


# -- the grad_fn of each form -------------------------------------------------------------------------------------

NAMED = [
    ("fmod_tensor", lambda lib, x: lib.fmod(x, x + 1)), ("fmod_number", lambda lib, x: lib.fmod(x, 0.3)),
    ("xlogy_tensor", lambda lib, x: lib.xlogy(x, x)), ("xlogy_number_input", lambda lib, x: lib.xlogy(2.0, x)),
    ("xlogy_number_other", lambda lib, x: lib.xlogy(x, 2.0)), ("lerp_number", lambda lib, x: lib.lerp(x, x * 2, 0.3)),
    ("lerp_tensor", lambda lib, x: lib.lerp(x, x * 2, x)), ("float_power_tensor", lambda lib, x: lib.float_power(x, x)),
    ("float_power_number", lambda lib, x: lib.float_power(x, 2)),
    ("float_power_number_base", lambda lib, x: lib.float_power(2, x)),
    ("float_power_float32", lambda lib, x: lib.float_power(x.float(), 2)),
    ("logit_eps", lambda lib, x: x.logit(1e-3)), ("arctan2", lambda lib, x: x.arctan2(x)),
    ("arcsinh", lambda lib, x: x.arcsinh()), ("addcdiv", lambda lib, x: x.addcdiv(x, x)),
    ("sgn", lambda lib, x: x.sgn()), ("nan_to_num", lambda lib, x: x.nan_to_num()),
]


@pytest.mark.parametrize("call", [c for _, c in NAMED], ids=[n for n, _ in NAMED])
def test_grad_fn_names_and_their_inputs_match_torch(call):
    names = {}
    for lib in (chainrule, torch):
        out = call(lib, lib.tensor([0.25, 0.5], dtype=lib.float64, requires_grad=True))
        fn = out.grad_fn
        names[lib.__name__] = (fn.name(), [type(f).__name__ if lib is torch else f.name()
                                           for f, _ in fn.next_functions if f is not None])
    assert names["chainrule"] == names["torch"]


def test_logit_with_eps_keeps_its_derivative_inside_and_none_outside():
    for lib in (chainrule, torch):
        x = lib.tensor([0.05, 0.5, 0.95], dtype=lib.float64, requires_grad=True)
        (g,) = lib.autograd.grad(lib.logit(x, eps=0.1).sum(), x, create_graph=True)
        (h,) = lib.autograd.grad(g.sum(), x)
        assert np.allclose(g.detach().numpy(), [0.0, 4.0, 0.0]) and np.allclose(h.numpy(), [0.0, 0.0, 0.0])
