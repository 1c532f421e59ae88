"""Every layer against torch.nn in float64: outputs, input gradients and parameter gradients."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule import nn
from tests.nn.torch_compare import assert_close, assert_same_grads, copy_weights, to_torch

torch = pytest.importorskip("torch")

# (name, build(lib) -> module, input shape); every module gets the same weights in both libraries
LAYERS = [
    ("Linear", lambda L: L.nn.Linear(4, 3), (5, 4)),
    ("Linear-3d-nobias", lambda L: L.nn.Linear(4, 3, bias=False), (2, 5, 4)),
    ("ReLU", lambda L: L.nn.ReLU(), (4, 5)),
    ("LeakyReLU", lambda L: L.nn.LeakyReLU(0.2), (4, 5)),
    ("Tanh", lambda L: L.nn.Tanh(), (4, 5)),
    ("Sigmoid", lambda L: L.nn.Sigmoid(), (4, 5)),
    ("SiLU", lambda L: L.nn.SiLU(), (4, 5)),
    ("GELU", lambda L: L.nn.GELU(), (4, 5)),
    ("GELU-tanh", lambda L: L.nn.GELU("tanh"), (4, 5)),
    ("Softplus", lambda L: L.nn.Softplus(beta=2.0), (4, 5)),
    ("Softmax", lambda L: L.nn.Softmax(dim=1), (4, 5)),
    ("Softmax-dim0", lambda L: L.nn.Softmax(dim=0), (4, 5)),
    ("LogSoftmax", lambda L: L.nn.LogSoftmax(dim=-1), (3, 4, 5)),
    ("LayerNorm", lambda L: L.nn.LayerNorm(5), (4, 5)),
    ("LayerNorm-2d", lambda L: L.nn.LayerNorm((3, 5), eps=1e-3), (2, 3, 5)),
    ("LayerNorm-plain", lambda L: L.nn.LayerNorm(5, elementwise_affine=False), (4, 5)),
    ("BatchNorm1d", lambda L: L.nn.BatchNorm1d(5), (6, 5)),
    ("BatchNorm1d-3d", lambda L: L.nn.BatchNorm1d(3, momentum=None), (4, 3, 7)),
    ("BatchNorm1d-noaffine", lambda L: L.nn.BatchNorm1d(5, affine=False), (6, 5)),
    ("BatchNorm2d", lambda L: L.nn.BatchNorm2d(3), (4, 3, 5, 5)),
    ("BatchNorm2d-cumulative", lambda L: L.nn.BatchNorm2d(3, momentum=None, eps=1e-3), (2, 3, 4, 6)),
    ("BatchNorm2d-untracked", lambda L: L.nn.BatchNorm2d(3, track_running_stats=False), (2, 3, 4, 4)),
    ("Flatten", lambda L: L.nn.Flatten(), (2, 3, 4, 5)),
    ("Flatten-range", lambda L: L.nn.Flatten(0, 1), (2, 3, 4)),
    ("Identity", lambda L: L.nn.Identity(), (2, 3)),
    ("Conv2d", lambda L: L.nn.Conv2d(2, 3, 3, padding=1), (2, 2, 6, 6)),
    ("MaxPool2d", lambda L: L.nn.MaxPool2d(2), (2, 2, 6, 6)),
    ("Sequential", lambda L: L.nn.Sequential(L.nn.Linear(4, 8), L.nn.Tanh(), L.nn.LayerNorm(8), L.nn.Linear(8, 2)),
     (5, 4)),
    ("CNN", lambda L: L.nn.Sequential(L.nn.Conv2d(1, 4, 3, padding=1), L.nn.ReLU(), L.nn.MaxPool2d(2),
                                      L.nn.Flatten(), L.nn.Linear(4 * 3 * 3, 3)), (2, 1, 6, 6)),
]


def _perturbed(module_pair, rng):
    """Randomise the weights (torch's ones/zeros defaults would hide mistakes), same in both."""
    ours, theirs = module_pair
    with chainrule.no_grad():
        for p in ours.parameters():
            p.copy_(chainrule.tensor(rng.normal(size=tuple(p.shape))))
    copy_weights(ours, theirs)


@pytest.mark.parametrize("name,build,shape", LAYERS, ids=[layer[0] for layer in LAYERS])
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_layer_matches_torch(name, build, shape, training):
    rng = np.random.default_rng(0)
    ours, theirs = build(chainrule).double(), build(torch).double()
    _perturbed((ours, theirs), rng)
    if name.startswith("BatchNorm") and ours.track_running_stats:  # non-trivial running statistics for eval
        ours.running_mean.copy_(chainrule.tensor(rng.normal(size=ours.running_mean.shape)))
        ours.running_var.copy_(chainrule.tensor(rng.uniform(0.5, 2.0, size=ours.running_var.shape)))
        copy_weights(ours, theirs)
    ours.train(training)
    theirs.train(training)
    x = chainrule.tensor(rng.normal(size=shape), requires_grad=True)
    xt = to_torch(x, requires_grad=True)
    y, yt = ours(x), theirs(xt)
    assert_close(y, yt)
    upstream = rng.normal(size=tuple(yt.shape))
    y.backward(chainrule.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    assert_close(x.grad, xt.grad)
    assert_same_grads(ours, theirs)
    for (n, a), (_, b) in zip(ours.named_buffers(), theirs.named_buffers()):  # running statistics
        assert_close(a, b)


def test_second_derivatives_through_a_small_network_match_torch():
    rng = np.random.default_rng(1)
    build = LAYERS[-2][1]
    ours, theirs = build(chainrule).double(), build(torch).double()
    _perturbed((ours, theirs), rng)
    x = chainrule.tensor(rng.normal(size=(5, 4)), requires_grad=True)
    xt = to_torch(x, requires_grad=True)
    (g,) = chainrule.autograd.grad((ours(x) ** 2).sum(), x, create_graph=True)
    (gt,) = torch.autograd.grad((theirs(xt) ** 2).sum(), xt, create_graph=True)
    assert_close(g, gt)
    (g2,) = chainrule.autograd.grad((g * g).sum(), x)
    (g2t,) = torch.autograd.grad((gt * gt).sum(), xt)
    assert_close(g2, g2t, 1e-9)


def test_embedding_matches_torch_with_repeated_ids_and_padding():
    rng = np.random.default_rng(2)
    ours, theirs = nn.Embedding(6, 3, padding_idx=1).double(), torch.nn.Embedding(6, 3, padding_idx=1).double()
    copy_weights(ours, theirs)
    ids = np.array([[0, 1, 2, 2], [5, 1, 0, 0]])
    y, yt = ours(chainrule.tensor(ids)), theirs(torch.tensor(ids))
    assert_close(y, yt)
    upstream = rng.normal(size=(2, 4, 3))
    y.backward(chainrule.tensor(upstream))
    yt.backward(torch.tensor(upstream))
    assert_same_grads(ours, theirs)
    assert y.grad_fn.name() == yt.grad_fn.name()
    with pytest.raises(IndexError, match="index out of range"):
        ours(chainrule.tensor([6]))
    with pytest.raises(RuntimeError, match="Long, Int"):
        ours(chainrule.tensor([1.0]))


def test_dropout_scales_kept_values_and_is_repeatable():
    x = chainrule.ones(1000, dtype=chainrule.float64, requires_grad=True)
    layer = nn.Dropout(0.25)
    chainrule.manual_seed(0)
    y = layer(x)
    chainrule.manual_seed(0)
    assert np.array_equal(layer(x).detach().numpy(), y.detach().numpy())
    values = set(np.round(y.detach().numpy(), 12))
    assert values == {0.0, round(1 / 0.75, 12)}
    assert 0.18 < (y.detach().numpy() == 0).mean() < 0.32
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), y.detach().numpy())  # d(mask * x / (1-p))/dx = mask / (1-p)
    layer.eval()
    assert layer(x) is x
    assert nn.Dropout(1.0)(x).abs().sum().item() == 0
    with pytest.raises(ValueError, match="dropout probability has to be between 0 and 1, but got 1.5"):
        nn.Dropout(1.5)


