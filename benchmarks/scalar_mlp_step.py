"""One training step of micrograd's demo, timed for chainrule and micrograd in one process.

The demo (micrograd's demo.ipynb): an MLP(2, [16, 16, 1]) classifies 100 two-moons
points; the loss is the SVM max-margin loss ``sum(relu(1 - y_i * score_i)) / n`` plus
``1e-4 * sum(p * p)`` (L2); a step is forward + zero_grad + backward + SGD update.
Both libraries start from the same weights and take the same steps on the same data.

Run (from a checkout):  python benchmarks/scalar_mlp_step.py [--steps 5] [--repeats 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's chainrule

from chainrule.scalar import Value  # noqa: E402
from chainrule.scalar.nn import MLP  # noqa: E402


def make_moons(n: int = 100, noise: float = 0.1, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's `make_moons`), labels -1 and +1."""
    rng = np.random.default_rng(seed)
    n_outer = n // 2
    n_inner = n - n_outer
    t_outer = np.linspace(0, np.pi, n_outer)
    t_inner = np.linspace(0, np.pi, n_inner)
    x = np.concatenate([np.cos(t_outer), 1 - np.cos(t_inner)])
    y = np.concatenate([np.sin(t_outer), 1 - np.sin(t_inner) - 0.5])
    points = np.stack([x, y], axis=1) + rng.normal(scale=noise, size=(n, 2))
    labels = np.concatenate([-np.ones(n_outer), np.ones(n_inner)])
    return points, labels


def training_step(model, value_type, X, y, step: int) -> float:
    """micrograd's demo step: forward, SVM loss + L2, backward, SGD. Returns the loss."""
    inputs = [[value_type(v) for v in row] for row in X]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    total_loss = data_loss + reg_loss
    model.zero_grad()
    total_loss.backward()
    learning_rate = 1.0 - 0.9 * step / 100
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return total_loss.data


def time_steps(model, value_type, X, y, steps: int) -> tuple[list[float], list[float]]:
    times, losses = [], []
    for step in range(steps):
        start = time.perf_counter()
        losses.append(training_step(model, value_type, X, y, step))
        times.append(time.perf_counter() - start)
    return times, losses


def micrograd_twin(model):
    """micrograd's MLP with chainrule's starting weights, or None if micrograd is missing."""
    try:
        from micrograd.engine import Value as MicroValue
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        return None, None
    twin = MicroMLP(2, [16, 16, 1])
    for p, q in zip(model.parameters(), twin.parameters(), strict=True):
        q.data = p.data
    return twin, MicroValue


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5, help="training steps per run")
    parser.add_argument("--repeats", type=int, default=3, help="runs per library, interleaved")
    args = parser.parse_args()

    X, y = make_moons()
    X, y = X.tolist(), y.tolist()
    results: dict[str, list[float]] = {"chainrule": [], "micrograd": []}
    final_losses: dict[str, list[float]] = {}
    for _ in range(args.repeats):
        np.random.seed(1337)
        model = MLP(2, [16, 16, 1])
        twin, micro_value = micrograd_twin(model)
        times, losses = time_steps(model, Value, X, y, args.steps)
        results["chainrule"] += times
        final_losses["chainrule"] = losses
        if twin is not None:
            times, losses = time_steps(twin, micro_value, X, y, args.steps)
            results["micrograd"] += times
            final_losses["micrograd"] = losses

    print(f"micrograd demo step: MLP(2, [16, 16, 1]), {len(X)} two-moons points, "
          f"{len(model.parameters())} parameters; {args.repeats} x {args.steps} steps each")
    for name, times in results.items():
        if times:
            print(f"  {name:10s} median {statistics.median(times) * 1e3:8.2f} ms/step   "
                  f"min {min(times) * 1e3:8.2f} ms   losses {[round(v, 6) for v in final_losses[name]]}")
    if results["micrograd"]:
        by_median = statistics.median(results["micrograd"]) / statistics.median(results["chainrule"])
        by_min = min(results["micrograd"]) / min(results["chainrule"])
        print(f"  chainrule is {by_median:.2f}x faster than micrograd by median step time, "
              f"{by_min:.2f}x by fastest step (target >= 3x)")
    else:
        print("  micrograd is not installed: pip install micrograd==0.1.0 to compare")


if __name__ == "__main__":
    main()
