"""`chainrule.scalar.nn` against micrograd 0.1.0: same shapes, reprs, outputs and gradients."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule.scalar import Value
from chainrule.scalar.nn import MLP, Layer, Module, Neuron


def test_weights_come_from_numpy_in_order_and_biases_are_zero():
    np.random.seed(7)
    model = MLP(3, [4, 2])
    np.random.seed(7)
    expected = [np.random.uniform(-1, 1) for _ in range(3 * 4 + 4 * 2)]
    weights = [w.data for layer in model.layers for n in layer.neurons for w in n.w]
    assert weights == expected
    assert all(n.b.data == 0.0 for layer in model.layers for n in layer.neurons)
    assert len(model.parameters()) == 4 * 4 + 2 * 5


def test_parameters_are_in_micrograd_order():
    model = MLP(2, [3, 1])
    first = model.layers[0].neurons[0]
    assert model.parameters()[:3] == first.w + [first.b]
    assert model.parameters()[-1] is model.layers[1].neurons[0].b


def test_neuron_is_the_seeds_neuron():
    np.random.seed(42)
    w = [np.random.uniform(-1, 1) for _ in range(3)]
    np.random.seed(42)
    x = [Value(1.0), Value(-3.4), Value(2.4)]
    y = Neuron(3, nonlin=False)(x)
    assert y.data == sum(wi * xi.data for wi, xi in zip(w, x))
    y.backward()
    assert [xi.grad for xi in x] == w


def test_relu_neuron_and_layer_outputs():
    np.random.seed(0)
    layer = Layer(2, 3)
    out = layer([1.0, -1.0])
    assert len(out) == 3 and all(o._op == "ReLU" and o.data >= 0 for o in out)
    assert isinstance(Layer(2, 1)([1.0, 2.0]), Value)  # one neuron: one Value, as in micrograd


def test_one_output_inner_layer_works():
    np.random.seed(3)
    model = MLP(2, [1, 3, 1])  # micrograd: TypeError, its Layer(.., 1) returns a bare Value
    out = model([0.5, -1.5])
    assert isinstance(out, Value)
    out.backward()
    assert isinstance(MLP(2, [4, 2])([0.5, -1.5]), list)


def test_zero_grad_resets_every_parameter():
    model = MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    model.zero_grad()
    assert all(p.grad == 0.0 and type(p.grad) is float for p in model.parameters())
    assert Module().parameters() == []


def test_reprs_match_micrograd():
    model = MLP(2, [2, 1])
    assert repr(model) == (
        "MLP of [Layer of [ReLUNeuron(2), ReLUNeuron(2)], Layer of [LinearNeuron(2)]]"
    )


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (lambda: Neuron(0), "nin"),
        (lambda: Layer(2, 0), "nout"),
        (lambda: MLP(2, []), "nouts"),
        (lambda: Neuron(2)([1.0]), "takes 2 inputs, got 1"),
    ],
)
def test_bad_sizes_are_named(make, words):
    with pytest.raises(ValueError, match=words):
        make()


# ---------------------------------------------------------------- micrograd itself


def micrograd_copy(model):
    """micrograd's MLP of the same shape, with chainrule's weights copied in."""
    micro_nn = pytest.importorskip("micrograd.nn")
    sizes = [len(model.layers[0].neurons[0].w)] + [len(layer.neurons) for layer in model.layers]
    twin = micro_nn.MLP(sizes[0], sizes[1:])
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        q.data = p.data
    assert repr(twin) == repr(model)
    return twin


def svm_loss(model, value_type, xs, ys):
    scores = [model([value_type(v) for v in x]) for x in xs]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss, scores


def test_same_outputs_and_gradients_as_micrograd():
    from micrograd.engine import Value as MicroValue

    np.random.seed(1337)
    model = MLP(2, [16, 16, 1])
    twin = micrograd_copy(model)
    rng = np.random.default_rng(0)
    xs = rng.normal(size=(20, 2)).tolist()
    ys = [1.0 if a * b > 0 else -1.0 for a, b in xs]

    loss, scores = svm_loss(model, Value, xs, ys)
    twin_loss, twin_scores = svm_loss(twin, MicroValue, xs, ys)
    assert [s.data for s in scores] == pytest.approx([s.data for s in twin_scores], rel=1e-13, abs=1e-15)
    assert loss.data == pytest.approx(twin_loss.data, rel=1e-13)
    loss.backward()
    twin_loss.backward()
    for p, q in zip(model.parameters(), twin.parameters()):
        assert p.grad == pytest.approx(q.grad, rel=1e-10, abs=1e-14)


def test_micrograd_has_the_one_output_layer_bug_we_fix():
    micro_nn = pytest.importorskip("micrograd.nn")
    with pytest.raises(TypeError):
        micro_nn.MLP(2, [1, 3])([0.5, -1.5])