def test_batchnorm_errors_and_eval_without_batch_statistics():
    layer = nn.BatchNorm1d(3)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        layer(chainrule.ones(1, 3))
    with pytest.raises(RuntimeError, match="^running_mean should contain 4 elements not 3$"):
        layer(chainrule.ones(2, 4))
    with pytest.raises(ValueError, match=r"^expected 2D or 3D input \(got 4D input\)$"):
        layer(chainrule.ones(2, 3, 2, 2))
    layer.eval()
    assert layer(chainrule.ones(1, 3)).shape == (1, 3)  # eval mode works on one sample


def test_layer_norm_shape_error_matches_torch():
    with pytest.raises(RuntimeError, match=r"Given normalized_shape=\[3\], expected input with shape \[\*, 3\], but "
                                           r"got input of size\[3, 4\]"):
        nn.LayerNorm(3)(chainrule.ones(3, 4))


def test_linear_shape_error_names_both_shapes():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(3x4 and 3x2\)"):
        nn.Linear(3, 2)(chainrule.ones(3, 4))


def test_clip_grad_norm_matches_torch():
    rng = np.random.default_rng(3)
    grads = [rng.normal(size=(3, 4)), rng.normal(size=(5,))]
    for max_norm, norm_type in [(1.0, 2.0), (100.0, 2.0), (0.5, 1.0), (0.3, float("inf"))]:
        ours = [nn.Parameter(chainrule.zeros(*g.shape, dtype=chainrule.float64)) for g in grads]
        theirs = [torch.nn.Parameter(torch.zeros(*g.shape, dtype=torch.float64)) for g in grads]
        for p, q, g in zip(ours, theirs, grads):
            p.grad, q.grad = chainrule.tensor(g), torch.tensor(g)
        total = nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
        expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
        assert_close(total, expected)
        for p, q in zip(ours, theirs):
            assert_close(p.grad, q.grad)


def test_clip_grad_value_and_vector_round_trip():
    p = nn.Parameter(chainrule.zeros(4))
    p.grad = chainrule.tensor([-3.0, -0.5, 0.5, 3.0])
    nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, -0.5, 0.5, 1.0]
    model = nn.Linear(2, 3)
    vector = nn.utils.parameters_to_vector(model.parameters())
    assert vector.shape == (9,)
    nn.utils.vector_to_parameters(vector * 0, model.parameters())
    assert model.weight.abs().sum().item() == 0


def test_functional_helpers_match_torch():
    ids = np.array([2, 0, 1, 2])
    assert F.one_hot(chainrule.tensor(ids), 4).tolist() == torch.nn.functional.one_hot(torch.tensor(ids), 4).tolist()
    assert F.one_hot(chainrule.tensor(ids)).shape == (4, 3)
    with pytest.raises(RuntimeError, match="Class values must be smaller than num_classes"):
        F.one_hot(chainrule.tensor(ids), 2)
    x = chainrule.ones(3, 4)
    assert F.dropout(x, 0.5, training=False) is x
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        F.softmax(x)
