"""Small data sets made on the spot (no download): moons, circles, spirals, blobs, a linear trend.

Each returns ``(X, y)``: float features of the default dtype (float32) and int64 class
labels (float targets for regression). Points come from chainrule's random generator,
so ``manual_seed`` (or ``generator=``) makes a data set repeatable.
"""

from __future__ import annotations

import math

import numpy as np

from chainrule import dtypes
from chainrule._tensor import Tensor
from chainrule.random import Generator, _rng


def _features(array: np.ndarray) -> Tensor:
    return Tensor._wrap(np.ascontiguousarray(array, dtype=dtypes.get_default_dtype().numpy))


def _shuffled(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> tuple[Tensor, Tensor]:
    order = rng.permutation(len(x))
    return _features(x[order]), Tensor._wrap(np.ascontiguousarray(y[order]))


def _check_count(n_samples: int, name: str, minimum: int = 1) -> None:
    if not isinstance(n_samples, int) or n_samples < minimum:
        raise ValueError(f"{name}: n_samples must be an integer >= {minimum}, got {n_samples!r}")


def make_moons(n_samples: int = 100, noise: float = 0.0, generator: Generator | None = None
               ) -> tuple[Tensor, Tensor]:
    """Two interleaving half circles (scikit-learn's layout): class 0 on top, class 1 below.

    >>> import chainrule as torch
    >>> X, y = torch.data.make_moons(200, noise=0.1, generator=torch.Generator().manual_seed(0))
    >>> X.shape, y.shape, y.sum().item()
    (torch.Size([200, 2]), torch.Size([200]), 100)
    """
    _check_count(n_samples, "make_moons", 2)
    rng = _rng(generator)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, math.pi, n_outer)
    inner = np.linspace(0, math.pi, n_inner)
    x = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], 1),
                        np.stack([1 - np.cos(inner), 0.5 - np.sin(inner)], 1)])
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_inner, np.int64)])
    x = x + rng.normal(0.0, noise, size=x.shape) if noise else x
    return _shuffled(x, y, rng)


def make_circles(n_samples: int = 100, noise: float = 0.0, factor: float = 0.5, generator: Generator | None = None
                 ) -> tuple[Tensor, Tensor]:
    """A circle of radius 1 (class 0) around a circle of radius ``factor`` (class 1)."""
    _check_count(n_samples, "make_circles", 2)
    if not 0 <= factor < 1:
        raise ValueError(f"make_circles: factor has to be between 0 and 1, got {factor}")
    rng = _rng(generator)
    n_outer = n_samples // 2
    n_inner = n_samples - n_outer
    outer = np.linspace(0, 2 * math.pi, n_outer, endpoint=False)
    inner = np.linspace(0, 2 * math.pi, n_inner, endpoint=False)
    x = np.concatenate([np.stack([np.cos(outer), np.sin(outer)], 1),
                        factor * np.stack([np.cos(inner), np.sin(inner)], 1)])
    y = np.concatenate([np.zeros(n_outer, np.int64), np.ones(n_inner, np.int64)])
    x = x + rng.normal(0.0, noise, size=x.shape) if noise else x
    return _shuffled(x, y, rng)


def make_spirals(n_samples: int = 300, noise: float = 0.2, n_classes: int = 3, turns: float = 1.5,
                 generator: Generator | None = None) -> tuple[Tensor, Tensor]:
    """``n_classes`` spiral arms winding out from the centre (the classic non-linear toy problem).

    Arm k starts at angle 2πk/n_classes; its points wind ``turns`` times as the radius goes
    from 0 to 1. ``noise`` is the standard deviation of the angle jitter, in radians.
    """
    _check_count(n_samples, "make_spirals", n_classes)
    rng = _rng(generator)
    counts = [n_samples // n_classes + (1 if k < n_samples % n_classes else 0) for k in range(n_classes)]
    xs, ys = [], []
    for k, count in enumerate(counts):
        radius = np.linspace(0.05, 1.0, count)
        angle = 2 * math.pi * (k / n_classes + turns * radius) + rng.normal(0.0, noise, size=count) * radius
        xs.append(np.stack([radius * np.cos(angle), radius * np.sin(angle)], 1))
        ys.append(np.full(count, k, dtype=np.int64))
    return _shuffled(np.concatenate(xs), np.concatenate(ys), rng)


def make_blobs(n_samples: int = 100, centers: int = 3, n_features: int = 2, cluster_std: float = 1.0,
               center_box: tuple[float, float] = (-10.0, 10.0), generator: Generator | None = None
               ) -> tuple[Tensor, Tensor]:
    """Gaussian clusters around ``centers`` random centres drawn uniformly from ``center_box``."""
    _check_count(n_samples, "make_blobs", 1)
    rng = _rng(generator)
    middles = rng.uniform(center_box[0], center_box[1], size=(centers, n_features))
    counts = [n_samples // centers + (1 if k < n_samples % centers else 0) for k in range(centers)]
    x = np.concatenate([rng.normal(middles[k], cluster_std, size=(count, n_features))
                        for k, count in enumerate(counts)])
    y = np.concatenate([np.full(count, k, dtype=np.int64) for k, count in enumerate(counts)])
    return _shuffled(x, y, rng)


def make_linear_regression(n_samples: int = 100, n_features: int = 1, noise: float = 0.1, bias: float = 0.5,
                           generator: Generator | None = None) -> tuple[Tensor, Tensor, Tensor]:
    """``y = X @ w + bias + noise`` with X ~ N(0, 1) and true weights of size 0.5 to 2, either sign.

    Returns ``(X, y, w)``: y has shape (n_samples, 1), so it matches ``Linear(n_features, 1)``'s output.
    """
    _check_count(n_samples, "make_linear_regression", 1)
    rng = _rng(generator)
    # bounded away from 0, so every feature matters and a fit has something to find
    weights = rng.uniform(0.5, 2.0, size=(n_features, 1)) * rng.choice([-1.0, 1.0], size=(n_features, 1))
    x = rng.normal(size=(n_samples, n_features))
    y = x @ weights + bias + rng.normal(0.0, noise, size=(n_samples, 1))
    return _features(x), _features(y), _features(weights)
