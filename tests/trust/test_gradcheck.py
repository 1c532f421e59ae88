"""gradcheck and gradgradcheck: they pass on right derivatives, and name the wrong op otherwise."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import chainrule as torch
from chainrule import Value
from chainrule.autograd import Function
from chainrule.autograd.gradcheck import Culprit, GradcheckError, gradcheck, gradgradcheck


def leaf(*shape, seed=0, low=-1.0, high=1.0):
    data = np.random.default_rng(seed).uniform(low, high, size=shape)
    return torch.tensor(data, dtype=torch.float64, requires_grad=True)


def cube_function(name: str, slope_factor: float) -> type:
    """A custom Function for x ** 3 whose backward uses ``slope_factor * x**2`` (3 is right)."""

    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * slope_factor * x ** 2

    Cube.__name__ = Cube.__qualname__ = name
    return Cube


WrongCube = cube_function("WrongCube", 2.0)  # forgot that d(x^3)/dx = 3x^2: the bug to find
RightCube = cube_function("RightCube", 3.0)


class DetachedSquare(Function):
    """Right first derivative, but written on detached data, so its second derivative is lost."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * 2 * x.detach()


# -- passing checks -------------------------------------------------------------------------


@pytest.mark.parametrize("fast_mode", [False, True])
def test_passes_on_a_correct_composite_with_broadcasting(fast_mode):
    a, b = leaf(2, 3), leaf(3, seed=1)
    assert gradcheck(lambda x, y: (x * y + x.exp()).tanh().sum(0), (a, b), fast_mode=fast_mode) is True


def test_passes_on_a_right_custom_function_and_several_outputs():
    x = leaf(4)
    assert gradcheck(lambda t: (RightCube.apply(t), t.sin()), (x,))


def test_non_contiguous_and_zero_dim_and_empty_inputs():
    x = leaf(3, 4).detach().numpy().T  # a transposed (Fortran-ordered) view
    t = torch.tensor(x, requires_grad=True)
    t._data = x  # keep the strided array itself
    assert not t._data.flags.c_contiguous
    assert gradcheck(lambda u: (u * u).sum(1), (t,))
    assert gradcheck(lambda u: u.sigmoid(), (leaf(),))
    assert gradcheck(lambda u: u * 2, (leaf(0, 3),))


def test_non_tensor_arguments_are_held_fixed():
    x = leaf(3)
    assert gradcheck(lambda t, k, w: t ** k * w, (x, 3, torch.ones(3, dtype=torch.float64)))


def test_user_inputs_are_not_modified():
    x = leaf(3)
    before = x.detach().numpy().copy()
    version = x._version
    gradcheck(lambda t: t.exp(), (x,))
    np.testing.assert_array_equal(x.detach().numpy(), before)
    assert x._version == version and x.grad is None


def test_gradgradcheck_passes_on_tanh_and_a_product():
    assert gradgradcheck(lambda x, y: (x * y).tanh(), (leaf(3), leaf(3, seed=2)))


# -- failing checks and the culprit -----------------------------------------------------------


def _build_with_wrong_cube(a, b):
    c = a * b
    d = WrongCube.apply(c)  # the line the culprit must point at
    return d.sin()


def test_wrong_custom_backward_is_named_with_its_line_and_shapes():
    with pytest.raises(GradcheckError) as info:
        gradcheck(_build_with_wrong_cube, (leaf(3), leaf(3, seed=1)))
    error = info.value
    culprit = error.culprit
    assert isinstance(culprit, Culprit)
    assert culprit.name == "WrongCubeBackward"
    assert culprit.input_shapes == [(3,)]
    assert culprit.site.startswith(__file__ + ":") and "_build_with_wrong_cube" in culprit.site
    assert culprit.source_line == "d = WrongCube.apply(c)  # the line the culprit must point at"
    message = str(error)
    assert "Jacobian mismatch for output 0 with respect to input 0" in message
    assert "numerical:" in message and "analytical:" in message
    assert "largest difference" in message and "WrongCubeBackward" in message
    # The Jacobian blocks are there to inspect, output rows by input columns.
    assert error.analytical.shape == error.numerical.shape == (3, 3)
    np.testing.assert_allclose(
        np.diag(error.analytical) / np.diag(error.numerical), 2 / 3, rtol=1e-4)


def test_culprit_names_the_first_wrong_op_of_several():
    def two_wrong(x):
        y = x.tanh()
        z = WrongCube.apply(y)  # first
        return WrongCube.apply(z * 2)  # second

    with pytest.raises(GradcheckError) as info:
        gradcheck(two_wrong, (leaf(2),))
    assert "z = WrongCube.apply(y)" in info.value.culprit.source_line


