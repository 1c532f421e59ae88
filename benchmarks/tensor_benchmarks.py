"""Tensor engine speed, as ratios measured in one process (run: python benchmarks/tensor_benchmarks.py).

1. An MLP 784-256-256-10 training step (float32, softmax cross-entropy, SGD) at batch 32 and
   512: chainrule vs a hand-written NumPy forward/backward (the floor) vs PyTorch eager.
2. A chain of 1000 small adds, forward + backward: microseconds per op.
3. A 2048x2048 matmul forward + backward vs three NumPy matmuls (what it must compute).

Every library runs the same code (`lib` is chainrule or torch). BLAS and PyTorch are held to
one thread (threadpoolctl, torch.set_num_threads): on a small, shared machine, BLAS threads
spinning against other processes make timings swing tenfold, and one thread treats every
library alike. `--threads N` changes that. Ratios below 1 are faster.
"""

from __future__ import annotations

import argparse
import time
from typing import Callable

import numpy as np

import chainrule


def best_time(fn: Callable[[], object], repeats: int = 7, number: int = 1) -> float:
    """The fastest of ``repeats`` runs of ``number`` calls, in seconds per call (noisy machines)."""
    fn()  # warm up caches and lazy imports
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


_THREADS = 1


def _torch():
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(_THREADS)
    return torch


def _limit_blas_threads(threads: int):
    """Hold NumPy's BLAS to ``threads`` threads (a context manager; a no-op without threadpoolctl)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        import contextlib

        print("(threadpoolctl not installed: BLAS uses its default threads)")
        return contextlib.nullcontext()
    return threadpool_limits(limits=threads, user_api="blas")


# -- 1. MLP step ---------------------------------------------------------------------------


def _init_weights(seed: int = 0):
    rng = np.random.default_rng(seed)
    shapes = [(256, 784), (256,), (256, 256), (256,), (10, 256), (10,)]
    return [(rng.standard_normal(s) * 0.05).astype(np.float32) for s in shapes]


def mlp_step_factory(lib, batch: int, lr: float = 0.01):
    rng = np.random.default_rng(1)
    x = lib.tensor(rng.standard_normal((batch, 784)).astype(np.float32))
    y = lib.tensor(rng.integers(0, 10, batch).astype(np.int64))
    params = [lib.tensor(w, requires_grad=True) for w in _init_weights()]
    rows = lib.arange(batch)

    def step():
        w1, b1, w2, b2, w3, b3 = params
        h = (x @ w1.t() + b1).relu()
        h = (h @ w2.t() + b2).relu()
        logits = h @ w3.t() + b3
        loss = -logits.log_softmax(dim=1)[rows, y].mean()
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
        return loss

    return step


def numpy_mlp_step_factory(batch: int, lr: float = 0.01):
    """The floor: the same step written by hand with NumPy."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((batch, 784)).astype(np.float32)
    y = rng.integers(0, 10, batch)
    w1, b1, w2, b2, w3, b3 = _init_weights()
    rows = np.arange(batch)

    def step():
        nonlocal w1, b1, w2, b2, w3, b3
        z1 = x @ w1.T + b1
        a1 = np.maximum(z1, 0)
        z2 = a1 @ w2.T + b2
        a2 = np.maximum(z2, 0)
        logits = a2 @ w3.T + b3
        shifted = logits - logits.max(axis=1, keepdims=True)
        logp = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        loss = -logp[rows, y].mean()
        dlogits = np.exp(logp)
        dlogits[rows, y] -= 1
        dlogits /= batch
        dw3, db3 = dlogits.T @ a2, dlogits.sum(0)
        da2 = dlogits @ w3
        dz2 = da2 * (z2 > 0)
        dw2, db2 = dz2.T @ a1, dz2.sum(0)
        da1 = dz2 @ w2
        dz1 = da1 * (z1 > 0)
        dw1, db1 = dz1.T @ x, dz1.sum(0)
        w1 -= lr * dw1
        b1 -= lr * db1
        w2 -= lr * dw2
        b2 -= lr * db2
        w3 -= lr * dw3
        b3 -= lr * db3
        return loss

    return step


def bench_mlp(repeats: int) -> list[tuple[str, float]]:
    torch = _torch()
    rows = []
    for batch in (32, 512):
        number = 20 if batch == 32 else 5
        floor = best_time(numpy_mlp_step_factory(batch), repeats, number)
        ours = best_time(mlp_step_factory(chainrule, batch), repeats, number)
        line = f"MLP 784-256-256-10 step, batch {batch:>3}: numpy {floor * 1e3:7.3f} ms | chainrule {ours * 1e3:7.3f} ms ({ours / floor:.2f}x floor)"
        if torch is not None:
            theirs = best_time(mlp_step_factory(torch, batch), repeats, number)
            line += f" | torch {theirs * 1e3:7.3f} ms ({theirs / floor:.2f}x floor; chainrule/torch {ours / theirs:.2f})"
        print(line)
        rows.append((f"mlp_b{batch}", ours / floor))
    return rows


# -- 2. per-op overhead ---------------------------------------------------------------------


def add_chain_factory(lib, n: int = 1000):
    x = lib.ones(10, requires_grad=True)
    y = lib.ones(10)

    def run():
        z = x
        for _ in range(n):
            z = z + y
        z.sum().backward()
        x.grad = None

    return run


def bench_add_chain(repeats: int) -> list[tuple[str, float]]:
    torch = _torch()
    ours = best_time(add_chain_factory(chainrule), repeats) / 1000 * 1e6
    line = f"chain of 1000 adds (10 elements), forward+backward: chainrule {ours:.2f} us/op"
    rows = [("add_chain_us", ours)]
    if torch is not None:
        theirs = best_time(add_chain_factory(torch), repeats) / 1000 * 1e6
        line += f" | torch {theirs:.2f} us/op (ratio {ours / theirs:.2f})"
    print(line)
    return rows


# -- 3. big matmul -----------------------------------------------------------------------------


def bench_matmul(repeats: int, n: int = 2048) -> list[tuple[str, float]]:
    rng = np.random.default_rng(0)
    a_np = rng.standard_normal((n, n)).astype(np.float32)
    b_np = rng.standard_normal((n, n)).astype(np.float32)
    g_np = np.ones((n, n), dtype=np.float32)

    def three_numpy_matmuls():
        out = a_np @ b_np
        return out, g_np @ b_np.T, a_np.T @ g_np

    a = chainrule.tensor(a_np, requires_grad=True)
    b = chainrule.tensor(b_np, requires_grad=True)

    def ours_fn():
        out = a @ b
        out.backward(chainrule.tensor(g_np))
        a.grad = None
        b.grad = None

    floor = best_time(three_numpy_matmuls, repeats)
    ours = best_time(ours_fn, repeats)
    print(f"{n}x{n} matmul forward+backward: 3 numpy matmuls {floor * 1e3:.1f} ms | chainrule {ours * 1e3:.1f} ms ({ours / floor:.3f}x)")
    return [("matmul_ratio", ours / floor)]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--only", choices=["mlp", "add", "matmul"])
    parser.add_argument("--threads", type=int, default=1, help="BLAS and torch threads (default 1)")
    args = parser.parse_args(argv)
    global _THREADS
    _THREADS = args.threads
    with _limit_blas_threads(args.threads):
        if args.only in (None, "add"):
            bench_add_chain(args.repeats)
        if args.only in (None, "mlp"):
            bench_mlp(args.repeats)
        if args.only in (None, "matmul"):
            bench_matmul(max(3, args.repeats // 2))


if __name__ == "__main__":
    main()
