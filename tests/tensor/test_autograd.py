"""The autograd engine: backward, grad, memory release, hooks, custom Functions, grad modes."""

from __future__ import annotations

import gc
import threading
import weakref

import numpy as np
import pytest

import chainrule as torch
from chainrule.autograd import Function, Variable


def test_backward_accumulates_into_leaves_and_keeps_non_leaf_grads_empty():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    y.sum().backward()
    y2 = x * 3
    y2.sum().backward()
    assert x.grad.tolist() == [5.0, 7.0]
    assert y.grad is None and y.is_leaf is False and x.is_leaf


def test_retain_grad_keeps_an_intermediate_gradient():
    x = torch.tensor(2.0, requires_grad=True)
    y = x * 3
    y.retain_grad()
    (y * y).backward()
    assert y.grad.item() == 12.0 and x.grad.item() == 36.0


def test_x_times_x_counts_both_uses():
    x = torch.tensor(3.0, requires_grad=True)
    (x * x).backward()
    assert x.grad.item() == 6.0


def test_second_backward_through_a_freed_graph_raises_pytorchs_error():
    x = torch.tensor(2.0, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="Trying to backward through the graph a second time"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = torch.tensor(2.0, requires_grad=True)
    y = x * x
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.item() == 8.0


def test_a_kept_loss_does_not_keep_its_activations_alive():
    x = torch.randn(64, 64, requires_grad=True)
    hidden = (x * 2).tanh()
    probe = weakref.ref(hidden)
    loss = (hidden * hidden).sum()
    del hidden
    assert probe() is not None  # saved for backward
    loss.backward()
    assert probe() is None, "backward must release the arrays the graph saved"
    losses = [loss]  # keeping the finished loss alive is fine
    assert losses[0].grad_fn is not None


def test_graphs_are_freed_by_reference_counting_without_gc():
    gc.disable()
    try:
        x = torch.randn(10, requires_grad=True)
        y = x
        for _ in range(100):
            y = (y * 1.01).tanh()
        probe = weakref.ref(y.grad_fn)
        del y
        assert probe() is None, "a dropped graph must be freed at once (no reference cycles)"
    finally:
        gc.enable()


def test_a_recorded_op_keeps_few_objects_for_the_garbage_collector():
    # Every object a graph keeps alive is scanned by Python's collector: it was about 15 % of
    # the per-op cost with ~12 objects per op. Now: node, output tensor, its weak reference,
    # the tuple of input nodes, the output shape (benchmarks/tensor_benchmarks.py --only add).
    x = torch.ones(10, requires_grad=True)
    y = torch.ones(10)
    z = x + y
    gc.collect()
    before = len(gc.get_objects())
    for _ in range(1000):
        z = z + y
    per_op = (len(gc.get_objects()) - before) / 1000
    assert per_op <= 5.05, f"{per_op:.2f} GC-tracked objects per recorded a + b"


def test_long_chain_backward_is_iterative():
    x = torch.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1e-6
    y.backward()
    assert x.grad.item() == 1.0


def test_non_scalar_backward_needs_a_gradient():
    x = torch.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        (x * 2).backward()
    (x * 2).backward(torch.tensor([1.0, 2.0, 3.0]))
    assert x.grad.tolist() == [2.0, 4.0, 6.0]


def test_backward_on_a_tensor_without_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad and does not have a grad_fn"):
        torch.tensor(1.0).backward()


def test_integer_tensors_cannot_require_grad():
    with pytest.raises(RuntimeError, match="only Tensors of floating point and complex dtype can require gradients"):
        torch.tensor([1, 2], requires_grad=True)


def test_broadcast_gradients_are_summed_back_to_the_input_shape():
    a = torch.ones(3, 1, requires_grad=True)
    b = torch.ones(4, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.shape == (3, 1) and a.grad.tolist() == [[4.0]] * 3
    assert b.grad.tolist() == [3.0] * 4


def test_higher_order_gradients():
    x = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    (d1,) = torch.autograd.grad(x.tanh(), x, create_graph=True)
    (d2,) = torch.autograd.grad(d1, x, create_graph=True)
    (d3,) = torch.autograd.grad(d2, x)
    t = np.tanh(0.5)
    assert np.isclose(d1.item(), 1 - t**2)
    assert np.isclose(d2.item(), -2 * t * (1 - t**2))
    assert np.isclose(d3.item(), (1 - t**2) * (6 * t**2 - 2))
    y = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (g,) = torch.autograd.grad(y**3, y, create_graph=True)
    (h,) = torch.autograd.grad(g, y)
    assert g.item() == 12.0 and h.item() == 12.0


def test_grad_does_not_touch_leaf_grads_and_reports_unused_inputs():
    x = torch.tensor(1.0, requires_grad=True)
    z = torch.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="appears to not have been used"):
        torch.autograd.grad(x * 2, [x, z])
    gx, gz = torch.autograd.grad(x * 2, [x, z], allow_unused=True)
    assert gx.item() == 2.0 and gz is None and x.grad is None


def test_hooks_can_replace_gradients():
    x = torch.tensor(1.0, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g * 10)
    seen = []
    x.register_hook(lambda g: seen.append(g.item()))
    y.backward()
    assert x.grad.item() == 20.0 and seen == [20.0]


def test_custom_function_forward_and_backward():
    class Cube(Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x**3

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * 3 * x**2

    x = torch.tensor(2.0, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn.name() == "CubeBackward"
    y.backward()
    assert x.grad.item() == 12.0


def test_custom_function_with_wrong_number_of_gradients_is_named():
    class Bad(Function):
        @staticmethod
        def forward(ctx, x, y):
            return x * y

        @staticmethod
        def backward(ctx, grad):
            return grad

    x = torch.tensor(1.0, requires_grad=True)
    with pytest.raises(RuntimeError, match="BadBackward returned an incorrect number of gradients"):
        Bad.apply(x, x).backward()


def test_inplace_modification_of_a_saved_tensor_is_detected():
    a = torch.tensor([1.0, 2.0], requires_grad=True)
    b = a * 1
    c = b * b
    b.add_(1)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        c.sum().backward()


def test_inplace_on_a_leaf_that_requires_grad_is_refused():
    w = torch.tensor([1.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad is being used in an in-place operation"):
        w.add_(1)
    with torch.no_grad():
        w.add_(1)
    assert w.tolist() == [2.0]


def test_no_grad_is_a_context_manager_and_a_decorator_and_thread_local():
    x = torch.ones(1, requires_grad=True)
    with torch.no_grad():
        assert not (x * 2).requires_grad

    @torch.no_grad()
    def f():
        return x * 2

    assert not f().requires_grad
    assert (x * 2).requires_grad
    seen = {}

    def other_thread():
        seen["enabled"] = torch.is_grad_enabled()

    with torch.no_grad():
        t = threading.Thread(target=other_thread)
        t.start()
        t.join()
    assert seen["enabled"] is True


def test_set_grad_enabled_as_a_call_and_a_context():
    with torch.set_grad_enabled(False):
        assert not torch.is_grad_enabled()
    assert torch.is_grad_enabled()
    torch.set_grad_enabled(False)
    try:
        assert not torch.is_grad_enabled()
    finally:
        torch.set_grad_enabled(True)


def test_variable_and_data_setter_keep_grad_state():
    w = Variable(torch.Tensor([1.0]), requires_grad=True)
    (w * 3).backward()
    w.data = w.data - 0.01 * w.grad.data
    assert w.requires_grad and w.grad.tolist() == [3.0]
    w.grad.data.zero_()
    assert w.grad.tolist() == [0.0]
    assert abs(w.item() - 0.97) < 1e-6


def test_dtype_promotion_follows_pytorch():
    f32 = torch.ones(2)
    assert (f32 * 0.01).dtype == torch.float32
    assert (torch.tensor([1, 2]) / 2).dtype == torch.float32
    assert (torch.tensor([1, 2]) * 2.5).dtype == torch.float32
    assert (torch.tensor([1, 2]) * 2).dtype == torch.int64
    assert (f32 * torch.tensor(2.0, dtype=torch.float64)).dtype == torch.float32
    assert (f32 * torch.ones(2, dtype=torch.float64)).dtype == torch.float64
    assert (torch.tensor([True]) + 1).dtype == torch.int64


def test_gradient_dtype_matches_the_input_after_promotion():
    a = torch.ones(2, dtype=torch.float32, requires_grad=True)
    b = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == torch.float32 and b.grad.dtype == torch.float64
    assert b.grad.item() == 2.0


def test_device_idiom_runs_on_the_cpu():
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    x = torch.ones(2).to(device)
    assert str(x.device) == "cpu" and x.device == torch.device("cpu")
    with pytest.raises(RuntimeError, match="live on the CPU"):
        x.to("cuda")


def test_leaf_gradients_never_alias_each_other_or_the_callers_tensors():
    a = torch.ones(3, requires_grad=True)
    b = torch.ones(3, requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    seed = torch.ones(3)
    w = torch.ones(3, requires_grad=True)
    (w + 0).backward(seed)
    w.grad.add_(1)
    assert seed.tolist() == [1.0, 1.0, 1.0], "w.grad must not share memory with the gradient passed in"
    kept = torch.full((3,), 5.0)
    v = torch.ones(3, requires_grad=True)
    v.register_hook(lambda g: kept)
    (v * 2).sum().backward()
    v.grad.add_(1)
    assert kept.tolist() == [5.0, 5.0, 5.0], "v.grad must not share memory with a hook's result"
    u = torch.ones(3, requires_grad=True)
    (u * 2).sum().backward()
    first = u.grad
    (u * 2).sum().backward()
    assert first is u.grad and u.grad.tolist() == [4.0, 4.0, 4.0]


def test_a_none_gradient_does_not_cut_off_other_paths():
    class FirstInputGetsNone(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return None, grad

    x = torch.ones(2, requires_grad=True)
    y = x * 2
    FirstInputGetsNone.apply(y, x).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]
    z = torch.ones(2, requires_grad=True)
    w = z * 3
    FirstInputGetsNone.apply(w, z).sum().backward()
    (w.sum()).backward()  # the part of the graph that got no gradient was not run, so still usable
    assert z.grad.tolist() == [4.0, 4.0]


def test_modifying_a_saved_output_in_place_is_detected():
    x = torch.tensor([0.5, 1.0], requires_grad=True)
    y = x.exp()
    y.detach().mul_(2)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.sum().backward()


def test_a_gradient_view_is_never_adopted_when_its_memory_is_shared():
    kept = torch.ones(2, 3)
    w = torch.ones(3, 2, requires_grad=True)
    w.register_hook(lambda g: kept.t())  # a view of a tensor the caller keeps
    (w * 1).sum().backward()
    w.grad.add_(1)
    assert kept.tolist() == [[1.0] * 3] * 2
    m = torch.ones(3, 2, requires_grad=True)
    (torch.ones(4, 2) @ m.t()).sum().backward()  # m's gradient arrives as a transposed view
    assert m.grad.tolist() == [[4.0, 4.0]] * 3


def test_torch_utils_data_path_is_chainrule_data():
    from chainrule.utils.data import DataLoader, TensorDataset

    loader = DataLoader(TensorDataset(torch.arange(4.0)), batch_size=2)
    assert [batch[0].tolist() for batch in loader] == [[0.0, 1.0], [2.0, 3.0]]
    assert torch.utils.data.DataLoader is DataLoader


def test_no_submodule_shadows_a_public_name():
    import pkgutil

    import chainrule
    from chainrule._tensor import FUNCTIONS

    modules = {m.name for m in pkgutil.iter_modules(chainrule.__path__)}
    clashes = modules & (set(FUNCTIONS) | set(chainrule._LAZY))
    assert not clashes, f"importing these submodules would replace the public names: {clashes}"


@pytest.mark.parametrize("name", ["exp", "relu", "abs", "sign", "sigmoid", "sqrt"])
def test_unary_functions_take_tensors_only_as_in_torch(name):
    with pytest.raises(TypeError, match=rf"{name}\(\): argument 'input' \(position 1\) must be Tensor, not float"):
        getattr(torch, name)(2.0)


def test_sign_of_a_bool_tensor_is_the_tensor():
    flags = torch.tensor([True, False])
    assert torch.sign(flags).tolist() == [True, False] and torch.sign(flags).dtype == torch.bool