def test_wrong_op_subclass_is_named_too():
    from chainrule.autograd.node import Op

    class Square(Op):
        def forward(self, x):
            self.save_for_backward(x)
            return x._data ** 2

        def backward(self, grad):
            (x,) = self.saved_tensors
            return grad * x  # should be 2x

    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: Square.apply(t.exp()), (leaf(3),))
    assert info.value.culprit.name == "SquareBackward0"


def test_a_break_the_graph_cannot_see_gets_no_culprit_and_a_hint():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: t * t.detach(), (leaf(3),))
    assert info.value.culprit is None
    assert ".detach()" in str(info.value)


def test_raise_exception_false_returns_false():
    assert gradcheck(_build_with_wrong_cube, (leaf(2), leaf(2, seed=3)), raise_exception=False) is False


def test_fast_mode_fails_too_and_shows_full_jacobians():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: WrongCube.apply(t), (leaf(3),), fast_mode=True)
    assert info.value.analytical.shape == (3, 3)


def _uses_detached_square(t):
    u = t.sin()
    return DetachedSquare.apply(u) * 2  # the op whose backward cannot be differentiated


def test_gradgradcheck_names_the_op_whose_backward_is_not_differentiable():
    assert gradcheck(_uses_detached_square, (leaf(3),))
    with pytest.raises(GradcheckError) as info:
        gradgradcheck(_uses_detached_square, (leaf(3),))
    culprit = info.value.culprit
    assert culprit.name == "DetachedSquareBackward" and culprit.order == 2
    assert "the op whose backward cannot be differentiated" in culprit.source_line
    assert "own second derivative" in str(info.value)


def test_nondeterministic_backward_fails_the_reentrancy_check():
    rng = np.random.default_rng(0)

    class Noisy(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            return grad * (2 + float(rng.uniform(-1e-9, 1e-9)))

    with pytest.raises(GradcheckError, match="not reentrant"):
        gradcheck(lambda t: Noisy.apply(t), (leaf(3),))
    assert gradcheck(lambda t: Noisy.apply(t), (leaf(3),), nondet_tol=1e-6)


# -- argument checking ---------------------------------------------------------------------


def test_float32_inputs_warn_as_pytorch_does():
    x = torch.tensor([0.5, 1.5], requires_grad=True)
    with pytest.warns(UserWarning, match="Input #0 requires gradient and is not a double precision"):
        gradcheck(lambda t: t * 2, (x,), atol=1e-2, rtol=1e-2, eps=1e-3)


def test_no_input_requiring_grad_is_an_error():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda t: t * 2, (torch.ones(2, dtype=torch.float64),))


def test_pytorch_switches_are_accepted_or_refused_clearly():
    x = leaf(2)
    assert gradcheck(lambda t: t * 2, (x,), check_undefined_grad=True, check_grad_dtypes=True, masked=None)
    with pytest.raises(NotImplementedError, match="check_forward_ad=True"):
        gradcheck(lambda t: t * 2, (x,), check_forward_ad=True)
    with pytest.raises(NotImplementedError, match="check_batched_grad=True"):
        gradgradcheck(lambda t: t * t, (x,), check_batched_grad=True)
    with pytest.raises(ValueError, match="nothing to check"):
        gradcheck(lambda t: t * 2, (x,), check_backward_ad=False)


def test_float64_inputs_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda t: t.cos(), (leaf(2),))


def test_gradcheck_is_exported_from_chainrule_autograd():
    import chainrule.autograd as autograd

    assert autograd.gradcheck(lambda t: t * 3, (leaf(2),)) is True
    assert autograd.gradgradcheck(lambda t: t * t, (leaf(2),)) is True


# -- scalar Values ----------------------------------------------------------------------------


def test_value_functions_pass():
    f = lambda a, b: (a * b).tanh() + a.exp() / (b ** 2) - a.relu()  # noqa: E731
    assert gradcheck(f, (Value(0.3), 1.2))
    assert gradgradcheck(f, (Value(0.3), Value(1.2)))


def test_value_function_with_several_outputs():
    assert gradcheck(lambda a, b: (a * b, a.sin(), b.sqrt()), (Value(0.7), Value(2.0)))


def test_value_node_with_a_wrong_local_derivative_is_named():
    def sabotaged(a):
        out = (a * 2).tanh()  # the Value op to blame
        out._local = (0.5,)  # as if tanh's rule were wrong
        return out + a

    with pytest.raises(GradcheckError) as info:
        gradcheck(sabotaged, (Value(0.4),))
    culprit = info.value.culprit
    assert "'tanh'" in culprit.name
    assert culprit.site.startswith(__file__) and culprit.source_line.endswith("# the Value op to blame")
    from chainrule.scalar import value

    assert not hasattr(value._node, "__wrapped__")  # unwrapped after the search


