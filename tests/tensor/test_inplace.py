"""In-place ops against PyTorch 2.13: values, gradients (through rebased histories and
views), version counters and PyTorch's refusals; plus torch-free checks."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule
from chainrule.autograd.gradcheck import gradcheck, gradgradcheck
from tests.tensor.test_shape import assert_matches_torch, raises_like_torch

# (id, in-place call(lib, y, other)); y is a non-leaf in (0.5, 2), other a tensor in (0.5, 2)
INPLACE_OPS = [
    ("add_", lambda lib, y, o: y.add_(o)),
    ("add_alpha", lambda lib, y, o: y.add_(o, alpha=-2.0)),
    ("sub_", lambda lib, y, o: y.sub_(o)),
    ("mul_", lambda lib, y, o: y.mul_(o)),
    ("mul_number", lambda lib, y, o: y.mul_(3.0)),
    ("div_", lambda lib, y, o: y.div_(o)),
    ("pow_", lambda lib, y, o: y.pow_(2.0)),
    ("pow_tensor", lambda lib, y, o: y.pow_(o)),
    ("iadd", lambda lib, y, o: y.__iadd__(o)),
    ("isub_broadcast", lambda lib, y, o: y.__isub__(o[0])),
    ("imul", lambda lib, y, o: y.__imul__(o)),
    ("itruediv", lambda lib, y, o: y.__itruediv__(o)),
    ("ipow", lambda lib, y, o: y.__ipow__(3)),
    ("neg_", lambda lib, y, o: y.neg_()),
    ("exp_", lambda lib, y, o: y.exp_()),
    ("log_", lambda lib, y, o: y.log_()),
    ("sqrt_", lambda lib, y, o: y.sqrt_()),
    ("tanh_", lambda lib, y, o: y.tanh_()),
    ("sigmoid_", lambda lib, y, o: y.sigmoid_()),
    ("relu_", lambda lib, y, o: (y - 1.2).relu_()),
    ("abs_", lambda lib, y, o: (y - 1.2).abs_()),
    ("sin_", lambda lib, y, o: y.sin_()),
    ("cos_", lambda lib, y, o: y.cos_()),
    ("reciprocal_", lambda lib, y, o: y.reciprocal_()),
    ("clamp_", lambda lib, y, o: y.clamp_(0.8, 1.5)),
    ("clamp_min_", lambda lib, y, o: y.clamp_min_(1.1)),
    ("clamp_max_", lambda lib, y, o: y.clamp_max_(1.1)),
    ("masked_fill_", lambda lib, y, o: y.masked_fill_(o > 1.2, 0.5)),
    ("zero_", lambda lib, y, o: y.zero_()),
    ("fill_number", lambda lib, y, o: y.fill_(2.5)),
    ("fill_tensor", lambda lib, y, o: y.fill_(o.sum())),
    ("copy_", lambda lib, y, o: y.copy_(o * 3)),
    ("copy_broadcast", lambda lib, y, o: y.copy_(o[1])),
    ("scatter_", lambda lib, y, o: y.scatter_(1, lib.tensor([[2], [0]]), o[:, :1])),
    ("scatter_add_", lambda lib, y, o: y.scatter_add_(0, lib.tensor([[1, 1, 0]]), o[:1])),
    ("index_add_", lambda lib, y, o: y.index_add_(1, lib.tensor([0, 0]), o[:, 1:], alpha=2.0)),
    ("index_put_", lambda lib, y, o: y.index_put_((lib.tensor([1, 0]),), o[0], accumulate=True)),
    ("twice", lambda lib, y, o: y.mul_(o).add_(o)),
]


def _inputs(seed: int = 0):
    rng = np.random.default_rng(seed)
    return rng.uniform(0.5, 2.0, (2, 3)), rng.uniform(0.5, 2.0, (2, 3))


def _after(call):
    """The function of two leaves: ``y = x * 1.3`` changed in place by ``call``, then used."""

    def f(lib, x, o):
        y = x * 1.3
        result = call(lib, y, o)
        return result * x

    return f


@pytest.mark.parametrize("call", [c for _, c in INPLACE_OPS], ids=[n for n, _ in INPLACE_OPS])
def test_inplace_ops_match_torch(call):
    assert_matches_torch(_after(call), *_inputs(), check_names=False)


@pytest.mark.parametrize("call", [c for _, c in INPLACE_OPS], ids=[n for n, _ in INPLACE_OPS])
def test_inplace_ops_return_self_bump_the_version_and_name_the_node_as_torch(call):
    torch = pytest.importorskip("torch")
    x, o = _inputs()
    results = {}
    for lib in (chainrule, torch):
        y = lib.tensor(x, requires_grad=True) * 1.3
        other = lib.tensor(o, requires_grad=True)
        out = call(lib, y, other)
        name = out.grad_fn.name().removeprefix("torch::autograd::")
        results[lib.__name__] = (out is y or out._version == y._version, out._version, name)
    assert results["chainrule"][:2] == results["torch"][:2]
    if results["torch"][2] in ("ClampMinBackward0", "ClampMaxBackward0", "MaskedFillBackward0"):
        pytest.skip("composed from clamp/where here; the name differs from torch's dedicated node")
    assert results["chainrule"][2] == results["torch"][2]


@pytest.mark.parametrize("call", [c for _, c in INPLACE_OPS], ids=[n for n, _ in INPLACE_OPS])
def test_inplace_ops_match_finite_differences(call):
    x, o = (chainrule.tensor(a, requires_grad=True) for a in _inputs(1))
    f = _after(call)
    assert gradcheck(lambda x, o: f(chainrule, x, o), (x, o))
    assert gradgradcheck(lambda x, o: f(chainrule, x, o), (x, o))


ON_THE_TENSOR_ITSELF = [(n, c) for n, c in INPLACE_OPS if n not in ("relu_", "abs_")]  # those shift y first


@pytest.mark.parametrize("call", [c for _, c in ON_THE_TENSOR_ITSELF], ids=[n for n, _ in ON_THE_TENSOR_ITSELF])
def test_inplace_on_a_leaf_that_requires_grad_is_refused(call):
    x = chainrule.ones(2, 3, requires_grad=True)
    with pytest.raises(RuntimeError, match="^a leaf Variable that requires grad is being used in an in-place"):
        call(chainrule, x, chainrule.ones(2, 3))


def test_no_grad_updates_a_leaf_in_place_as_an_optimizer_does():
    w = chainrule.tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    with chainrule.no_grad():
        w -= 0.1 * w.grad
        w.add_(w.grad, alpha=-0.1)
        w.mul_(2)
    assert np.allclose(w.tolist(), [1.2, 2.4]) and w.is_leaf and w.requires_grad and w._version == 3
    w.grad.data.zero_()
    assert w.grad.tolist() == [0.0, 0.0]
    w.grad.zero_()
    assert w.grad.tolist() == [0.0, 0.0]


def test_the_no_grad_fast_path_computes_what_the_general_path_does():
    p = chainrule.tensor([1.0, 2.0, 4.0])
    g = chainrule.tensor([0.5, 0.5, 1.0])
    p.add_(g, alpha=-2.0)
    p.sub_(g, alpha=0.5)
    p.mul_(2)
    p.div_(chainrule.tensor([1.0, 2.0, 4.0]))
    p -= 0.25
    assert p.tolist() == [-0.75, 0.5, 0.5] and p.dtype == chainrule.float32 and p._version == 5
    with pytest.raises(TypeError):
        p.mul_(g, alpha=2.0)


def test_no_grad_inplace_on_a_non_leaf_keeps_its_history():
    x = chainrule.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    with chainrule.no_grad():
        y.add_(1)
    assert y.grad_fn.name() == "MulBackward0" and y._version == 1
    y.sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_inplace_without_grad_writes_into_the_same_memory():
    t = chainrule.zeros(3)
    memory = t.numpy()
    t += 1
    t.mul_(chainrule.tensor([1.0, 2.0, 3.0]))
    assert memory.tolist() == [1.0, 2.0, 3.0] and t._version == 2


def test_a_tensor_modified_after_being_saved_raises_torchs_error():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0, 3.0], dtype=lib.float64, requires_grad=True)
        y = x * 1
        z = y * y  # saves y
        y.add_(1)
        with pytest.raises(RuntimeError) as error:
            z.sum().backward()
        messages.append(str(error.value))
    ours, theirs = messages
    assert ours == theirs
    assert "[torch.DoubleTensor [3]], which is output 0 of Add, is at version 1; expected version 0 instead." in ours


@pytest.mark.parametrize("case", ["leaf_input", "through_a_view", "after_a_cast", "saved_output_via_detach",
                                  "factorization_output"])
def test_modified_saved_tensor_messages_are_torchs(case):
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (chainrule, torch):
        x = lib.ones(2, 3, requires_grad=True)
        if case == "leaf_input":  # a saved tensor without history: no "which is output ..."
            w = lib.ones(2, 3)
            z = (x * w).sum()
            w.add_(1)
        elif case == "through_a_view":  # the base's history is now CopySlices
            y = x * 2
            z = (y * y).sum()
            y[0].mul_(3)
        elif case == "after_a_cast":
            y = x.double()
            z = (y * y).sum()
            y.mul_(3)
        elif case == "factorization_output":  # cholesky saved its output (a multi-output-capable node)
            z = lib.linalg.cholesky(x @ x.mT + lib.eye(2))
            z.detach().mul_(2)
            z = z.sum()
        else:  # exp saved its output; detach() shares its version counter
            z = x.exp()
            z.detach().mul_(2)
            z = z.sum()
        with pytest.raises(RuntimeError) as error:
            z.backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]


def test_modifying_a_view_invalidates_what_was_saved_of_its_base():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    z = y.exp() * y  # Mul saves y
    y[0].mul_(2)  # a view of y: same version counter
    assert y._version == 1
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


def test_modifying_the_base_invalidates_what_was_saved_of_a_view():
    x = chainrule.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    y = x * 1
    row = y[1]
    z = row * row
    y.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


# -- views: writing through a view rewrites its base's history (CopySlices) ------------------

VIEW_WRITES = [
    ("view_mul_", lambda lib, x, o: _tap(lib, x, lambda y: y[1:].mul_(o[1:]))),
    ("base_changed_view_used", lambda lib, x, o: _use_view_after_base_changes(x, o)),
    ("overlapping_views", lambda lib, x, o: _overlapping(x, o)),
    ("nested_views", lambda lib, x, o: _tap(lib, x, lambda y: y.reshape(2, 3).t()[1:, 0].copy_(o[:2] ** 2))),
    ("copy_into_zeros_view", lambda lib, x, o: _into_zeros(lib, o)),
    ("transpose_view_add_", lambda lib, x, o: _tap(lib, x, lambda y: y.view(2, 3).T.add_(o.view(3, 2)))),
    ("setitem_then_view_of_result", lambda lib, x, o: _tap(lib, x, lambda y: y.__setitem__(slice(0, 2), o[4:]))),
    ("augmented_assignment", lambda lib, x, o: _augmented(x, o)),
]


def _augmented(x, o):
    y = x * 1
    y[1:3] += o[:2] * 10  # Python: t = y[1:3]; t += ...; y[1:3] = t
    y[[0, 3]] *= 5  # an advanced key: t is a copy, written back by index_put
    y[0] -= 1
    return y


def _tap(lib, x, write):
    y = x * 1.5
    write(y)
    return y * x


def _use_view_after_base_changes(x, o):
    y = x * 1.5
    v = y[2:4]
    y.mul_(o)  # v sees the new values; its gradient must go through the mul too
    return v * x[:2]


def _overlapping(x, o):
    y = x * 1.5
    a, b = y[0:4], y[2:6]
    a.mul_(o[:4])
    return b * 2 + y[:4]


def _into_zeros(lib, o):
    h = lib.zeros(6, dtype=lib.float64)
    h[1:4].copy_(o[:3] * 5)
    h[4] = o[5] ** 2
    return h


@pytest.mark.parametrize("fn", [f for _, f in VIEW_WRITES], ids=[n for n, _ in VIEW_WRITES])
def test_writing_through_views_matches_torch(fn):
    rng = np.random.default_rng(6)
    assert_matches_torch(fn, rng.uniform(0.5, 2, 6), rng.uniform(0.5, 2, 6), check_names=False)


@pytest.mark.parametrize("fn", [f for _, f in VIEW_WRITES], ids=[n for n, _ in VIEW_WRITES])
def test_writing_through_views_matches_finite_differences(fn):
    rng = np.random.default_rng(7)
    x, o = (chainrule.tensor(rng.uniform(0.5, 2, 6), requires_grad=True) for _ in range(2))
    assert gradcheck(lambda x, o: fn(chainrule, x, o), (x, o))
    assert gradgradcheck(lambda x, o: fn(chainrule, x, o), (x, o))


def test_augmented_assignment_through_keys_bumps_versions_as_torch():
    torch = pytest.importorskip("torch")
    versions = []
    for lib in (chainrule, torch):
        x = lib.tensor([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], requires_grad=True)
        versions.append(_augmented(x, x * 2)._version)
    assert versions[0] == versions[1] == 5


def test_the_base_of_a_written_view_gets_copyslices():
    x = chainrule.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    v.mul_(2)
    assert y.grad_fn.name() == "CopySlices" and y._version == v._version == 1
    y.sum().backward()
    assert x.grad.tolist() == [1.0, 2.0, 2.0]


INPLACE_ERRORS = [
    ("view_of_leaf", lambda lib: lib.zeros(3, requires_grad=True)[0].add_(1)),
    ("view_of_leaf_view", lambda lib: lib.zeros(3, requires_grad=True).view(3).mul_(2)),
    ("expand_write", lambda lib: lib.ones(2, 3).expand(2, 2, 3).add_(1)),
    ("expand_write_in_graph", lambda lib: (lib.ones(3, requires_grad=True) * 2).expand(2, 3).mul_(2)),
    ("expand_copy_in_graph", lambda lib: lib.ones(3).expand(2, 3).copy_(lib.ones(3, requires_grad=True))),
    ("int_gets_float", lambda lib: lib.arange(3).add_(1.5)),
    ("output_shape", lambda lib: lib.ones(3).add_(lib.ones(2, 3))),
    ("fill_non_0d", lambda lib: lib.ones(3).fill_(lib.ones(2))),
    ("copy_shape", lambda lib: lib.ones(3).copy_(lib.ones(2))),
    ("copy_more_dims", lambda lib: lib.ones(2, 3).copy_(lib.ones(4, 1, 3))),
    ("copy_leading_one", lambda lib: lib.ones(2, 3).copy_(lib.ones(1, 2, 3))),
]


@pytest.mark.parametrize("fn", [f for _, f in INPLACE_ERRORS], ids=[n for n, _ in INPLACE_ERRORS])
def test_inplace_errors_match_torch(fn):
    ours, theirs = raises_like_torch(fn)
    assert theirs.split("  Target sizes")[0] in ours.replace("expand: ", "")


def test_split_outputs_cannot_be_changed_in_place_in_the_graph():
    ours, theirs = raises_like_torch(lambda lib: (lib.ones(4, requires_grad=True) * 1).split(2)[0].mul_(2))
    assert ours == theirs


def test_a_view_made_under_no_grad_cannot_be_changed_in_the_graph():
    def make(lib):
        x = lib.ones(4, requires_grad=True)
        y = x * 1
        with lib.no_grad():
            v = y[:2]
        v.mul_(x[:2])

    ours, theirs = raises_like_torch(make)
    assert ours == theirs


def test_an_output_saved_by_its_op_keeps_its_old_value():
    # PyTorch raises at backward here (exp saved its output, which add_ changed); chainrule
    # gives the saving node a private copy instead, so the gradient is still exp(x).
    x = chainrule.tensor([0.0, 1.0], requires_grad=True)
    y = x.exp()
    y.add_(1)
    y.sum().backward()
    assert np.allclose(x.grad.numpy(), np.exp([0.0, 1.0]))
    assert np.allclose(y.detach().numpy(), np.exp([0.0, 1.0]) + 1)


def test_second_derivative_through_a_rebased_history():
    x = chainrule.tensor(1.5, dtype=chainrule.float64, requires_grad=True)
    y = x * x
    y.mul_(x)  # y = x^3
    (dy,) = chainrule.autograd.grad(y, x, create_graph=True)
    (d2y,) = chainrule.autograd.grad(dy, x)
    assert dy.item() == pytest.approx(3 * 1.5**2) and d2y.item() == pytest.approx(6 * 1.5)


def test_views_made_before_an_inplace_change_of_their_base_follow_its_new_history():
    # PyTorch refuses to use split/unbind outputs here; chainrule gives them the new history.
    x = chainrule.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    y = x * 1
    first, second = y.split(2)
    last = y.unbind()[3]
    middle = y[1:3]
    y.mul_(chainrule.tensor([2.0, 3.0, 4.0, 5.0]))
    assert first.tolist() == [2.0, 6.0] and last.item() == 20.0
    (first.sum() + second.sum() * 10 + last * 100 + middle.sum() * 1000).backward()
    assert x.grad.tolist() == [2.0, 3003.0, 4040.0, 550.0]
