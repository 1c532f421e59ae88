"""Check derivatives against finite differences: `gradcheck` and `gradgradcheck`, as in PyTorch.

A derivative is only as trustworthy as the last time someone compared it with the
definition. `gradcheck(fn, inputs)` does that comparison for every input element and
every output element: it builds the *analytical* Jacobian one backward pass per output
element, and the *numerical* one from central differences,

    d out[k] / d in[j]  ~  (fn(in + eps e_j)[k] - fn(in - eps e_j)[k]) / (2 eps),

and requires ``|analytical - numerical| <= atol + rtol * |numerical|`` everywhere.
`gradgradcheck` applies the same test to the function that computes the first
derivatives (built with ``create_graph=True``), which checks second derivatives.

Beyond PyTorch: when a check fails, the graph is rebuilt while each node remembers what
it was applied to, and every op is checked *on its own*, in the order the forward pass
created them. The error then names the first op whose own derivative disagrees with
finite differences of its own forward: its grad_fn name, its input shapes and the line
of user code that created it. That is how a wrong custom `Function.backward` is found.

Both engines are covered: tensors (`chainrule.Tensor`) and scalars (`chainrule.Value`).

Where a derivative does not exist, chainrule reports PyTorch's value, so a check *at*
such a point fails by design (finite differences average the two one-sided slopes):
``relu'(0) = 0``, ``abs'(0) = 0``, ``sign' = floor' = round' = 0``, ``sqrt'(0) = inf``,
``clamp`` passes the gradient on its bounds (``lo <= x <= hi``), ``maximum``/``minimum``
give half to each input at a tie, ``max()``/``amax()`` share it evenly among tied
elements, and ``max(dim=)`` gives all of it to the index it returns.

>>> import chainrule as torch
>>> from chainrule.autograd.gradcheck import gradcheck
>>> x = torch.randn(3, dtype=torch.float64, requires_grad=True)
>>> gradcheck(lambda t: (t * t).tanh(), (x,))
True
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from chainrule.testing.recording import NodeRecord, not_recording, recording_nodes, recording_value_sites

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError", "Culprit"]

# Jacobians with more entries than this are printed summarised in error messages.
_PRINT_THRESHOLD = 64
# A node whose Jacobian has more entries than this is re-checked with random projections.
_NODE_FULL_JACOBIAN_LIMIT = 4096


class GradcheckError(RuntimeError):
    """A derivative that disagrees with finite differences.

    Attributes: ``output_index`` and ``input_index`` (which Jacobian block failed),
    ``analytical`` and ``numerical`` (that block as float64 arrays of shape
    ``(output numel, input numel)``, or ``(1, 1)`` projections in fast mode) and
    ``culprit`` (a `Culprit` naming the first op whose own derivative is wrong, or None).
    """

    def __init__(self, message: str, *, output_index: int = -1, input_index: int = -1,
                 analytical: np.ndarray | None = None, numerical: np.ndarray | None = None,
                 culprit: "Culprit | None" = None) -> None:
        super().__init__(message)
        self.output_index = output_index
        self.input_index = input_index
        self.analytical = analytical
        self.numerical = numerical
        self.culprit = culprit


@dataclass
class Culprit:
    """The first op of a graph whose backward disagrees with finite differences of its forward."""

    name: str  # the grad_fn name: "MulBackward0", "MyFunctionBackward", or a Value op ("tanh")
    input_shapes: list | None  # shapes of the op's inputs; None for Value ops
    site: str  # "file.py:12 in f" of the user code that created it ("" when unknown)
    source_line: str  # that line's text
    mismatch: "_Mismatch"
    order: int = 1  # 2: the op's backward is right but does not differentiate correctly

    def __str__(self) -> str:
        shapes = "" if self.input_shapes is None else (
            " (inputs of shapes " + ", ".join(str(list(s)) for s in self.input_shapes) + ")")
        where = f"\n  created at {self.site}" + (f": {self.source_line}" if self.source_line else "") if self.site else ""
        return (
            f"{self.name}{shapes}{where}\n"
            f"  its own {'Jacobian' if self.order == 1 else 'second derivative (the Jacobian of its backward)'} "
            f"d output {self.mismatch.output_index} / d input {self.mismatch.input_index} "
            f"disagrees with finite differences:\n"
            + _indent(self.mismatch.describe_largest(), "  ")
        )


# ---------------------------------------------------------------------------------------
# public API


def gradcheck(
    func: Callable,
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_batched_forward_grad: bool = False,
    check_forward_ad: bool = False,
    check_backward_ad: bool = True,
    fast_mode: bool = False,
    masked: bool | None = None,
    locate_culprit: bool = True,
) -> bool:
    """Compare the derivatives of ``func`` at ``inputs`` with central finite differences.

    ``inputs`` is a Tensor or a tuple of arguments; the Tensors among them with
    ``requires_grad=True`` are differentiated (use float64 for them: a warning says so
    otherwise). For scalar functions, pass `chainrule.Value` s (or numbers, with at least
    one Value). Returns True, or raises `GradcheckError` (False when
    ``raise_exception=False``). ``fast_mode=True`` compares random projections
    ``v^T J u`` instead of whole Jacobians (one backward per output). When a check fails
    and ``locate_culprit`` is set, the error also names the first op whose own backward
    is wrong (see the module docstring).

    PyTorch's other switches are accepted: ``check_undefined_grad`` always holds here
    (chainrule hands backward zeros, never an undefined gradient), ``check_grad_dtypes``
    checks each gradient has its input's dtype, and the checks chainrule has no machinery
    for (forward-mode AD, batched gradients, masked/sparse) raise `NotImplementedError`.

    >>> import chainrule as torch
    >>> x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    >>> gradcheck(torch.sigmoid, x)
    True
    """
    _refuse_unsupported(check_batched_grad=check_batched_grad, check_batched_forward_grad=check_batched_forward_grad,
                        check_forward_ad=check_forward_ad, masked=bool(masked))
    if not check_backward_ad:
        raise ValueError("gradcheck: check_backward_ad=False leaves nothing to check (chainrule has no forward-mode "
                         "AD); leave it True")
    tolerances = _Tolerances(eps=eps, atol=atol, rtol=rtol, nondet_tol=nondet_tol)
    args = inputs if isinstance(inputs, (tuple, list)) else (inputs,)
    args = tuple(args)
    engine = _ScalarEngine() if _uses_values(args) else _TensorEngine(check_grad_dtypes)
    engine.validate(args)
    locate = (lambda: _find_culprit(engine, func, args, tolerances, order=1)) if locate_culprit else None
    return _verdict(engine, func, args, tolerances, fast_mode, raise_exception, locate)


def _verdict(engine, func, args, tol: "_Tolerances", fast_mode: bool, raise_exception: bool, locate) -> bool:
    """True, or the first mismatch raised as a `GradcheckError` (False without raise_exception)."""
    try:
        mismatch = _first_mismatch(engine, func, args, tol, fast_mode)
        if mismatch is not None:
            raise mismatch.to_error(locate() if locate is not None else None)
    except GradcheckError:
        if raise_exception:
            raise
        return False
    return True


def gradgradcheck(
    func: Callable,
    inputs: Any,
    grad_outputs: Any = None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    gen_non_contig_grad_outputs: bool = False,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    check_batched_grad: bool = False,
    check_fwd_over_rev: bool = False,
    check_rev_over_rev: bool = True,
    fast_mode: bool = False,
    masked: bool = False,
    locate_culprit: bool = True,
) -> bool:
    """Check second derivatives: `gradcheck` of the map ``inputs -> d<func(inputs), v>/d inputs``.

    ``v`` (``grad_outputs``) is random unless given, as in PyTorch; it is itself
    treated as an input, so the mixed derivatives are checked too.

    >>> import chainrule as torch
    >>> x = torch.tensor([0.3, 1.2], dtype=torch.float64, requires_grad=True)
    >>> gradgradcheck(torch.tanh, x)
    True
    """
    _refuse_unsupported(check_batched_grad=check_batched_grad, check_fwd_over_rev=check_fwd_over_rev,
                        masked=bool(masked))
    if not check_rev_over_rev:
        raise ValueError("gradgradcheck: check_rev_over_rev=False leaves nothing to check (chainrule has no "
                         "forward-mode AD); leave it True")
    args = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    engine = _ScalarEngine() if _uses_values(args) else _TensorEngine()
    engine.validate(args)
    first_derivative, all_inputs = engine.first_derivative_function(func, args, grad_outputs, gen_non_contig_grad_outputs)
    tolerances = _Tolerances(eps=eps, atol=atol, rtol=rtol, nondet_tol=nondet_tol)
    inner = _ScalarEngine() if isinstance(engine, _ScalarEngine) else _TensorEngine(check_grad_dtypes)
    locate = None
    if locate_culprit:
        # Second derivatives: first look for an op whose own backward differentiates wrongly;
        # failing that, an op of the first-derivative graph whose own derivative is wrong.
        def locate():
            return (_find_culprit(engine, func, args, tolerances, order=2)
                    or _find_culprit(inner, first_derivative, all_inputs, tolerances, order=1))
    return _verdict(inner, first_derivative, all_inputs, tolerances, fast_mode, raise_exception, locate)


def _refuse_unsupported(**switches: bool) -> None:
    wanted = [name for name, on in switches.items() if on]
    if wanted:
        raise NotImplementedError(
            f"gradcheck: {', '.join(name + '=True' for name in wanted)} needs forward-mode AD, batched gradients "
            "or sparse tensors, which chainrule does not have; leave it False"
        )


# ---------------------------------------------------------------------------------------
# comparing Jacobians


@dataclass(frozen=True)
class _Tolerances:
    eps: float
    atol: float
    rtol: float
    nondet_tol: float = 0.0


@dataclass
class _Mismatch:
    """One Jacobian block (output k, input j) whose analytical and numerical values differ."""

    output_index: int
    input_index: int
    analytical: np.ndarray  # (output numel, input numel)
    numerical: np.ndarray
    output_shape: tuple
    input_shape: tuple
    tolerances: _Tolerances
    kind: str = "Jacobian mismatch"
    note: str = ""

    def largest(self) -> tuple[int, int]:
        """Row and column where the difference exceeds its tolerance the most."""
        a, n = self.analytical, self.numerical
        with np.errstate(invalid="ignore"):
            excess = np.abs(a - n) - (self.tolerances.atol + self.tolerances.rtol * np.abs(n))
        excess = np.where(np.isnan(excess), np.inf, excess)  # NaN on one side only is the worst
        flat = int(np.argmax(excess)) if excess.size else 0
        return divmod(flat, max(a.shape[1], 1))

    def describe_largest(self) -> str:
        if self.analytical.size == 0:
            return "(empty Jacobian)"
        row, col = self.largest()
        a, n = self.analytical[row, col], self.numerical[row, col]
        t = self.tolerances
        out_at = _position(row, self.output_shape)
        in_at = _position(col, self.input_shape)
        return (
            f"largest difference: d output {self.output_index}{out_at} / d input {self.input_index}{in_at}: "
            f"analytical {a:.10g}, numerical {n:.10g}, |difference| {abs(a - n):.3g} > "
            f"atol + rtol * |numerical| = {t.atol:g} + {t.rtol:g} * {abs(n):.3g}"
        )

    def to_error(self, culprit: Culprit | None) -> GradcheckError:
        rows = "output elements" if self.analytical.shape[0] == _numel(self.output_shape) else "projections"
        message = (
            f"{self.kind} for output {self.output_index} with respect to input {self.input_index}"
            f"{' (' + self.note + ')' if self.note else ''},\n"
            f"(rows: {rows} of output {self.output_index} {list(self.output_shape)}, "
            f"columns: elements of input {self.input_index} {list(self.input_shape)})\n"
            f"numerical:\n{_format_matrix(self.numerical)}\n"
            f"analytical:\n{_format_matrix(self.analytical)}\n"
            f"{self.describe_largest()}"
        )
        if culprit is not None:
            which = "derivative" if culprit.order == 1 else "second derivative"
            message += f"\n\nThe first op whose own {which} disagrees with its forward:\n" + _indent(str(culprit), "  ")
        elif self.kind == "Jacobian mismatch":
            message += (
                "\n\nEvery recorded op's derivative agrees with its own forward, so the mismatch comes from "
                "computation the graph does not see (.data, .detach(), NumPy on .numpy()), an in-place change, "
                "a point where the function is not differentiable, or eps too large for its curvature."
            )
        return GradcheckError(message, output_index=self.output_index, input_index=self.input_index,
                              analytical=self.analytical, numerical=self.numerical, culprit=culprit)


def _first_mismatch(engine, func, args, tol: _Tolerances, fast_mode: bool) -> _Mismatch | None:
    problem = _fast_mismatch(engine, func, args, tol) if fast_mode else _slow_mismatch(engine, func, args, tol)
    if problem is not None and fast_mode:
        # Show the whole Jacobians when they are small enough to read.
        full = _slow_mismatch(engine, func, args, tol)
        return full if full is not None else problem
    return problem


def _slow_mismatch(engine, func, args, tol: _Tolerances) -> _Mismatch | None:
    outputs = engine.run(func, args)
    analytical = engine.analytical_jacobians(outputs, args)
    numerical = engine.numerical_jacobians(func, args, outputs, tol.eps)
    for k, out in enumerate(outputs.values):
        for j in engine.diff_positions(args):
            a, n = analytical[k][j], numerical[k][j]
            if not _close(a, n, tol):
                return _Mismatch(k, j, a, n, outputs.shapes[k], engine.shape(args[j]), tol)
    # Backward must give the same answer twice (PyTorch's reentrancy check).
    again = engine.analytical_jacobians(outputs, args)
    for k in range(len(outputs.values)):
        for j in engine.diff_positions(args):
            first, second = analytical[k][j], again[k][j]
            if first.size and np.nanmax(np.abs(first - second)) > tol.nondet_tol:
                return _Mismatch(k, j, first, second, outputs.shapes[k], engine.shape(args[j]), tol,
                                 kind="Backward is not reentrant",
                                 note=f"two backward passes differ by more than nondet_tol={tol.nondet_tol}")
    return None


def _fast_mismatch(engine, func, args, tol: _Tolerances) -> _Mismatch | None:
    """Compare ``v^T J u`` computed both ways, for random unit-free vectors u and v."""
    rng = np.random.default_rng(0)
    outputs = engine.run(func, args)
    vs = [rng.standard_normal(_numel(s)) for s in outputs.shapes]
    vjps = engine.vector_jacobian_products(outputs, args, vs)
    for j in engine.diff_positions(args):
        u = rng.standard_normal(_numel(engine.shape(args[j])))
        directional = engine.directional_derivatives(func, args, j, u, tol.eps)
        for k, v in enumerate(vs):
            analytical = np.array([[float(vjps[k][j] @ u)]])
            numerical = np.array([[float(v @ directional[k])]])
            # The tolerance scales with the vectors, as PyTorch's fast mode does.
            scaled = _Tolerances(tol.eps, tol.atol * max(np.abs(u).sum(), 1) * max(np.abs(v).sum(), 1), tol.rtol)
            if not _close(analytical, numerical, scaled):
                return _Mismatch(k, j, analytical, numerical, outputs.shapes[k], engine.shape(args[j]), scaled,
                                 note="fast mode: v^T J u for random u, v")
    return None


def _close(a: np.ndarray, n: np.ndarray, tol: _Tolerances) -> bool:
    return a.shape == n.shape and bool(np.allclose(a, n, rtol=tol.rtol, atol=tol.atol, equal_nan=False))


@dataclass
class _Outputs:
    values: list  # the differentiable outputs (Tensors or Values)
    shapes: list  # their shapes
    leaves: list | None = None  # the Value engine's fresh input leaves


# ---------------------------------------------------------------------------------------
# the tensor engine


class _TensorEngine:
    """Jacobians of functions of `chainrule.Tensor` s."""

    def __init__(self, check_grad_dtypes: bool = False) -> None:
        self.check_grad_dtypes = check_grad_dtypes

    @staticmethod
    def _tensor_class():
        from chainrule._tensor import Tensor

        return Tensor

    def validate(self, args: tuple) -> None:
        Tensor = self._tensor_class()
        positions = self.diff_positions(args)
        if not positions:
            raise ValueError(
                "gradcheck expects at least one input tensor to require gradient, but none of the them "
                "have requires_grad=True."
            )
        for i in positions:
            t = args[i]
            if t._data.dtype != np.float64:
                warnings.warn(
                    f"Input #{i} requires gradient and is not a double precision floating point or complex. "
                    "This check will likely fail if all the inputs are not of double precision floating point "
                    "or complex.",
                    UserWarning,
                    stacklevel=3,
                )
        if not any(isinstance(a, Tensor) for a in args):
            raise TypeError("gradcheck: inputs must contain at least one Tensor")

    def diff_positions(self, args: tuple) -> list[int]:
        Tensor = self._tensor_class()
        return [i for i, a in enumerate(args) if isinstance(a, Tensor) and a._requires_grad]

    @staticmethod
    def shape(t) -> tuple:
        return tuple(t._data.shape)

    def run(self, func, args) -> _Outputs:
        Tensor = self._tensor_class()
        result = func(*args)
        raw = result if isinstance(result, (tuple, list)) else (result,)
        values = [o for o in raw if isinstance(o, Tensor) and o._data.dtype.kind == "f"]
        if not values:
            raise GradcheckError(f"gradcheck: the function returned no floating-point Tensor (got {type(result).__name__})")
        return _Outputs(values, [tuple(o._data.shape) for o in values])

    def _outputs_as_arrays(self, func, args) -> list[np.ndarray]:
        return [np.asarray(o._data, dtype=np.float64).ravel() for o in self.run(func, args).values]

    def analytical_jacobians(self, outputs: _Outputs, args) -> list[dict]:
        """For each output k and differentiable input j: d out_k / d in_j, one backward per row."""
        positions = self.diff_positions(args)
        jacobians = []
        for out, shape in zip(outputs.values, outputs.shapes):
            n_out = _numel(shape)
            block = {j: np.zeros((n_out, _numel(self.shape(args[j])))) for j in positions}
            for row in range(n_out):
                seed = np.zeros(n_out)
                seed[row] = 1.0
                grads = self._vjp(out, args, positions, seed.reshape(shape))
                for j, g in zip(positions, grads):
                    block[j][row] = g
            jacobians.append(block)
        return jacobians

    def vector_jacobian_products(self, outputs: _Outputs, args, vs) -> list[dict]:
        positions = self.diff_positions(args)
        return [dict(zip(positions, self._vjp(out, args, positions, v.reshape(shape))))
                for out, shape, v in zip(outputs.values, outputs.shapes, vs)]

    def _vjp(self, out, args, positions, seed: np.ndarray) -> list[np.ndarray]:
        from chainrule.autograd.engine import grad

        Tensor = self._tensor_class()
        if not out._requires_grad:  # an output that does not depend on any input
            return [np.zeros(_numel(self.shape(args[j]))) for j in positions]
        grad_output = Tensor._wrap(seed.astype(out._data.dtype))
        grads = grad(out, [args[j] for j in positions], grad_outputs=grad_output, retain_graph=True,
                     allow_unused=True)
        if self.check_grad_dtypes:
            for j, g in zip(positions, grads):
                if g is not None and g._data.dtype != args[j]._data.dtype:
                    raise GradcheckError(f"Gradient has dtype mismatch: input {j} is {args[j]._data.dtype}, its "
                                         f"gradient {g._data.dtype}")
        return [np.zeros(_numel(self.shape(args[j]))) if g is None else np.asarray(g._data, dtype=np.float64).ravel()
                for j, g in zip(positions, grads)]

    def _with_input(self, args, j, array) -> tuple:
        """``args`` with input j replaced by a fresh tensor holding ``array`` (the user's stay untouched)."""
        Tensor = self._tensor_class()
        replaced = Tensor._wrap(array)
        replaced._requires_grad = args[j]._requires_grad
        return args[:j] + (replaced,) + args[j + 1:]

    def numerical_jacobians(self, func, args, outputs: _Outputs, eps: float) -> list[dict]:
        positions = self.diff_positions(args)
        jacobians = [{j: np.zeros((_numel(s), _numel(self.shape(args[j])))) for j in positions} for s in outputs.shapes]
        for j in positions:
            base = np.array(args[j]._data, copy=True, order="C")  # C order, so `flat` is a view of it
            flat = base.reshape(-1)
            for col in range(flat.size):
                original = flat[col]
                flat[col] = original + eps
                plus = self._outputs_as_arrays(func, self._with_input(args, j, base.copy()))
                flat[col] = original - eps
                minus = self._outputs_as_arrays(func, self._with_input(args, j, base.copy()))
                flat[col] = original
                for k, (p, m) in enumerate(zip(plus, minus)):
                    jacobians[k][j][:, col] = (p - m) / (2 * eps)
        return jacobians

    def directional_derivatives(self, func, args, j, u: np.ndarray, eps: float) -> list[np.ndarray]:
        base = np.asarray(args[j]._data)
        step = (eps * u).reshape(base.shape).astype(base.dtype)
        plus = self._outputs_as_arrays(func, self._with_input(args, j, base + step))
        minus = self._outputs_as_arrays(func, self._with_input(args, j, base - step))
        return [(p - m) / (2 * eps) for p, m in zip(plus, minus)]

    def first_derivative_function(self, func, args, grad_outputs, non_contiguous: bool):
        """``(x..., v...) -> grad(<func(x), v>, x, create_graph=True)`` and its inputs."""
        from chainrule.autograd.engine import grad

        Tensor = self._tensor_class()
        positions = self.diff_positions(args)
        outputs = self.run(func, args)
        if grad_outputs is None:
            rng = np.random.default_rng(0)
            vs = []
            for out in outputs.values:
                data = rng.standard_normal(out._data.shape).astype(out._data.dtype)
                if non_contiguous and data.ndim:
                    data = np.repeat(data[..., None], 2, axis=-1)[..., 0]  # a strided view
                v = Tensor._wrap(data)
                v._requires_grad = True
                vs.append(v)
        else:
            vs = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
        n_args = len(args)

        def first_derivatives(*all_inputs):
            xs, given_vs = all_inputs[:n_args], all_inputs[n_args:]
            outs = self.run(func, xs).values
            pairs = [(o, v) for o, v in zip(outs, given_vs) if o._requires_grad]
            if not pairs:
                return tuple(Tensor._wrap(np.zeros(xs[j]._data.shape)) for j in positions)
            grads = grad([o for o, _ in pairs], [xs[j] for j in positions], grad_outputs=[v for _, v in pairs],
                         create_graph=True, allow_unused=True)
            return tuple(g if g is not None else Tensor._wrap(np.zeros(xs[j]._data.shape)) for j, g in zip(positions, grads))

        return first_derivatives, tuple(args) + tuple(vs)


# ---------------------------------------------------------------------------------------
# the scalar engine


def _uses_values(args: tuple) -> bool:
    from chainrule.scalar.value import Value

    return any(isinstance(a, Value) for a in args)


class _ScalarEngine:
    """Jacobians of functions of `chainrule.Value` s (every input is differentiated)."""

    def validate(self, args: tuple) -> None:
        from chainrule.scalar.value import Value

        for i, a in enumerate(args):
            if not isinstance(a, (Value, int, float)) or isinstance(a, bool):
                raise TypeError(f"gradcheck: input {i} must be a Value or a number, got {type(a).__name__}")

    def diff_positions(self, args: tuple) -> list[int]:
        return list(range(len(args)))

    @staticmethod
    def shape(_value) -> tuple:
        return ()

    @staticmethod
    def _leaves(points: Sequence[float]) -> list:
        from chainrule.scalar.value import Value

        return [Value(p) for p in points]

    @staticmethod
    def _points(args) -> list[float]:
        from chainrule.scalar.value import Value

        return [a.data if isinstance(a, Value) else float(a) for a in args]

    def run(self, func, args) -> _Outputs:
        from chainrule.scalar.value import Value

        leaves = self._leaves(self._points(args))
        result = func(*leaves)
        raw = result if isinstance(result, (tuple, list)) else (result,)
        values = [o if isinstance(o, Value) else Value(float(o)) for o in raw]
        return _Outputs(values, [() for _ in values], leaves)

    def analytical_jacobians(self, outputs: _Outputs, args) -> list[dict]:
        from chainrule.scalar.higher_order import grad

        jacobians = []
        for out in outputs.values:
            grads = grad(out, outputs.leaves, allow_unused=True)
            jacobians.append({j: np.array([[g.data if g is not None else 0.0]]) for j, g in enumerate(grads)})
        return jacobians

    def vector_jacobian_products(self, outputs: _Outputs, args, vs) -> list[dict]:
        blocks = self.analytical_jacobians(outputs, args)
        return [{j: block[j][0] * v[0] for j in block} for block, v in zip(blocks, vs)]

    def _outputs_at(self, func, points) -> list[float]:
        return [o.data for o in self.run(func, points).values]

    def numerical_jacobians(self, func, args, outputs: _Outputs, eps: float) -> list[dict]:
        points = self._points(args)
        jacobians: list[dict] = [{} for _ in outputs.values]
        for j in range(len(points)):
            for k, d in enumerate(self.directional_derivatives(func, points, j, np.ones(1), eps)):
                jacobians[k][j] = d.reshape(1, 1)
        return jacobians

    def directional_derivatives(self, func, args, j, u: np.ndarray, eps: float) -> list[np.ndarray]:
        points = self._points(args)
        up, down = list(points), list(points)
        up[j] += eps * float(u[0])
        down[j] -= eps * float(u[0])
        plus, minus = self._outputs_at(func, up), self._outputs_at(func, down)
        return [np.array([(p - m) / (2 * eps)]) for p, m in zip(plus, minus)]

    def first_derivative_function(self, func, args, grad_outputs, non_contiguous: bool):
        from chainrule.scalar.higher_order import grad
        from chainrule.scalar.value import Value

        n_args = len(args)
        n_outputs = len(self.run(func, args).values)
        if grad_outputs is None:
            weights = list(np.random.default_rng(0).standard_normal(n_outputs))
        else:
            weights = list(grad_outputs) if isinstance(grad_outputs, (tuple, list)) else [grad_outputs]
        weights = [w if isinstance(w, Value) else Value(float(w)) for w in weights]

        def first_derivatives(*all_inputs):
            xs, ws = all_inputs[:n_args], all_inputs[n_args:]
            result = func(*xs)
            outs = result if isinstance(result, (tuple, list)) else (result,)
            total = sum((w * o for w, o in zip(ws, outs)), Value(0.0))
            return grad(total, list(xs), create_graph=True, materialize_grads=True)

        return first_derivatives, tuple(args) + tuple(weights)


# ---------------------------------------------------------------------------------------
# finding the culprit: re-check every op of the graph on its own


def _find_culprit(engine, func, args, tol: _Tolerances, order: int) -> Culprit | None:
    """The first op (in creation order) whose own derivative of ``order`` 1 or 2 is wrong."""
    if isinstance(engine, _ScalarEngine):
        return _find_scalar_culprit(engine, func, args, tol) if order == 1 else None
    try:
        with recording_nodes() as recorder:
            outputs = engine.run(func, args)
    except Exception:  # the function failed to run again: nothing to locate
        return None
    reachable = _reachable_nodes([o.grad_fn for o in outputs.values if o.grad_fn is not None])
    for record in recorder.records:
        if record.node in reachable:
            mismatch = _check_node_alone(record, tol, order)
            if mismatch is not None:
                return Culprit(record.node.name(), [tuple(a.shape) for a in _tensors(record.args)], record.site,
                               record.source_line, mismatch, order)
    return None


def _reachable_nodes(roots: list) -> set:
    seen: set = set()
    stack = list(roots)
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        stack.extend(fn for fn, _ in node.next_functions if fn is not None)
    return seen


def _tensors(args: tuple) -> list:
    from chainrule._tensor import Tensor

    return [a for a in args if isinstance(a, Tensor)]


def _check_node_alone(record: NodeRecord, tol: _Tolerances, order: int) -> _Mismatch | None:
    """Gradcheck (order 1) or gradgradcheck (order 2) one op at the inputs it saw, in float64,
    its other arguments held fixed."""
    from chainrule._tensor import Tensor

    args = list(record.args)
    for i, a in enumerate(args):
        if isinstance(a, Tensor) and a._requires_grad and a._data.dtype.kind == "f":
            leaf = Tensor._wrap(a._data.astype(np.float64))
            leaf._requires_grad = True
            args[i] = leaf

    def op_alone(*xs):
        return record.apply(*xs, **record.kwargs)

    engine = _TensorEngine()
    positions = engine.diff_positions(tuple(args))
    if not positions:
        return None
    try:
        with not_recording():
            function, inputs = op_alone, tuple(args)
            outputs = engine.run(function, inputs)
            if any(o._data.dtype != np.float64 for o in outputs.values):
                return None  # a cast to lower precision: finite differences would be too coarse to judge
            if order == 2:
                function, inputs = engine.first_derivative_function(op_alone, inputs, None, False)
                outputs = engine.run(function, inputs)
                positions = engine.diff_positions(inputs)
            size = sum(_numel(s) for s in outputs.shapes) * sum(_numel(engine.shape(inputs[j])) for j in positions)
            check = _fast_mismatch if size > _NODE_FULL_JACOBIAN_LIMIT else _slow_mismatch
            return check(engine, function, inputs, tol)
    except Exception:  # an op that cannot be re-run on its own (e.g. float64 refused): skip it
        return None


def _find_scalar_culprit(engine: _ScalarEngine, func, args, tol: _Tolerances) -> Culprit | None:
    """Check each Value node's stored local derivatives against its op re-run on nudged operands."""
    from chainrule.graph import topological_order

    with recording_value_sites() as recorder:
        outputs = engine.run(func, args)
    seen: set = set()
    for out in outputs.values:
        for node in topological_order(out):
            if not node._prev or id(node) in seen:
                continue
            seen.add(id(node))
            rerun = _value_op(node)
            if rerun is None or node._local is None:
                continue
            points = [p.data for p in node._prev]
            for j, local in enumerate(node._local):
                numeric = _scalar_directional(rerun, points, j, tol.eps)
                a, n = np.array([[float(local)]]), np.array([[numeric]])
                if not _close(a, n, tol):
                    mismatch = _Mismatch(0, j, a, n, (), (), tol)
                    _, site, line = recorder.value_sites.get(id(node), (None, "", ""))
                    return Culprit(f"{node._op!r} (Value op, operands {points})", None, site, line, mismatch)
    return None


def _scalar_directional(rerun: Callable, points: list, j: int, eps: float) -> float:
    up, down = list(points), list(points)
    up[j] += eps
    down[j] -= eps
    try:
        return (rerun(*up) - rerun(*down)) / (2 * eps)
    except (ValueError, ZeroDivisionError, OverflowError):
        return math.nan


def _value_op(node) -> Callable | None:
    """The op that made ``node``, as a function of its operands' floats (None if unknown)."""
    from chainrule.scalar.value import Value

    op = node._op
    if op.startswith("**") and op != "**":
        k = node._exponent
        return lambda a: (Value(a) ** k).data
    binary = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
              "/": lambda a, b: a / b, "**": lambda a, b: a ** b}
    if op in binary:
        rule = binary[op]
        return lambda a, b: rule(Value(a), Value(b)).data
    method = {"neg": "__neg__", "ReLU": "relu"}.get(op, op)
    if hasattr(Value, method) and len(node._prev) == 1:
        return lambda a: getattr(Value(a), method)().data
    return None


# ---------------------------------------------------------------------------------------
# formatting


def _numel(shape: tuple) -> int:
    n = 1
    for s in shape:
        n *= s
    return n


def _position(flat_index: int, shape: tuple) -> str:
    if not shape:
        return ""
    return str([int(i) for i in np.unravel_index(flat_index, shape)])


def _format_matrix(m: np.ndarray) -> str:
    with np.printoptions(precision=6, threshold=_PRINT_THRESHOLD, edgeitems=3, linewidth=100, suppress=False):
        return np.array2string(m)


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())

