"""Memory soak: train a small MLP for 10,000 steps and show that memory stays flat.

Each step builds a graph (Linear -> tanh -> Linear -> cross-entropy), runs backward and an
SGD step with momentum, and records the loss. If graphs or their saved arrays leaked,
memory would grow with every step. (Keeping the loss *tensors* would keep their graph
nodes, a few hundred bytes each, alive, as in PyTorch: `--keep-loss-tensors` shows it.) Measured two
ways: Python's `tracemalloc` (every allocation NumPy and chainrule make) and the resident
set size the operating system reports.

    python benchmarks/memory_soak.py               # 10,000 steps
    python benchmarks/memory_soak.py --steps 2000 --no-tracemalloc

tracemalloc slows every allocation down; ``--no-tracemalloc`` measures RSS alone, at
full speed.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
import tracemalloc
from dataclasses import dataclass, field

if __package__ in (None, ""):  # run as a script: make the repository importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import chainrule as cr  # noqa: E402
from chainrule import nn, optim  # noqa: E402


@dataclass
class SoakReport:
    steps: int
    seconds: float
    samples: list = field(default_factory=list)  # (step, traced bytes or None, rss bytes)
    first_loss: float = 0.0
    last_loss: float = 0.0

    def _warm(self) -> list:
        return self.samples[len(self.samples) // 4:]  # ignore warm-up (caches, first allocations)

    @property
    def traced_growth_bytes(self) -> int:
        traced = [t for _, t, _ in self._warm() if t is not None]
        return max(traced) - traced[0] if traced else 0

    @property
    def rss_growth_bytes(self) -> int:
        rss = [r for _, _, r in self._warm()]
        return max(rss) - rss[0] if rss else 0

    def __str__(self) -> str:
        lines = [f"{self.steps} steps in {self.seconds:.1f} s ({1e3 * self.seconds / max(self.steps, 1):.2f} ms/step); "
                 f"loss {self.first_loss:.4f} -> {self.last_loss:.4f}",
                 f"{'step':>7} {'traced MiB':>11} {'RSS MiB':>9}"]
        for step, traced, rss in self.samples:
            traced_text = f"{traced / 2**20:11.2f}" if traced is not None else f"{'-':>11}"
            lines.append(f"{step:>7} {traced_text} {rss / 2**20:9.1f}")
        lines.append(f"growth after warm-up: traced {self.traced_growth_bytes / 1024:.1f} KiB, "
                     f"RSS {self.rss_growth_bytes / 1024:.1f} KiB")
        return "\n".join(lines)


def rss_bytes() -> int:
    """Resident set size of this process (Linux /proc; ru_maxrss elsewhere, a peak)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def train(steps: int = 10_000, sample_every: int = 500, use_tracemalloc: bool = False,
          keep_loss_tensors: bool = False) -> SoakReport:
    """Run the soak; ``use_tracemalloc`` expects tracemalloc to be started by the caller."""
    cr.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 64), nn.Tanh(), nn.Linear(64, 5))
    optimizer = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    inputs = cr.randn(128, 20)
    labels = (inputs[:, :5].abs().argmax(dim=1) if hasattr(cr.Tensor, "argmax") else cr.randint(0, 5, (128,)))
    kept = []  # loss tensors, only with keep_loss_tensors (a list of floats would itself grow)
    report = SoakReport(steps=steps, seconds=0.0)
    start = time.perf_counter()
    for step in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(inputs), labels)
        loss.backward()
        optimizer.step()
        if step == 0:
            report.first_loss = loss.item()
        if keep_loss_tensors:
            kept.append(loss)
        if step % sample_every == 0 or step == steps - 1:
            gc.collect()
            traced = tracemalloc.get_traced_memory()[0] if use_tracemalloc else None
            report.samples.append((step, traced, rss_bytes()))
    report.seconds = time.perf_counter() - start
    report.last_loss = loss.item()
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--sample-every", type=int, default=500)
    parser.add_argument("--no-tracemalloc", action="store_true", help="measure RSS only (faster)")
    parser.add_argument("--keep-loss-tensors", action="store_true",
                        help="keep every loss tensor (and so its graph nodes) alive")
    args = parser.parse_args(argv)
    use_tracemalloc = not args.no_tracemalloc
    if use_tracemalloc:
        tracemalloc.start()
    try:
        report = train(args.steps, args.sample_every, use_tracemalloc, args.keep_loss_tensors)
    finally:
        if use_tracemalloc:
            tracemalloc.stop()
    print(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