# -- against PyTorch's own gradcheck ------------------------------------------------------------


@pytest.mark.parametrize("case", ["tanh_product", "wrong_cube", "detach"])
def test_verdicts_agree_with_torch(case):
    torch_ = pytest.importorskip("torch")
    data = np.random.default_rng(5).uniform(0.2, 1.0, size=3)

    class TorchWrongCube(torch_.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x ** 3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 2 * x ** 2

    ours = {"tanh_product": lambda t: (t * t).tanh(), "wrong_cube": WrongCube.apply, "detach": lambda t: t * t.detach()}
    theirs = {"tanh_product": lambda t: (t * t).tanh(), "wrong_cube": TorchWrongCube.apply,
              "detach": lambda t: t * t.detach()}
    x = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    y = torch_.tensor(data, dtype=torch_.float64, requires_grad=True)
    verdict = gradcheck(ours[case], (x,), raise_exception=False)
    expected = torch_.autograd.gradcheck(theirs[case], (y,), raise_exception=False)
    assert verdict == expected


def test_value_gradcheck_agrees_with_the_scalar_engines_numerical_grad():
    from chainrule.scalar import numerical_grad

    f = lambda a, b: (a * b).sigmoid() * a.cos() + b ** 3  # noqa: E731
    report = numerical_grad(f, [0.7, -0.4])
    assert report.ok(rtol=1e-3, atol=1e-5) and gradcheck(f, (Value(0.7), Value(-0.4)))
    leaves = [Value(0.7), Value(-0.4)]
    f(*leaves).backward()
    assert [c.analytic for c in report] == [v.grad for v in leaves]


def test_culprit_inside_a_model_points_at_the_user_line_and_checks_parameters():
    from chainrule import nn

    class Wrong(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(3, 2).double()

        def forward(self, x):
            return WrongCube.apply(self.linear(x).tanh())

    model = Wrong()

    def loss_of(x):
        return model(x).sum()  # the model call: the user's line

    with pytest.raises(GradcheckError) as info:
        gradcheck(loss_of, (leaf(4, 3),))
    culprit = info.value.culprit
    assert culprit.name == "WrongCubeBackward" and culprit.input_shapes == [(4, 2)]
    assert "return WrongCube.apply(self.linear(x).tanh())" in culprit.source_line
    # the same model with a right op passes, its parameters (float64) included in the graph
    model.forward = lambda x: RightCube.apply(model.linear(x).tanh())
    assert gradcheck(loss_of, (leaf(4, 3),))


# -- gradcheck catches a skewed derivative of any op ---------------------------------------------


def _skewed(spec, factor: float) -> type:
    """A custom Function computing ``spec``'s op, whose backward is the op's own times ``factor``."""

    class Skewed(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return spec.call(torch, x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            with torch.enable_grad():
                x = x.detach().requires_grad_(True)
                (g,) = torch.autograd.grad(spec.call(torch, x), x, grad)
            return g * factor

    return Skewed


def _smooth_unary_specs():
    from chainrule.testing.op_table import available_ops

    return [s for s in available_ops() if s.elementwise and s.arity == 1 and s.differentiable
            and s.second_derivative]


@pytest.mark.parametrize("spec", _smooth_unary_specs(), ids=str)
def test_gradcheck_catches_a_one_percent_error_in_any_ops_derivative(spec):
    from chainrule.testing.op_table import sample_inputs

    x = torch.tensor(sample_inputs(spec, ((4,),))[0], requires_grad=True)
    assert gradcheck(lambda t: _skewed(spec, 1.0).apply(t), (x,), eps=spec.eps)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: _skewed(spec, 1.01).apply(t), (x,), eps=spec.eps)
    assert info.value.culprit.name == "SkewedBackward"


def test_the_culprit_search_records_multi_output_ops_and_unwraps_after():
    from chainrule.testing.recording import recording_nodes
    from chainrule.autograd.node import Op

    x = leaf(4)
    with recording_nodes() as recorder:
        a, b = x.split(2)
        WrongCube.apply(a * 1.0)
    names = [r.node.name() for r in recorder.records]
    assert "SplitBackward0" in names and "WrongCubeBackward" in names
    assert not hasattr(Op.__dict__["apply"], "__wrapped_classmethod__")


def test_a_wrong_built_in_op_is_named_too(monkeypatch):
    from chainrule.ops.pointwise import Exp

    monkeypatch.setattr(Exp, "backward", lambda self, grad: grad * self.output() * 1.5)
    x = leaf(2, 3)
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda t: (t.sin().exp() * 2).sum(1), (x,))  # exp is wrong here
    culprit = info.value.culprit
    assert culprit.name == "ExpBackward0" and culprit.input_shapes == [(2, 3)]
    assert culprit.source_line.endswith("# exp is wrong here")
