"""The engine after its per-op rewrite, against torch 2.13: multi-output nodes and their hooks,
hook results, retain_grad across in-place writes, custom Functions' saved tensors, and a
leaf's ``.data`` swapped between forward and backward.

Each case runs the same code with ``lib = chainrule`` and ``lib = torch`` and compares the
gradients, or the error (type and message).
"""

from __future__ import annotations

import numpy as np
import pytest

import chainrule

torch = pytest.importorskip("torch")


def _outcome(case, lib):
    try:
        result = case(lib)
    except Exception as error:  # the error itself is the outcome to compare
        return ("error", type(error).__name__, str(error))
    return ("value", _plain(result))


def _plain(value):
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    array = value.detach().numpy()
    return (tuple(array.shape), str(array.dtype), array.tolist())


def _same_as_torch(case):
    ours, theirs = _outcome(case, chainrule), _outcome(case, torch)
    assert ours == theirs


def _error_of(case, lib):
    outcome = _outcome(case, lib)
    assert outcome[0] == "error", outcome
    return outcome


# -- hooks and retain_grad on output k > 0 of a multi-output node ---------------------------


def _split_hook_replaces_output_1(lib):
    x = lib.arange(4.0, requires_grad=True)
    a, b = x.split(2)
    b.register_hook(lambda g: g * 10)
    (b * 3 + a).sum().backward()
    return x.grad


def _split_hooks_see_their_own_gradient(lib):
    x = lib.arange(4.0, requires_grad=True)
    a, b = x.split(2)
    seen = []
    b.register_hook(lambda g: seen.append(("b", None if g is None else g.tolist())))
    a.register_hook(lambda g: seen.append(("a", None if g is None else g.tolist())))
    (b * 3).sum().backward()
    return x.grad, seen


def _retain_grad_on_unbind_outputs(lib):
    x = lib.arange(6.0, requires_grad=True).reshape(3, 2)
    a, b, c = x.unbind(0)
    b.retain_grad()
    c.retain_grad()
    (b * 3 + a).sum().backward()
    return b.grad, c.grad, a.retains_grad, b.retains_grad


