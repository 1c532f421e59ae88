"""nn.init: PyTorch's gains, bounds and standard deviations, drawn from chainrule's seeded generator."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule
from chainrule.nn import init

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("args", [("linear",), ("relu",), ("tanh",), ("sigmoid",), ("leaky_relu",),
                                  ("leaky_relu", 0.2), ("selu",), ("conv2d",)])
def test_calculate_gain_matches_torch(args):
    assert init.calculate_gain(*args) == pytest.approx(torch.nn.init.calculate_gain(*args))


@pytest.mark.parametrize("shape", [(30, 20), (8, 3, 5, 5)])
def test_fans_match_torch(shape):
    assert init._calculate_fan_in_and_fan_out(chainrule.zeros(*shape)) == \
        torch.nn.init._calculate_fan_in_and_fan_out(torch.zeros(*shape))


def _sample(fn, shape=(400, 300), **kwargs):
    t = chainrule.zeros(*shape, dtype=chainrule.float64)
    fn(t, **kwargs)
    return t.numpy()


def test_uniform_families_stay_within_torchs_bounds():
    fan_in, fan_out = 300, 400
    cases = [
        (init.xavier_uniform_, {}, math.sqrt(6 / (fan_in + fan_out))),
        (init.kaiming_uniform_, {"a": math.sqrt(5)}, 1 / math.sqrt(fan_in)),
        (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(6 / fan_in)),
        (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(6 / fan_out)),
        (init.uniform_, {"a": -0.3, "b": 0.3}, 0.3),
    ]
    for fn, kwargs, bound in cases:
        values = _sample(fn, **kwargs)
        assert np.abs(values).max() <= bound and np.abs(values).max() > 0.99 * bound
        assert abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound


def test_normal_families_have_torchs_standard_deviations():
    fan_in, fan_out = 300, 400
    for fn, kwargs, std in [(init.xavier_normal_, {"gain": 2.0}, 2 * math.sqrt(2 / (fan_in + fan_out))),
                            (init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / fan_in)),
                            (init.normal_, {"mean": 0.0, "std": 0.02}, 0.02)]:
        assert abs(_sample(fn, **kwargs).std() / std - 1) < 0.01
    values = _sample(init.trunc_normal_, std=1.0, a=-0.5, b=0.5)
    assert values.min() >= -0.5 and values.max() <= 0.5


def test_constant_zeros_ones_eye_and_seeding():
    assert _sample(init.constant_, (2, 2), val=0.5).tolist() == [[0.5, 0.5], [0.5, 0.5]]
    assert _sample(init.ones_, (2,)).tolist() == [1.0, 1.0] and _sample(init.zeros_, (1,)).tolist() == [0.0]
    assert _sample(init.eye_, (2, 3)).tolist() == [[1, 0, 0], [0, 1, 0]]
    chainrule.manual_seed(7)
    a = _sample(init.xavier_uniform_)
    chainrule.manual_seed(7)
    assert np.array_equal(a, _sample(init.xavier_uniform_))
    generator = chainrule.Generator().manual_seed(7)
    assert np.array_equal(_sample(init.normal_, generator=generator),
                          _sample(init.normal_, generator=chainrule.Generator().manual_seed(7)))


def test_init_on_a_parameter_is_not_recorded_in_the_graph():
    w = chainrule.nn.Parameter(chainrule.zeros(3, 3))
    init.kaiming_uniform_(w)
    assert w.is_leaf and w.grad_fn is None and w.requires_grad


def test_errors_match_torch():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(chainrule.zeros(3))
    with pytest.raises(ValueError, match="Unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(chainrule.zeros(2, 2), mode="fan_avg")
