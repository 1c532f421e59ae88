"""Convolution speed, as ratios to PyTorch measured in one process (run: python benchmarks/conv_benchmarks.py).

Each case times ``conv2d(x, w, ...).sum().backward()`` (forward, the input and weight
gradients) for chainrule and for PyTorch eager, on the same float32 arrays. BLAS and PyTorch
are held to one thread, as in tensor_benchmarks.py. Ratios above 1 mean chainrule is slower.
"""

from __future__ import annotations

import argparse

import numpy as np

import chainrule
from tensor_benchmarks import _limit_blas_threads, _torch, best_time

# (label, input shape, weight shape, options)
CASES = [
    ("MNIST-sized, 5x5", (64, 1, 28, 28), (8, 1, 5, 5), dict()),
    ("CIFAR stem, 3x3", (32, 3, 32, 32), (16, 3, 3, 3), dict(padding=1)),
    ("mid layer, 3x3", (16, 32, 32, 32), (32, 32, 3, 3), dict(padding=1)),
    ("grouped, 4 groups", (16, 32, 32, 32), (32, 8, 3, 3), dict(padding=1, groups=4)),
    ("depthwise, 1 filter per channel", (16, 32, 32, 32), (32, 1, 3, 3), dict(padding=1, groups=32)),
    ("depthwise, 2 filters per channel", (16, 32, 32, 32), (64, 1, 3, 3), dict(padding=1, groups=32)),
    ("strided 3x3", (16, 32, 32, 32), (64, 32, 3, 3), dict(stride=2, padding=1)),
]


def conv_step_factory(lib, x: np.ndarray, w: np.ndarray, options: dict):
    functional = lib.nn.functional
    inputs = lib.tensor(x, requires_grad=True)
    weight = lib.tensor(w, requires_grad=True)

    def step():
        functional.conv2d(inputs, weight, **options).sum().backward()
        inputs.grad = None
        weight.grad = None

    return step


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    torch = _torch()
    rng = np.random.default_rng(0)
    with _limit_blas_threads(1):
        for label, x_shape, w_shape, options in CASES:
            x = rng.standard_normal(x_shape).astype(np.float32)
            w = rng.standard_normal(w_shape).astype(np.float32)
            ours = best_time(conv_step_factory(chainrule, x, w, options), args.repeats)
            line = f"{label:34s} x {str(x_shape):17s} w {str(w_shape):15s} chainrule {ours * 1e3:7.2f} ms"
            if torch is not None:
                theirs = best_time(conv_step_factory(torch, x, w, options), args.repeats)
                line += f" | torch {theirs * 1e3:7.2f} ms (ratio {ours / theirs:.2f})"
            print(line)


if __name__ == "__main__":
    main()
