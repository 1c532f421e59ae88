"""The one-node nn ops (chainrule/nn/_fused_ops.py): PyTorch's grad_fn names, values, first and
second derivatives against torch in float64, and finite differences (no torch needed)."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck

rng = np.random.default_rng(0)
X, W, B = rng.normal(size=(4, 3)), rng.normal(size=(5, 3)), rng.normal(size=5)
IMAGES, KERNELS, CONV_BIAS = rng.normal(size=(2, 2, 5, 5)), rng.normal(size=(3, 2, 3, 3)), rng.normal(size=3)
LOGITS, LABELS, CLASS_WEIGHT = rng.normal(size=(6, 4)) * 3, np.array([0, 3, 1, 1, 2, 3]), np.array([0.5, 2, 1, 3])
PROBS, SOFT = rng.uniform(0.05, 0.95, size=(4, 3)), rng.uniform(size=(4, 3))
LABELS_5D = rng.integers(0, 3, size=(2, 2, 2, 2))
RUNNING_MEAN, RUNNING_VAR = np.array([0.3, -0.1, 0.2]), np.array([2.0, 0.5, 1.5])


def _lib_tensor(lib, array):
    return lib.tensor(np.array(array))


# (id, fn(F, lib, *leaves), arrays, which arrays require grad); fn runs on chainrule and on torch
CASES = [
    ("linear-2d", lambda f, lib, x, w, b: f.linear(x, w, b), [X, W, B], None),
    ("linear-1d", lambda f, lib, x, w, b: f.linear(x, w, b), [X[0], W, B], None),
    ("linear-3d", lambda f, lib, x, w, b: f.linear(x, w, b), [rng.normal(size=(2, 4, 3)), W, B], None),
    ("linear-no-bias", lambda f, lib, x, w: f.linear(x, w), [X, W], None),
    ("linear-weight-only", lambda f, lib, x, w, b: f.linear(x, w, b), [X, W, B], [False, True, False]),
    ("conv2d", lambda f, lib, x, w, b: f.conv2d(x, w, b, padding=1), [IMAGES, KERNELS, CONV_BIAS], None),
    ("conv2d-unbatched", lambda f, lib, x, w, b: f.conv2d(x, w, b, stride=2), [IMAGES[0], KERNELS, CONV_BIAS], None),
    ("leaky_relu", lambda f, lib, x: f.leaky_relu(x, 0.2), [X], None),
    ("silu", lambda f, lib, x: f.silu(x), [X * 5], None),
    ("layer_norm", lambda f, lib, x, w, b: f.layer_norm(x, (3, 4), w, b),
     [rng.normal(size=(2, 3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))], None),
    ("layer_norm-no-affine", lambda f, lib, x: f.layer_norm(x, (4,)), [rng.normal(size=(2, 3, 4))], None),
    ("batch_norm-4d", lambda f, lib, x, w, b: f.batch_norm(x, None, None, w, b, training=True),
     [rng.normal(size=(3, 2, 4, 4)), rng.normal(size=2), rng.normal(size=2)], None),
    ("batch_norm-eval", lambda f, lib, x, w, b: f.batch_norm(x, _lib_tensor(lib, RUNNING_MEAN),
                                                             _lib_tensor(lib, RUNNING_VAR), w, b, training=False),
     [rng.normal(size=(5, 3)), rng.normal(size=3), rng.normal(size=3)], None),
    ("nll_loss-3d-input", lambda f, lib, x: f.nll_loss(x, lib.tensor([[1, 0, 2], [2, 2, 1]])),
     [rng.normal(size=(2, 3, 3))], None),
    ("nll_loss-zero-total-weight", lambda f, lib, x: f.nll_loss(x, lib.tensor([1, 2]), _lib_tensor(lib, [1.0, 0, 0])),
     [rng.normal(size=(2, 3))], None),
    ("nll_loss-all-ignored", lambda f, lib, x: f.nll_loss(x, lib.tensor([-100, -100])), [rng.normal(size=(2, 3))], None),
    ("bce_with_logits-huge-and-zero", lambda f, lib, x, t: f.binary_cross_entropy_with_logits(
        x, t, pos_weight=_lib_tensor(lib, 2.0)), [np.array([1e4, -1e4, 800.0, -800.0, 0.0]),
                                                  np.array([0.0, 1.0, 1.0, 0.0, 0.3])], None),
]
for reduction in ("mean", "sum", "none"):
    CASES += [
        (f"cross_entropy-{reduction}", lambda f, lib, x, r=reduction: f.cross_entropy(
            x, lib.tensor(LABELS), _lib_tensor(lib, CLASS_WEIGHT), ignore_index=3, reduction=r), [LOGITS], None),
        (f"nll_loss-4d-{reduction}", lambda f, lib, x, r=reduction: f.nll_loss(
            x, lib.tensor([[[1, 0], [2, 1]]]), reduction=r), [rng.normal(size=(1, 3, 2, 2))], None),
        (f"nll_loss-5d-{reduction}", lambda f, lib, x, r=reduction: f.nll_loss(x, lib.tensor(LABELS_5D), reduction=r),
         [rng.normal(size=(2, 3, 2, 2, 2))], None),
        (f"nll_loss-1d-{reduction}", lambda f, lib, x, r=reduction: f.nll_loss(x, lib.tensor(2), reduction=r),
         [rng.normal(size=3)], None),
        (f"mse_loss-{reduction}", lambda f, lib, x, t, r=reduction: f.mse_loss(x, t, reduction=r),
         [X, X + rng.normal(size=X.shape)], None),
        (f"binary_cross_entropy-{reduction}", lambda f, lib, p, t, w, r=reduction: f.binary_cross_entropy(
            p, t, w, reduction=r), [PROBS, SOFT, rng.uniform(size=3)], [True, True, False]),
        (f"bce_with_logits-{reduction}", lambda f, lib, x, t, w, pw, r=reduction: f.binary_cross_entropy_with_logits(
            x, t, w, pos_weight=pw, reduction=r), [X * 3, SOFT, rng.uniform(size=3), rng.uniform(size=3) * 2],
         [True, True, False, False]),
    ]


def _run_both(fn, arrays, requires_grad):
    torch = pytest.importorskip("torch")
    requires_grad = requires_grad or [True] * len(arrays)
    ours = [chainrule.tensor(a, requires_grad=r) for a, r in zip(arrays, requires_grad)]
    theirs = [torch.tensor(a, requires_grad=r) for a, r in zip(arrays, requires_grad)]
    return (fn(F, chainrule, *ours), [t for t, r in zip(ours, requires_grad) if r],
            fn(torch.nn.functional, torch, *theirs), [t for t, r in zip(theirs, requires_grad) if r])


def _close(ours, theirs, what: str) -> None:
    expected = np.zeros(tuple(theirs.shape)) if theirs._is_zerotensor() else theirs.detach().numpy()
    np.testing.assert_allclose(ours.detach().numpy(), expected, rtol=1e-9, atol=1e-12, equal_nan=True, err_msg=what)


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_grad_fn_name_value_and_two_derivatives_match_torch(case):
    torch = pytest.importorskip("torch")
    name, fn, arrays, requires_grad = case
    out, leaves, expected, torch_leaves = _run_both(fn, arrays, requires_grad)
    assert out.grad_fn.name() == type(expected.grad_fn).__name__, name
    _close(out, expected, f"{name} value")
    upstream = rng.standard_normal(tuple(expected.shape))
    grads = chainrule.autograd.grad(out, leaves, chainrule.tensor(upstream), create_graph=True)
    torch_grads = torch.autograd.grad(expected, torch_leaves, torch.tensor(upstream), create_graph=True)
    for k, (g, tg) in enumerate(zip(grads, torch_grads)):
        _close(g, tg, f"{name} gradient {k}")
    # second derivatives, through the gradients that depend on the inputs (chainrule records
    # no graph for a gradient that is constant in them: nll's, a bias's)
    pairs = [(g, tg) for g, tg in zip(grads, torch_grads) if g.requires_grad]
    if not pairs:
        return
    weights = [rng.standard_normal(tuple(tg.shape)) for _, tg in pairs]
    second = chainrule.autograd.grad([g for g, _ in pairs], leaves, [chainrule.tensor(w) for w in weights],
                                     allow_unused=True)
    torch_second = torch.autograd.grad([tg for _, tg in pairs], torch_leaves, [torch.tensor(w) for w in weights],
                                       allow_unused=True)
    for k, (g, tg) in enumerate(zip(second, torch_second)):
        if tg is None:
            assert g is None or not np.any(g.numpy())
        else:
            _close(g, tg, f"{name} second derivative {k}")


def test_cross_entropy_is_log_softmax_then_nll_loss_as_in_torch():
    loss = F.cross_entropy(chainrule.tensor(LOGITS, requires_grad=True), chainrule.tensor(LABELS))
    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"


def test_binary_cross_entropy_slope_at_zero_and_one_is_large_but_finite_as_in_torch():
    torch = pytest.importorskip("torch")
    p, t = np.array([0.0, 1.0, 0.0, 1.0]), np.array([1.0, 0.0, 0.0, 1.0])
    out, (leaf,), expected, (torch_leaf,) = _run_both(lambda f, lib, p, t: f.binary_cross_entropy(p, t), [p, t],
                                                      [True, False])
    out.backward()
    expected.backward()
    assert np.all(np.isfinite(leaf.grad.numpy()))
    np.testing.assert_allclose(leaf.grad.numpy(), torch_leaf.grad.numpy(), rtol=1e-8)


def test_batch_norm_eval_backward_uses_the_running_statistics_of_its_forward():
    x, weight = chainrule.tensor(rng.normal(size=(4, 3)), requires_grad=True), chainrule.ones(3, dtype=chainrule.float64, requires_grad=True)
    mean, var = chainrule.tensor(RUNNING_MEAN), chainrule.tensor(RUNNING_VAR)
    out = F.batch_norm(x, mean, var, weight, training=False)
    expected = ((x.detach().numpy() - RUNNING_MEAN) / np.sqrt(RUNNING_VAR + 1e-5)).sum(0)
    mean._data[...] = 100.0  # a later training step moves the running statistics in place
    out.sum().backward()
    np.testing.assert_allclose(weight.grad.numpy(), expected, rtol=1e-12)


# -- finite differences (no torch): every input with a gradient, including the ones torch refuses

def _leaves(*arrays):
    return [chainrule.tensor(a, requires_grad=True) for a in arrays]


FINITE_DIFFERENCE_CASES = [
    ("mse_loss-broadcast-target", lambda x, t: F.mse_loss(x, t.expand(4, 3)), (X, rng.normal(size=3))),
    ("binary_cross_entropy-weight", lambda p, t, w: F.binary_cross_entropy(p, t, w, reduction="sum"),
     (PROBS, SOFT, rng.uniform(size=3))),
    ("bce_with_logits-weight-pos_weight", lambda x, t, w, pw: F.binary_cross_entropy_with_logits(
        x, t, w, reduction="none", pos_weight=pw), (X * 3, SOFT, rng.uniform(size=3), rng.uniform(size=3) * 2)),
    ("nll_loss-weighted-mean", lambda x: F.nll_loss(x, chainrule.tensor(LABELS), chainrule.tensor(CLASS_WEIGHT)),
     (LOGITS,)),
    ("layer_norm-weight-only", lambda x, w: F.layer_norm(x, (3,), w), (X, rng.normal(size=3))),
    ("batch_norm-3d", lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
     (rng.normal(size=(3, 2, 4)), rng.normal(size=2), rng.normal(size=2))),
    ("linear-3d", lambda x, w, b: F.linear(x, w, b), (rng.normal(size=(2, 4, 3)), W, B)),
    ("conv2d-bias", lambda x, w, b: F.conv2d(x, w, b, stride=2), (IMAGES[:1], KERNELS, CONV_BIAS)),
]


@pytest.mark.parametrize("name, fn, arrays", FINITE_DIFFERENCE_CASES, ids=[c[0] for c in FINITE_DIFFERENCE_CASES])
def test_first_and_second_derivatives_match_finite_differences(name, fn, arrays):
    assert gradcheck(fn, _leaves(*arrays))
    assert gradgradcheck(fn, _leaves(*arrays), atol=1e-4, rtol=1e-3)


def test_bce_with_logits_stays_finite_for_huge_logits_in_float32():
    x = chainrule.tensor(np.array([1e4, -1e4, 88.0, -88.0], dtype=np.float32), requires_grad=True)
    target = chainrule.tensor(np.array([0.0, 1.0, 0.0, 1.0], dtype=np.float32))
    loss = F.binary_cross_entropy_with_logits(x, target, reduction="none")
    loss.sum().backward()
    np.testing.assert_allclose(loss.detach().numpy(), [1e4, 1e4, 88.0, 88.0], rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), [1.0, -1.0, 1.0, -1.0], rtol=1e-6)


@pytest.mark.parametrize("name", ["silu", "leaky_relu"])
def test_activations_refuse_integer_input_as_torch_does(name):
    with pytest.raises(NotImplementedError, match=f'"{name}_cpu" not implemented for \'Long\'.*x.float()'):
        getattr(F, name)(chainrule.tensor([1, 2]))


def _node_names_along_the_input_path(loss, name_of) -> list[str]:
    names, node = [], loss.grad_fn
    while node is not None:
        names.append(name_of(node))
        inner = [fn for fn, _ in node.next_functions if fn is not None and name_of(fn) != "AccumulateGrad"]
        node = inner[0] if inner else None
    return names


def test_a_small_network_records_the_nodes_torch_records():
    torch = pytest.importorskip("torch")
    paths = []
    for lib in (chainrule, torch):
        lib.manual_seed(0)
        model = lib.nn.Sequential(lib.nn.Linear(4, 6), lib.nn.BatchNorm1d(6), lib.nn.LeakyReLU(),
                                  lib.nn.LayerNorm(6), lib.nn.SiLU(), lib.nn.Linear(6, 3))
        loss = lib.nn.CrossEntropyLoss()(model(lib.randn(5, 4)), lib.tensor([0, 2, 1, 1, 0]))
        paths.append(_node_names_along_the_input_path(
            loss, lambda fn: fn.name() if lib is chainrule else type(fn).__name__))
    ours, theirs = paths
    # torch's addmm takes weight.t() (a TBackward0 node); chainrule's Addmm transposes inside
    assert ours == [name for name in theirs if name != "TBackward0"]
    assert ours[:3] == ["NllLossBackward0", "LogSoftmaxBackward0", "AddmmBackward0"]
