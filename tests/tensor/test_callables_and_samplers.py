"""torch.dropout, torch.poisson, Tensor.apply_ and Tensor.map_, compared with PyTorch."""

from __future__ import annotations

import pytest

import chainrule


def _both():
    torch = pytest.importorskip("torch")
    return (chainrule, torch)


def _error(call) -> tuple[str, str]:
    try:
        call()
    except Exception as error:  # noqa: BLE001 - the type is what is compared
        return type(error).__name__, str(error)
    return "no error", ""


def test_apply_and_map_match_torch():
    for lib in _both():
        t = lib.arange(4.0).reshape(2, 2).t()  # non-contiguous: values go back in place
        t.apply_(lambda v: v * 10 + 1)
        ints = lib.arange(3)
        ints.apply_(lambda v: v + 1 if isinstance(v, int) else -1)  # Python ints come in
        a = lib.tensor([1.0, 2.0])
        a.map_(lib.tensor(3.0), lambda p, q: p * q)  # the other tensor broadcasts
        assert t.tolist() == [[1.0, 21.0], [11.0, 31.0]] and ints.tolist() == [1, 2, 3] and a.tolist() == [3.0, 6.0]


@pytest.mark.parametrize("case", ["apply_requires_grad", "map_requires_grad", "map_shape", "map_dtype"])
def test_apply_and_map_refuse_as_torch_does(case):
    errors = []
    for lib in _both():
        x = lib.ones(3, requires_grad=True)
        calls = {
            "apply_requires_grad": lambda: (x * 2).apply_(lambda v: v),
            "map_requires_grad": lambda: x.map_(lib.ones(3), lambda a, b: a),
            "map_shape": lambda: lib.ones(3).map_(lib.ones(2), lambda a, b: a),
            "map_dtype": lambda: lib.ones(3).map_(lib.ones(3, dtype=lib.float64), lambda a, b: a),
        }
        errors.append(_error(calls[case]))
    assert errors[0] == errors[1] and errors[0][0] != "no error"


def test_dropout_function_is_nn_functional_dropout():
    for lib in _both():
        x = lib.ones(1000, requires_grad=True)
        assert lib.dropout(x, 0.5, False) is x
        y = lib.dropout(x, 0.25, True)
        kept = y.detach() != 0
        assert y.grad_fn.name() == "MulBackward0"
        assert 650 < int(kept.sum()) < 850
        assert (y.detach()[kept] == lib.tensor(1 / 0.75)).all()  # kept values scaled by 1/(1-p), in float32
    errors = [_error(lambda lib=lib: lib.dropout(lib.ones(2), 1.5, True)) for lib in _both()]
    assert errors[0] == errors[1] == ("RuntimeError", "dropout probability has to be between 0 and 1, but got 1.5")


def test_poisson_samples_have_a_zero_derivative_as_in_torch():
    chainrule.manual_seed(0)
    rates = chainrule.tensor([0.5, 4.0, 30.0], requires_grad=True)
    samples = chainrule.poisson(rates.expand(20000, 3))
    assert samples.grad_fn.name() == "PoissonBackward0" and samples.dtype == chainrule.float32
    means = samples.detach().mean(0).tolist()
    assert all(abs(m - r) < 0.05 * r + 0.05 for m, r in zip(means, [0.5, 4.0, 30.0]))
    samples.sum().backward()
    assert rates.grad.tolist() == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("case", ["integer_rates", "negative_rate"])
def test_poisson_refuses_as_torch_does(case):
    errors = []
    for lib in _both():
        rates = lib.tensor([1, 2]) if case == "integer_rates" else lib.tensor([-1.0])
        errors.append(_error(lambda: lib.poisson(rates)))
    assert errors[0] == errors[1] and errors[0][0] != "no error"
