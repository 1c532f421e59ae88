"""Every loss against torch.nn in float64: values and gradients, each reduction, the options."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
import chainrule.nn.functional as F
from tests.nn.torch_compare import assert_close, to_torch

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
LOGITS = rng.normal(size=(6, 4)) * 3
LABELS = np.array([0, 3, 1, 1, 2, 3])
PROBS = 1 / (1 + np.exp(-rng.normal(size=(5, 3))))
BINARY = (rng.uniform(size=(5, 3)) > 0.5).astype(float)
WEIGHT = np.array([0.5, 2.0, 1.0, 3.0])


def _target(array):
    return chainrule.tensor(array), torch.tensor(array)


# (name, module options, input array, target array); every case runs with each reduction
CASES = [
    ("MSELoss", {}, rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
    ("L1Loss", {}, rng.normal(size=(4, 3)), rng.normal(size=(4, 3))),
    ("CrossEntropyLoss", {}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"weight": WEIGHT}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"ignore_index": 1}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"label_smoothing": 0.2}, LOGITS, LABELS),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "weight": WEIGHT, "ignore_index": 3}, LOGITS, LABELS),
    ("CrossEntropyLoss", {}, LOGITS, np.eye(4)[LABELS] * 0.7 + 0.075),  # class probabilities
    ("CrossEntropyLoss", {"label_smoothing": 0.3, "weight": WEIGHT}, LOGITS, np.eye(4)[LABELS]),
    ("CrossEntropyLoss", {}, rng.normal(size=(2, 4, 3, 2)), rng.integers(0, 4, size=(2, 3, 2))),  # (N, C, d1, d2)
    ("CrossEntropyLoss", {"ignore_index": 0}, rng.normal(size=(4,)), np.array(2)),  # one unbatched sample
    ("NLLLoss", {}, LOGITS, LABELS),
    ("NLLLoss", {"weight": WEIGHT, "ignore_index": 3}, LOGITS, LABELS),
    ("BCELoss", {}, PROBS, BINARY),
    ("BCELoss", {"weight": rng.uniform(size=3)}, PROBS, rng.uniform(size=(5, 3))),
    ("BCEWithLogitsLoss", {}, rng.normal(size=(5, 3)) * 4, BINARY),
    ("BCEWithLogitsLoss", {"pos_weight": np.array([1.0, 3.0, 0.5])}, rng.normal(size=(5, 3)) * 4, BINARY),
    ("BCEWithLogitsLoss", {"weight": rng.uniform(size=(5, 3))}, rng.normal(size=(5, 3)) * 4, BINARY),
]


def _options(options, lib):
    return {k: (lib.tensor(v) if isinstance(v, np.ndarray) else v) for k, v in options.items()}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,options,input,target", CASES, ids=[f"{c[0]}-{sorted(c[1])}-{i}" for i, c in
                                                                  enumerate(CASES)])
def test_loss_matches_torch(name, options, input, target, reduction):
    ours = getattr(chainrule.nn, name)(reduction=reduction, **_options(options, chainrule))
    theirs = getattr(torch.nn, name)(reduction=reduction, **_options(options, torch))
    x = chainrule.tensor(input, requires_grad=True)
    xt = to_torch(x, requires_grad=True)
    t, tt = _target(target)
    loss, expected = ours(x, t), theirs(xt, tt)
    assert_close(loss, expected)
    upstream = np.random.default_rng(1).normal(size=tuple(expected.shape))
    loss.backward(chainrule.tensor(upstream))
    expected.backward(torch.tensor(upstream))
    assert_close(x.grad, xt.grad)


def test_cross_entropy_is_stable_for_huge_logits():
    x = chainrule.tensor([[1000.0, -1000.0, 0.0], [-5e4, 5e4, 1.0]], dtype=chainrule.float64, requires_grad=True)
    loss = F.cross_entropy(x, chainrule.tensor([0, 0]))
    assert np.isfinite(loss.item()) and loss.item() == pytest.approx(1e5 / 2)
    loss.backward()
    assert np.isfinite(x.grad.numpy()).all()


def test_bce_with_logits_is_stable_for_huge_logits():
    x = chainrule.tensor([800.0, -800.0], dtype=chainrule.float64, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, chainrule.tensor([0.0, 1.0], dtype=chainrule.float64))
    assert loss.item() == pytest.approx(800.0)
    loss.backward()
    assert x.grad.tolist() == pytest.approx([0.5, -0.5])


def test_second_derivative_of_cross_entropy_matches_torch():
    x = chainrule.tensor(LOGITS, requires_grad=True)
    xt = to_torch(x, requires_grad=True)
    (g,) = chainrule.autograd.grad(F.cross_entropy(x, chainrule.tensor(LABELS), label_smoothing=0.1), x,
                                   create_graph=True)
    (gt,) = torch.autograd.grad(torch.nn.functional.cross_entropy(xt, torch.tensor(LABELS), label_smoothing=0.1), xt,
                                create_graph=True)
    (h,) = chainrule.autograd.grad((g * g).sum(), x)
    (ht,) = torch.autograd.grad((gt * gt).sum(), xt)
    assert_close(h, ht)


def test_all_targets_ignored_gives_nan_like_torch():
    x = chainrule.tensor(LOGITS[:2], requires_grad=True)
    ours = F.cross_entropy(x, chainrule.tensor([1, 1]), ignore_index=1)
    theirs = torch.nn.functional.cross_entropy(torch.tensor(LOGITS[:2]), torch.tensor([1, 1]), ignore_index=1)
    assert np.isnan(ours.item()) and np.isnan(theirs.item())


def test_errors_name_the_problem_as_torch_does():
    x = chainrule.tensor(LOGITS)
    with pytest.raises(IndexError, match="Target 7 is out of bounds."):
        F.cross_entropy(x, chainrule.tensor([0, 1, 7, 0, 0, 0]))
    with pytest.raises(ValueError, match=r"Expected input batch_size \(6\) to match target batch_size \(2\)"):
        F.cross_entropy(x, chainrule.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="expected target dtype to be Long or Byte, but got Float"):
        F.nll_loss(x, chainrule.tensor([0.0] * 6))
    with pytest.raises(RuntimeError, match="all elements of input should be between 0 and 1"):
        F.binary_cross_entropy(x, x)
    with pytest.raises(ValueError, match="avg is not a valid value for reduction"):
        chainrule.nn.MSELoss(reduction="avg")
    with pytest.warns(UserWarning, match="Using a target size"):
        F.mse_loss(x, x[0])


def test_empty_batches_give_nan_like_torch():
    probabilities = F.cross_entropy(chainrule.zeros(0, 3), chainrule.zeros(0, 3))
    indices = F.cross_entropy(chainrule.zeros(0, 3), chainrule.zeros(0, dtype=chainrule.int64))
    assert np.isnan(probabilities.item()) and np.isnan(indices.item())
    assert F.cross_entropy(chainrule.zeros(0, 3), chainrule.zeros(0, dtype=chainrule.int64), reduction="sum").item() == 0
