"""Robustness under load: deep graphs, long training, threads.

* a 10^6-node scalar graph (``--slow``; a 10^5-node one always) and a 10^5-op tensor chain;
* training steps with memory flat (tracemalloc: no growth once warm);
* gradients bit-identical on one thread and on four threads at once, each with its own graph;
* grad mode set in one thread never leaks into another.
"""

from __future__ import annotations

import gc
import threading
import tracemalloc

import numpy as np
import pytest

import chainrule as cr
from chainrule import Value
from chainrule._tensor import FUNCTIONS, Tensor

# -- deep graphs ------------------------------------------------------------------------------


def _scalar_chain(n: int) -> tuple[Value, Value]:
    x = Value(0.5)
    y = x
    for i in range(n):
        # Alternate ops so every node type's backward runs; the value stays bounded.
        y = y * 0.999999 + 1e-7 if i % 2 else (y + 1e-7) * 1.0
    return x, y


def _check_scalar_chain(n: int) -> None:
    x, y = _scalar_chain(n)
    y.backward()
    # d y / d x is the product of the multiplicative factors: 0.999999 ** (n // 2)
    assert x.grad == pytest.approx(0.999999 ** (n // 2), rel=1e-9)


def test_scalar_graph_of_100k_nodes():
    _check_scalar_chain(50_000)  # two nodes per step: 100k nodes


@pytest.mark.slow
def test_scalar_graph_of_a_million_nodes():
    _check_scalar_chain(500_000)


def test_scalar_graph_of_a_million_nodes_wide():
    """A million-node graph built as a sum of products (shallow, wide) backpropagates correctly."""
    xs = [Value(float(i % 7) / 7) for i in range(1000)]
    total = Value(0.0)
    for k in range(250):  # 250 * 1000 * 4 nodes ~ 10^6
        w = 1.0 + k * 1e-3
        for x in xs:
            total = total + x * w
    total.backward()
    assert xs[3].grad == pytest.approx(sum(1.0 + k * 1e-3 for k in range(250)), rel=1e-12)


def test_tensor_chain_of_100k_ops_backward():
    x = cr.tensor([0.5, -0.25], dtype=cr.float64, requires_grad=True)
    y = x
    for _ in range(50_000):
        y = y * 1.0000001
        y = y + 1e-9
    y.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1.0000001 ** 50_000, rtol=1e-9)


def test_deep_graph_is_freed_after_backward():
    x = cr.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0
    node = y.grad_fn
    y.sum().backward()
    assert node._saved is None  # released without retain_graph


# -- memory stays flat during training --------------------------------------------------------------


def _train_elementwise(steps: int, record_every: int) -> list[int]:
    """Fit y = tanh(w * x + b) by hand-written SGD; return traced memory every few steps."""
    rng = np.random.default_rng(0)
    x = cr.tensor(rng.standard_normal((64, 8)))
    target = cr.tensor(np.tanh(rng.standard_normal((64, 8))))
    w = cr.tensor(rng.standard_normal(8), requires_grad=True)
    b = cr.tensor(np.zeros(8), requires_grad=True)
    losses = []
    samples = []
    for step in range(steps):
        loss = ((cr.tanh(x * w + b) - target) ** 2).mean()
        loss.backward()
        with cr.no_grad():
            w -= 0.1 * w.grad
            b -= 0.1 * b.grad
        w.grad = None
        b.grad = None
        losses.append(loss.item())
        if step % record_every == 0:
            gc.collect()
            samples.append(tracemalloc.get_traced_memory()[0])
    return samples


def _growth_after_warmup(samples: list[int]) -> int:
    warm = samples[len(samples) // 4:]
    return max(warm) - warm[0]


def test_training_memory_is_flat_elementwise_model():
    tracemalloc.start()
    try:
        samples = _train_elementwise(steps=1000, record_every=50)
    finally:
        tracemalloc.stop()
    # A leaked graph would cost at least 4 KB of activations per step: 3 MB over these steps.
    assert _growth_after_warmup(samples) < 100_000, samples


def test_kept_losses_do_not_keep_their_activations():
    """Keeping finished losses keeps their (small) graph nodes, as in PyTorch, but not the arrays."""
    rng = np.random.default_rng(1)
    x = cr.tensor(rng.standard_normal((500, 200)))  # every activation: 800 KB
    w = cr.tensor(rng.standard_normal(200), requires_grad=True)
    kept = []
    tracemalloc.start()
    try:
        for step in range(30):
            loss = (cr.tanh(x * w).sigmoid() ** 2).mean()
            loss.backward()
            kept.append(loss)
            if step == 5:
                gc.collect()
                start = tracemalloc.get_traced_memory()[0]
        gc.collect()
        growth = tracemalloc.get_traced_memory()[0] - start
    finally:
        tracemalloc.stop()
    assert growth < 800_000, f"24 kept losses hold {growth} bytes: their activations were not released"


def _has_matmul() -> bool:
    return "matmul" in FUNCTIONS or hasattr(Tensor, "matmul")


@pytest.mark.skipif(not _has_matmul(), reason="nn.Linear needs matmul, which chainrule does not have yet")
def test_training_memory_is_flat_mlp_with_optimizer():
    from benchmarks.memory_soak import train

    tracemalloc.start()
    try:
        report = train(steps=300, sample_every=25, use_tracemalloc=True)
    finally:
        tracemalloc.stop()
    assert report.traced_growth_bytes < 100_000, report


# -- threads ---------------------------------------------------------------------------------------------


def _gradients(seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    a = cr.tensor(rng.standard_normal((8, 5)), requires_grad=True)
    b = cr.tensor(rng.standard_normal(5), requires_grad=True)
    y = a
    for _ in range(30):
        y = cr.tanh(y * b + a).sigmoid() * 1.5 - cr.exp(-y * y)
    y.sum().backward()
    return [a.grad.numpy().copy(), b.grad.numpy().copy()]


def test_gradients_identical_on_one_thread_and_on_four_at_once():
    expected = {seed: _gradients(seed) for seed in range(4)}
    results: dict = {}
    barrier = threading.Barrier(4)

    def work(seed: int) -> None:
        barrier.wait()
        for _ in range(5):  # several rounds, so the threads' graphs really interleave
            results.setdefault(seed, []).append(_gradients(seed))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seed, rounds in results.items():
        assert len(rounds) == 5
        for grads in rounds:
            for got, want in zip(grads, expected[seed]):
                np.testing.assert_array_equal(got, want)


def test_no_grad_in_one_thread_does_not_leak_into_another():
    entered, checked = threading.Event(), threading.Event()
    seen: dict = {}

    def quiet() -> None:
        with cr.no_grad():
            entered.set()
            checked.wait(10)
            seen["inside"] = (cr.ones(1, requires_grad=True) * 2).requires_grad

    def busy() -> None:
        entered.wait(10)
        seen["other"] = (cr.ones(1, requires_grad=True) * 2).requires_grad
        seen["other_enabled"] = cr.is_grad_enabled()
        checked.set()

    threads = [threading.Thread(target=quiet), threading.Thread(target=busy)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"inside": False, "other": True, "other_enabled": True}
    assert cr.is_grad_enabled()


def test_set_grad_enabled_false_in_a_thread_stays_there():
    done = threading.Event()

    def switch_off() -> None:
        cr.set_grad_enabled(False)
        done.set()

    t = threading.Thread(target=switch_off)
    t.start()
    t.join()
    assert done.is_set() and cr.is_grad_enabled()


def test_gradcheck_in_one_thread_while_another_trains():
    """gradcheck's culprit search wraps Op.apply for a moment; other threads must be unaffected."""
    from chainrule.autograd import Function
    from chainrule.autograd.gradcheck import GradcheckError, gradcheck

    class Wrong(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 3

        @staticmethod
        def backward(ctx, grad):
            return grad * 2

    stop = threading.Event()
    failures: list = []

    def train() -> None:
        expected = _gradients(7)
        while not stop.is_set():
            for got, want in zip(_gradients(7), expected):
                if not np.array_equal(got, want):
                    failures.append("gradients changed while gradcheck ran")

    trainer = threading.Thread(target=train)
    trainer.start()
    try:
        for _ in range(5):
            x = cr.tensor([0.3, 0.6], dtype=cr.float64, requires_grad=True)
            with pytest.raises(GradcheckError) as info:
                gradcheck(lambda t: Wrong.apply(t.tanh()), (x,))
            assert info.value.culprit.name == "WrongBackward"
    finally:
        stop.set()
        trainer.join()
    assert not failures
    from chainrule.autograd.node import Op

    assert "__wrapped_classmethod__" not in vars(type(Op.__dict__["apply"]))  # unwrapped again
    assert not hasattr(Op.__dict__["apply"], "__wrapped_classmethod__")