def _custom_function_second_output_hooked_and_retained(lib):
    class Two(lib.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2, x * 3

        @staticmethod
        def backward(ctx, g1, g2):
            return g1 * 2 + g2 * 3

    x = lib.tensor([1.0, 2.0], requires_grad=True)
    a, b = Two.apply(x)
    b.retain_grad()
    b.register_hook(lambda g: g * 10)
    (b * b + a).sum().backward()
    return x.grad, b.grad


@pytest.mark.parametrize("case", [
    _split_hook_replaces_output_1,
    _split_hooks_see_their_own_gradient,
    _retain_grad_on_unbind_outputs,
    _custom_function_second_output_hooked_and_retained,
])
def test_hooks_and_retain_grad_belong_to_their_own_output_of_a_multi_output_node(case):
    _same_as_torch(case)


# -- what a hook may return -------------------------------------------------------------------


def _hook_on_a_non_leaf(returned):
    def case(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp()
        y.register_hook(lambda g: returned(g))
        (y * 3).sum().backward()
        return x.grad
    return case


def _hook_on_a_leaf(returned):
    def case(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: returned(g))
        (x * 3).sum().backward()
        return x.grad
    return case


@pytest.mark.parametrize("returned", [
    lambda g: g.double(),  # another dtype
    lambda g: g[:1],  # a shape that would broadcast
    lambda g: g.reshape(1, 2),  # a shape that would sum back
    lambda g: g.sum(),  # 0-d
    lambda g: 3,  # not a tensor
], ids=["dtype", "prefix", "unsqueezed", "0-d", "int"])
@pytest.mark.parametrize("where", [_hook_on_a_non_leaf, _hook_on_a_leaf], ids=["non-leaf", "leaf"])
def test_a_hook_that_changes_the_gradients_dtype_or_shape_raises_torchs_error(returned, where):
    case = where(returned)
    assert _error_of(case, chainrule) == _error_of(case, torch)


def test_a_hook_cannot_replace_a_missing_gradient():
    def case(lib):
        x = lib.ones(4, requires_grad=True)
        a, b = x.split(2)
        a.register_hook(lambda g: lib.ones(2))
        (b * 2).sum().backward()

    assert _error_of(case, chainrule) == _error_of(case, torch)


def test_a_hooks_name_is_in_the_message():
    def case(lib):
        x = lib.ones(2, requires_grad=True)

        def halve_and_widen(g):
            return g.double() / 2

        x.register_hook(halve_and_widen)
        (x * 2).sum().backward()

    assert "hook 'halve_and_widen' has changed the type" in _error_of(case, chainrule)[2]
    assert _error_of(case, chainrule) == _error_of(case, torch)


def test_autograd_grad_for_a_leaf_applies_the_leafs_hooks():
    def case(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        x.register_hook(lambda g: g * 10)
        return lib.autograd.grad((x * x).sum(), x)

    _same_as_torch(case)


# -- retain_grad across in-place writes ---------------------------------------------------------


def test_retain_grad_follows_the_tensor_through_an_in_place_write():
    def case(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: g * 10)  # stays with the old value
        y.retain_grad()
        y.add_(1)
        y.register_hook(lambda g: g * 100)
        (y * 3).sum().backward()
        return x.grad, y.grad, y.retains_grad

    _same_as_torch(case)


def test_retain_grad_on_a_base_follows_a_write_through_its_view():
    def case(lib):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y[:1].mul_(10)
        (y * 3).sum().backward()
        return x.grad, y.grad, y.retains_grad

    _same_as_torch(case)


# -- custom Functions: saved tensors -----------------------------------------------------------


def test_writing_into_a_custom_functions_saved_output_is_an_error():
    def case(lib):
        class Exp(lib.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                result = i.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad):
                (result,) = ctx.saved_tensors
                return grad * result

        x = lib.tensor([0.0, 1.0], requires_grad=True)
        y = Exp.apply(x)
        y.mul_(2)
        y.sum().backward()
        return x.grad

    ours = _error_of(case, chainrule)
    assert ours[1] == "RuntimeError"
    assert "modified by an inplace operation" in ours[2] and "is at version 1; expected version 0" in ours[2]
    assert _error_of(case, torch)[1] == "RuntimeError"


def test_a_second_save_for_backward_is_version_checked_on_its_own():
    def case(lib):
        class Product(lib.autograd.Function):
            @staticmethod
            def forward(ctx, a, b):
                ctx.save_for_backward(a)
                ctx.save_for_backward(b)  # replaces the first
                return a * b

            @staticmethod
            def backward(ctx, grad):
                (b,) = ctx.saved_tensors
                return grad * b, None

        a = lib.tensor([1.0, 2.0], requires_grad=True)
        a2 = a * 1
        a2.add_(1)  # at version 1 when first saved
        b = lib.tensor([3.0, 4.0])
        y = Product.apply(a2, b)
        b.add_(1)
        y.sum().backward()
        return a.grad

    assert _error_of(case, chainrule) == _error_of(case, torch)


# -- a leaf's .data replaced between forward and backward --------------------------------------


@pytest.mark.parametrize("old_shape, new_shape", [((3,), (2, 3)), ((2, 3), (1, 3)), ((3,), (1,)), ((2, 3), (3,))])
def test_a_leaf_whose_data_changed_shape_after_the_forward_pass_gets_no_summed_gradient(old_shape, new_shape):
    w = chainrule.ones(*old_shape, requires_grad=True)
    y = (w * chainrule.arange(float(np.prod(old_shape))).reshape(old_shape)).sum()
    w.data = chainrule.zeros(*new_shape)
    with pytest.raises(RuntimeError, match="its .data was replaced after the graph was recorded"):
        y.backward()


def test_a_leaf_whose_data_changed_dtype_gets_its_gradient_in_the_new_dtype():
    w = chainrule.ones(3, requires_grad=True)
    y = (w * 2).sum()
    w.data = chainrule.zeros(3, dtype=chainrule.float64)
    y.backward()
    assert w.grad.dtype == chainrule.float64 and w.grad.tolist() == [2.0, 2.0, 2.0]


def test_a_graph_recorded_after_data_changed_shape_uses_the_new_shape_while_an_old_graph_lives():
    w = chainrule.ones(3, requires_grad=True)
    old_loss = (w * 2).sum()
    old_loss.backward(retain_graph=True)
    w.grad = None
    w.data = chainrule.ones(2, 3)
    (w * 3).sum().backward()
    assert w.grad.shape == (2, 3) and w.grad.tolist() == [[3.0] * 3] * 2
    assert old_loss.grad_fn is not None


def test_module_double_while_an_old_graph_lives_gives_float64_gradients():
    def case(lib):
        lib.manual_seed(0)
        m = lib.nn.Linear(2, 1)
        x = lib.ones(1, 2)
        old_loss = m(x).sum()
        old_loss.backward()
        m.double()
        m.zero_grad()
        m(x.double()).sum().backward()
        return m.weight.grad.dtype == lib.float64, m.bias.grad.dtype == lib.float64

    _same_as_torch(case)


# -- threads ------------------------------------------------------------------------------------


def test_a_backward_pass_in_another_thread_does_not_let_a_leaf_adopt_a_root_gradient():
    import threading

    a_running, b_waiting, a_done = threading.Event(), threading.Event(), threading.Event()

    def thread_a():  # a pass that starts first and ends while thread b's pass runs
        x = chainrule.tensor([1.0], requires_grad=True)
        y = x * 2
        y.register_hook(lambda g: (a_running.set(), b_waiting.wait(5)) and None)
        y.sum().backward()
        a_done.set()

    result = {}

    def thread_b():
        w = chainrule.tensor([1.0, 2.0], requires_grad=True)
        w.register_hook(lambda g: (b_waiting.set(), a_done.wait(5)) and None)
        g = chainrule.tensor([5.0, 5.0])
        a_running.wait(5)  # thread a's pass began first and ends inside this one
        w.backward(g)
        g.add_(100)  # the user's tensor: w.grad must not be its memory
        result["grad"] = w.grad.tolist()

    a = threading.Thread(target=thread_a)
    b = threading.Thread(target=thread_b)
    a.start()
    b.start()
    a.join()
    b.join()
    assert result["grad"] == [5.0, 5.0]


# -- grad_fn.register_hook / register_prehook: torch's node-hook API -----------------------


def _node_hook_trace(lib):
    seen = []
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    c = lib.tensor([3.0, 4.0])
    y = x * c

    def post(grad_inputs, grad_outputs):
        seen.append(("post", [None if g is None else g.tolist() for g in grad_inputs],
                     [g.tolist() for g in grad_outputs]))
        return (grad_inputs[0] * 10, None)

    def pre(grad_outputs):
        seen.append(("pre", [g.tolist() for g in grad_outputs]))
        return (grad_outputs[0] * 2,)

    y.grad_fn.register_hook(post)
    handle = y.grad_fn.register_prehook(pre)
    accumulate = y.grad_fn.next_functions[0][0]
    accumulate.register_prehook(lambda grad_outputs: seen.append(("leaf pre", grad_outputs[0].tolist())))
    accumulate.register_hook(lambda grad_inputs, grad_outputs: seen.append(
        ("leaf post", list(grad_inputs), grad_outputs[0].tolist())))
    y.sum().backward()
    handle.remove()
    (x * c).sum().backward()  # a new graph: the node hooks were on the old MulBackward0 only
    return seen, x.grad.tolist()


def test_node_hooks_see_and_replace_gradients_as_in_torch():
    torch = pytest.importorskip("torch")
    assert _node_hook_trace(chainrule) == _node_hook_trace(torch)


def test_a_node_prehook_returning_the_wrong_count_is_refused_as_in_torch():
    torch = pytest.importorskip("torch")
    messages = []
    for lib in (chainrule, torch):
        x = lib.ones(2, requires_grad=True)
        y = x * 2

        def bad(grad_outputs):
            return (grad_outputs[0], grad_outputs[0])

        y.grad_fn.register_prehook(bad)
        with pytest.raises(RuntimeError) as error:
            y.sum().backward()
        messages.append(str(error.value))
    assert messages[0] == messages[1]
